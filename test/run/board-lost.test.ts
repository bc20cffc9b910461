/**
 * `mpheap run --port` when the board goes away mid-run (QEMU killed, as a board unplugged): exit 4,
 * the recording whole, and the summary of what was captured up to the loss, with the recording's
 * path. Its own QEMU, killed by the test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startMicrobit } from '../../src/emulator/microbit.js';
import { readRecording } from '../../src/recording/recording.js';
import { startCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mpheap-lost-'));
let board: RunningEmulator | undefined;

afterAll(async () => {
  await board?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const SLOW = [
  'import mpheap, time',
  'data = [bytearray(32) for i in range(10)]',
  'mpheap.snap("loaded")',
  'for i in range(600):',
  '    print("tick", i)',
  '    time.sleep_ms(50)',
  '',
].join('\n');

describe('a board lost mid-run', () => {
  it('exits 4 and prints the summary of what was captured, with the recording path', async () => {
    board = await startMicrobit();
    const script = join(dir, 'slow.py');
    writeFileSync(script, SLOW);
    const rec = join(dir, 'slow.ndjson');
    const run = startCli('run', script, '--port', board.portName, '--record', rec);
    // Wait for the labelled snapshot and some ticks, then pull the plug.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !/tick 3\b/.test(String(readRecordingSafe(rec)))) await sleep(100);
    board.process.kill('SIGKILL');
    const r = await run.done;
    expect(r.code).toBe(4);
    expect(r.stdout).toContain(`mpheap run ${script}:`);
    expect(r.stdout).toMatch(/ {2}\d+ {2}snap loaded\s/);
    expect(r.stdout).toMatch(/EngineFailed: .*(closed|lost|ended)/);
    expect(r.stdout).toContain(`recording: ${rec} (mpheap decode ${rec} --all)`);
    const back = readRecording(rec);
    expect(back.snapshots.map((s) => s.trigger)).toEqual(['start', 'snap']);
    expect(back.events.map((e) => e.event)).toContain('engine_failed');
  }, 60_000);
});

function readRecordingSafe(path: string): string {
  try {
    return readRecording(path)
      .outputs.map((o) => o.text)
      .join('');
  } catch {
    return '';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
