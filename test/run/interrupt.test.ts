/**
 * Ctrl-C during `mpheap run`: the script stops, the summary and the recording's path are printed
 * with what was captured, exit 130; a board gets Ctrl-C and is left at its prompt, ready for the
 * next run. SIGINT goes to the CLI's own listener only (others in this process stay out of it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRecording } from '../../src/recording/recording.js';
import { type CliRun, runCli, startCli } from '../support/cli.js';
import { microbitForTests } from '../support/microbit.js';

const emu = microbitForTests('mpheap-interrupt-');

const FOREVER =
  'import mpheap\ni = 0\nwhile True:\n    i += 1\n    if i % 2000 == 0:\n        mpheap.snap("pass %d" % i)\n';

/** How many `snap` snapshots a recording being written holds so far. */
function snapsIn(path: string): number {
  try {
    return (readFileSync(path, 'utf8').match(/"trigger":"snap"/g) ?? []).length;
  } catch {
    return 0;
  }
}

/** Starts the CLI, waits until `ready` says so, then sends Ctrl-C to it alone. */
async function interruptWhen(args: string[], ready: (run: CliRun) => boolean) {
  const others = process.listeners('SIGINT');
  const run = startCli(...args);
  for (let i = 0; i < 600 && !ready(run); i++) await new Promise((r) => setTimeout(r, 50));
  expect(ready(run)).toBe(true);
  const mine = process.listeners('SIGINT').filter((l) => !others.includes(l));
  expect(mine).toHaveLength(1);
  mine[0]('SIGINT');
  return run.done;
}

describe('Ctrl-C during mpheap run', () => {
  it('on the embedded engine: the summary of what was captured, the recording path, exit 130', async () => {
    const script = join(emu.dir, 'forever.py');
    writeFileSync(script, FOREVER);
    const rec = join(emu.dir, 'forever.ndjson');
    const r = await interruptWhen(['run', script, '--record', rec, '--no-color'], () => snapsIn(rec) >= 3);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('mpheap: interrupted (Ctrl-C): stopping the script');
    expect(r.stdout).toMatch(/snap pass 6000/);
    expect(r.stdout).toContain(
      'interrupted (Ctrl-C): everything captured up to then is above and in the recording',
    );
    expect(r.stdout).toContain(`recording: ${rec}`);
    const back = parseRecording(readFileSync(rec, 'utf8'));
    expect(back.events.map((e) => e.event)).toContain('interrupted');
    expect(back.events.at(-1)).toMatchObject({ event: 'end', exit: 'interrupted' });
  });

  it('on a board: Ctrl-C stops the script and leaves the board at its prompt for the next run', async () => {
    const script = join(emu.dir, 'forever-board.py');
    writeFileSync(script, FOREVER);
    const rec = join(emu.dir, 'forever-board.ndjson');
    const r = await interruptWhen(
      ['run', script, '--port', emu.board.portName, '--record', rec, '--no-color'],
      () => snapsIn(rec) >= 2,
    );
    expect(r.code).toBe(130);
    expect(r.stdout).toContain('interrupted (Ctrl-C)');
    // The board answers the next run as if nothing happened.
    const next = join(emu.dir, 'next.py');
    writeFileSync(next, 'print(6 * 7)\n');
    const after = await runCli('run', next, '--port', emu.board.portName, '--no-record', '--json');
    expect(after.code).toBe(0);
    expect(after.stderr).toContain('42');
  });
});
