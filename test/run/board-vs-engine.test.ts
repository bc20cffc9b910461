/**
 * The referee: the same scripts on the emulated micro:bit (a real MicroPython 1.9.2 board, 10 KB
 * heap, over the raw REPL) and on the embedded engine with the micro:bit's pool (10,048 bytes,
 * fixed). Scripts that fit both must end the same way: garbage made in a loop inside a function
 * is collected and the script runs to the end; a live set larger than the heap is a full heap;
 * small survivors between freed buffers are a fragmented one.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { regionBytesForPool } from '../../src/heap/layout.js';
import { runCli as cli } from '../support/cli.js';
import { microbitForTests } from '../support/microbit.js';

const emu = microbitForTests('mpheap-referee-');

/** The micro:bit's GC pool, as its firmware prints `GC: total`. */
const MICROBIT_POOL = 10048;

interface Outcome {
  code: number;
  exit: string;
  output: string;
  causes: string[];
  total: number;
}

async function onBoth(name: string, source: string): Promise<{ board: Outcome; engine: Outcome }> {
  const path = join(emu.dir, name);
  writeFileSync(path, source);
  const heap = String(regionBytesForPool(MICROBIT_POOL, { wordSize: 4 }));
  const runs = {
    board: await cli('run', path, '--port', emu.board.portName, '--no-record', '--json'),
    engine: await cli('run', path, '--fixed', '--heap', heap, '--no-record', '--json'),
  };
  const outcome = (r: { code: number; stdout: string; stderr: string }): Outcome => {
    const j = JSON.parse(r.stdout);
    return {
      code: r.code,
      exit: j.exit,
      // The board ends its lines with \r\n; the traceback goes after the output.
      output: r.stderr.replace(/\r\n/g, '\n').split('Traceback')[0],
      causes: j.memoryErrors.map((m: { cause: string }) => m.cause),
      total: j.snapshots[0].gc.total,
    };
  };
  return { board: outcome(runs.board), engine: outcome(runs.engine) };
}

describe('the embedded engine ends as the emulated micro:bit does', () => {
  it('runs a loop that makes garbage inside a function to the end', async () => {
    const r = await onBoth(
      'garbage.py',
      [
        'def main():',
        '    total = 0',
        '    for i in range(300):',
        "        line = 'reading %d: %s' % (i, [i, i * 2, i * 3])",
        '        total += len(line)',
        "    print('total', total)",
        'main()',
        '',
      ].join('\n'),
    );
    expect(r.board.total).toBe(MICROBIT_POOL);
    expect(r.engine.total).toBe(MICROBIT_POOL);
    expect(r.board).toMatchObject({ code: 0, exit: 'ok', causes: [] });
    expect(r.engine).toMatchObject({ code: 0, exit: 'ok', causes: [] });
    expect(r.engine.output).toBe(r.board.output);
    expect(r.engine.output).toMatch(/^total \d+\n$/);
  });

  it('calls a live set that leaves too little free full', async () => {
    // Garbage collected first (mem_free() counts it as used), then filled with small objects
    // (into a list made big enough first, so it never grows) to the same free space on both,
    // then asked for more than is left, with room still for MicroPython to say how much.
    const r = await onBoth(
      'full.py',
      [
        'import gc',
        'def main():',
        '    gc.collect()',
        '    keep = [None] * 600',
        '    n = 0',
        '    while gc.mem_free() > 600:',
        '        keep[n] = (n,)',
        '        n += 1',
        '    big = bytearray(2000)',
        'main()',
        '',
      ].join('\n'),
    );
    expect(r.board).toMatchObject({ code: 4, exit: 'exception', causes: ['full'] });
    expect(r.engine).toMatchObject({ code: 4, exit: 'exception', causes: ['full'] });
  });

  it('calls small survivors between freed buffers fragmented', async () => {
    // Filled to the same free space on both whatever each holds at start, then every other
    // buffer freed: plenty free, in holes of about 200 bytes.
    const r = await onBoth(
      'fragmented.py',
      [
        'import gc',
        'def main():',
        '    keep = []',
        '    scratch = []',
        '    gc.collect()',
        '    while gc.mem_free() > 1200:',
        '        keep.append(bytearray(48))',
        '        scratch.append(bytearray(176))',
        '    scratch = None',
        '    gc.collect()',
        '    frame = bytearray(1500)',
        'main()',
        '',
      ].join('\n'),
    );
    expect(r.board).toMatchObject({ code: 4, exit: 'exception', causes: ['fragmented'] });
    expect(r.engine).toMatchObject({ code: 4, exit: 'exception', causes: ['fragmented'] });
  });
});
