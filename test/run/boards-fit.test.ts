/**
 * Board heap profiles (`mpheap boards`, `run --board`) and `mpheap fit`, through the CLI on the
 * embedded engine.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BOARD_PROFILES } from '../../src/engines/board-profiles.js';
import { runCli as cli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mpheap-fit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function script(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('board profiles', () => {
  it('every profile names its source, and `mpheap boards --json` lists them all', async () => {
    const r = await cli('boards', '--json');
    expect(r.code).toBe(0);
    const { boards } = JSON.parse(r.stdout);
    expect(boards.map((b: { name: string }) => b.name)).toEqual(
      expect.arrayContaining(['microbit-v1', 'microbit-v2', 'pico', 'pico-w', 'esp8266', 'esp32', 'pyboard']),
    );
    for (const b of BOARD_PROFILES) expect(b.source.length).toBeGreaterThan(30);
  });

  it('--board gives the engine exactly the GC pool the board prints, fixed or growing as the board', async () => {
    const p = script('empty.py', 'x = 1\n');
    for (const b of BOARD_PROFILES) {
      const r = await cli('run', p, '--board', b.name, '--no-record', '--json');
      expect(r.code, b.name).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.snapshots[0].gc.total, b.name).toBe(b.poolBytes);
      expect(j.engine.fixedHeap, b.name).toBe(b.canGrowBytes === null);
      expect(j.snapshots[0].gc.maxNewSplit, b.name).toBe(b.canGrowBytes ?? 0);
      expect(j.board).toMatchObject({ name: b.name, poolBytes: b.poolBytes });
    }
  });

  it('an esp32 heap grows by areas while its limit lasts, then fails', async () => {
    const p = script('grow.py', 'keep = []\nwhile True:\n    keep.append(bytearray(100))\n');
    const r = await cli('run', p, '--board', 'esp32', '--no-record', '--json');
    expect(r.code).toBe(4);
    const j = JSON.parse(r.stdout);
    const atFailure = j.snapshots.find((s: { trigger: string }) => s.trigger === 'alloc_failed');
    // The first area, and more areas added from the 110,592 bytes it may grow by.
    expect(atFailure.areas.length).toBeGreaterThan(1);
    expect(atFailure.gc.total).toBeGreaterThan(56000 + 56000);
    expect(atFailure.gc.total).toBeLessThanOrEqual(56000 + 110592);
  });

  it('refuses a board it does not know, naming the ones it does', async () => {
    const r = await cli('run', script('x.py', 'x = 1\n'), '--board', 'arduino-uno');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--board: no profile 'arduino-uno'; one of microbit-v1, .*pico/);
  });
});

describe('mpheap fit', () => {
  it('finds the smallest heap for a known live set, checked as a user would', async () => {
    // One 30,000-byte buffer kept, and some garbage made around it.
    const p = script(
      'buffer.py',
      'frame = bytearray(30000)\nfor i in range(200):\n    line = "reading %d" % i\nprint(len(frame))\n',
    );
    const r = await cli('fit', p, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.found).toBe(true);
    expect(j.granularityBytes).toBe(256);
    expect(j.check).toEqual({ ranAt: j.minHeapBytes, failedBelow: j.minHeapBytes - 1024 });
    // The buffer needs 1,876 contiguous blocks (30,016 bytes) beside what was there before.
    const needed = j.minPoolBytes - j.usedBeforeScriptBytes;
    expect(needed).toBeGreaterThanOrEqual(30016);
    expect(needed).toBeLessThan(30016 + 2048);
    // The probes agree: every heap at least as big as the answer ran, every one below failed.
    for (const probe of j.probes) expect(probe.ok).toBe(probe.heapBytes >= j.minHeapBytes);
    // And the check holds when run by hand.
    const at = await cli('run', p, '--fixed', '--heap', String(j.minHeapBytes), '--no-record');
    const below = await cli('run', p, '--fixed', '--heap', String(j.minHeapBytes - 1024), '--no-record');
    expect([at.code, below.code]).toEqual([0, 4]);
    const microbit = j.boards.find((b: { name: string }) => b.name === 'microbit-v1');
    expect(microbit).toMatchObject({ fits: false });
    expect(microbit.marginBytes).toBe(10048 - j.minPoolBytes);
  });

  it('says when the script fails for another reason than its heap', async () => {
    const r = await cli('fit', script('bad.py', 'x = 1\nraise ValueError("broken")\n'));
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(
      'mpheap: the script does not run to the end even with room to spare: ValueError: broken',
    );
  });
});
