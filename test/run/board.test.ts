/**
 * `mpheap run --port` through the real CLI entry (in-process) on a real MicroPython 1.9.2 board:
 * QEMU's micro:bit (10 KB heap) over TCP, and once over a pseudo-terminal (socat) through
 * serialport. One QEMU boot for the whole file, stopped in afterAll.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heapFigures, wouldAllocate } from '../../src/analysis/index.js';
import { type RunningEmulator, startMicrobit } from '../../src/emulator/microbit.js';
import { readRecording } from '../../src/recording/recording.js';
import { runCli as cli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mpheap-run-board-'));
let board: RunningEmulator;
let socat: ChildProcess | undefined;

beforeAll(async () => {
  board = await startMicrobit();
});
afterAll(async () => {
  socat?.kill('SIGTERM');
  await board?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function script(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const LABELLED =
  'import mpheap\nx = [1, 2]\nmpheap.snap("a")\ny = bytearray(100)\nmpheap.snap("b")\nprint("done")\n';

/**
 * Interleaves long-lived 48-byte records with 176-byte scratch buffers, frees the scratch and asks
 * for 3,000 bytes: plenty is free on the 10 KB heap, but only in holes smaller than that.
 */
const FRAGMENTING = [
  'import gc',
  'import mpheap',
  'keep = []',
  'scratch = []',
  'for i in range(20):',
  '    keep.append(bytearray(48))',
  '    scratch.append(bytearray(176))',
  'scratch = None',
  'gc.collect()',
  'mpheap.snap("scratch freed")',
  'frame = bytearray(3000)',
  '',
].join('\n');

describe('mpheap run --port (emulated micro:bit over TCP)', () => {
  it('captures labelled snapshots in order, with the helper defined in RAM only', async () => {
    const rec = join(dir, 'labelled.ndjson');
    const r = await cli(
      'run',
      script('labelled.py', LABELLED),
      '--port',
      board.portName,
      '--record',
      rec,
      '--json',
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('done\r\n');
    const summary = JSON.parse(r.stdout);
    expect(summary.engine).toMatchObject({ kind: 'serial', version: '1.9.2', collectsMidLoop: true });
    expect(summary.heapSize).toBe(10048);
    expect(summary.exit).toBe('ok');
    expect(
      summary.snapshots.map((s: { trigger: string; label: string | null }) => [s.trigger, s.label]),
    ).toEqual([
      ['start', null],
      ['snap', 'a'],
      ['snap', 'b'],
      ['end', null],
    ]);
    const back = readRecording(rec);
    expect(back.snapshots.map((s) => s.label)).toEqual([null, 'a', 'b', null]);
    // Every snapshot is the board's whole heap: 628 blocks of 16 bytes.
    for (const s of back.snapshots)
      expect([s.complete, s.gc?.total, s.areas[0].map.length]).toEqual([true, 10048, 628]);
    // Between a and b the script allocated a 100-byte bytearray (7 blocks with its header).
    const [a, b] = [heapFigures(back.snapshots[1]), heapFigures(back.snapshots[2])];
    expect(b.usedBlocks).toBeGreaterThan(a.usedBlocks);
    // The helper lives in RAM: the board's filesystem is as empty as before.
    const ls = await cli(
      'run',
      script('ls.py', 'import os\nprint(os.listdir())\n'),
      '--port',
      board.portName,
      '--no-record',
      '--json',
    );
    expect(ls.stderr).toBe('[]\r\n');
  });

  it('diagnoses a MemoryError from fragmentation with the figures of the heap at that moment', async () => {
    const rec = join(dir, 'frag.ndjson');
    const r = await cli(
      'run',
      script('frag.py', FRAGMENTING),
      '--port',
      board.portName,
      '--record',
      rec,
      '--json',
    );
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('MemoryError: memory allocation failed, allocating 3000 bytes');
    const summary = JSON.parse(r.stdout);
    expect(summary.exit).toBe('exception');
    expect(summary.memoryErrors).toHaveLength(1);
    const m = summary.memoryErrors[0];
    expect(m).toMatchObject({ requested: 3000, label: 'scratch freed', line: 11, cause: 'fragmented' });

    // The figures are those of the snapshot taken right after the error, read from its own map.
    const back = readRecording(rec);
    const after = back.snapshots.find((s) => s.trigger === 'memory_error');
    expect(after?.seq).toBe(m.seq);
    const f = heapFigures(after!);
    expect(m.largestFree).toBe(f.largestFreeBytes);
    expect(m.free).toBe(f.freeBytes);
    expect(m.largestFree).toBeLessThan(3000);
    expect(m.free).toBeGreaterThan(3000);
    // gc.c's own first fit on that map finds no room either, and would for the largest hole.
    expect(wouldAllocate(after!, 3000).fits).toBe(false);
    expect(wouldAllocate(after!, f.largestFreeBytes).fits).toBe(true);
    expect(m.diagnosis).toContain(
      `3,000 bytes were asked for but the largest free block is ${f.largestFreeBytes.toLocaleString('en-US')} bytes`,
    );
  });

  it("captures the heap at the moment a full heap raises MemoryError, with the script's own line", async () => {
    // Without the guard the board is too full afterwards even to compile mpheap's snapshot code.
    const rec = join(dir, 'fill.ndjson');
    const fill = ['keep = []', 'while True:', '    keep.append(bytearray(64))', ''].join('\n');
    const r = await cli('run', script('fill.py', fill), '--port', board.portName, '--record', rec, '--json');
    expect(r.code).toBe(4);
    const summary = JSON.parse(r.stdout);
    expect(summary.error.type).toBe('MemoryError');
    expect(summary.error.line).toBe(3);
    expect(r.stderr).toContain('File "');
    expect(r.stderr).toContain('", line 3, in <module>');
    const m = summary.memoryErrors[0];
    const at = readRecording(rec).snapshots.find((s) => s.trigger === 'memory_error');
    expect(at?.seq).toBe(m.seq);
    const f = heapFigures(at!);
    // Nearly every block in use, and no hole as big as the request.
    expect(f.freeBytes).toBeLessThan(at!.gc!.total! / 10);
    expect(m.largestFree).toBe(f.largestFreeBytes);
    // A full heap cannot even format the size into the message; when it could, it did not fit.
    if (m.requested === null) expect(summary.error.message).not.toMatch(/allocating \d+ bytes/);
    else expect(m.largestFree).toBeLessThan(m.requested);
  });

  it('refuses --heap and --fixed on a board, and says when no board answers', async () => {
    const p = script('noop.py', 'pass\n');
    const heap = await cli('run', p, '--port', board.portName, '--heap', '16K', '--no-record');
    expect([heap.code, heap.stderr]).toEqual([
      2,
      "mpheap: --heap: only for the built-in engine; a board's heap is sized by its firmware\n",
    ]);
    const fixed = await cli('run', p, '--port', board.portName, '--fixed', '--no-record');
    expect(fixed.code).toBe(2);
    const bad = await cli('run', p, '--port', 'socket://nowhere', '--no-record');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^mpheap: .*socket:\/\/nowhere/);
  });
});

describe('mpheap run --port over a pseudo-terminal through serialport', () => {
  it('captures the labelled snapshots the same way', async () => {
    const link = join(dir, 'pty');
    socat = spawn('socat', [`pty,link=${link},raw,echo=0`, `tcp:127.0.0.1:${board.tcpPort}`], {
      stdio: 'ignore',
    });
    for (let i = 0; i < 100 && !existsSync(link); i++) await new Promise((r) => setTimeout(r, 50));
    const r = await cli('run', script('pty.py', LABELLED), '--port', link, '--no-record', '--json');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.snapshots.map((s: { label: string | null }) => s.label)).toEqual([null, 'a', 'b', null]);
    expect(summary.engine.description).toBe(`MicroPython 1.9.2 on microbit (${link})`);
  });
});
