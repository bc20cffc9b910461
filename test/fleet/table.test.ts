/** `mpheap fleet` in a terminal: every row on one line, whole columns left out when narrow. */
import { describe, expect, it } from 'vitest';
import { fleetHealth } from '../../src/fleet/health.js';
import type { StoredSample } from '../../src/fleet/store.js';
import { fleetTable } from '../../src/views/fleet/table.js';

function samples(device: string, n: number, boots = 2): StoredSample[] {
  return Array.from({ length: boots }, (_, b) =>
    Array.from({ length: n }, (_, seq) => ({
      device,
      reset: b === 0 ? 'pwron' : 'wdt',
      boot: b + 1,
      seq,
      uptimeS: seq * 60,
      free: 60_000 - seq * 3,
      used: 40_000 + seq * 3,
      largestFree: 50_000 - seq * 5,
      oneBlocks: 10,
      twoBlocks: 2,
      maxNewSplit: 0,
      collections: null,
      collected: true,
      largestFrom: 'table' as const,
      receivedAt: 1_700_000_000_000 + b * 100_000_000 + seq * 60_000,
    })),
  ).flat();
}

const health = fleetHealth([...samples('kitchen-sensor-01', 1500), ...samples('b', 40, 1)], {
  forecastBelow: 2048,
  now: 1_800_000_000_000,
});
const plain = { color: false, below: 2048 };

describe('fleetTable', () => {
  it('shows every column to a pipe, with the forecast size in its heading', () => {
    const out = fleetTable(health, [], { ...plain, columns: null });
    const [head, first] = out.split('\n');
    expect(head.split(/\s{2,}/)).toEqual([
      'device',
      'free',
      'largest',
      'frag',
      'free B/h',
      'leak B/h',
      '<2 KiB in',
      'reboots',
      'resets',
      'samples',
    ]);
    expect(first).toMatch(/^b \(leak\)\s+59,883\s+49,805\s+17%/);
    expect(out).toContain('\n2 devices, 3,040 samples, 1 reboot, 2 leaking\n');
    // 3 bytes a minute stay used: 180 an hour, in free (down) and what stays live (up).
    expect(out).toMatch(
      /\nkitchen-sensor-01 \(leak\)\s+55,503\s+42,505\s+23%\s+-180\s+\+180\s+134\.9 h\s+1\s+pwron×1 wdt×1\s+3,000\n/,
    );
  });

  it('leaves out whole columns, least telling first, so no line is wider than the terminal', () => {
    for (const columns of [100, 80, 72]) {
      const out = fleetTable(health, [], { ...plain, columns });
      const table = out.slice(0, out.indexOf('\n\n')).split('\n');
      const rows = table.slice(0, -1);
      for (const l of rows) expect(l.length, `${columns}: ${l}`).toBeLessThanOrEqual(columns);
      // Always kept: who, how much is free, the largest block, the leak and the forecast.
      expect(rows[0]).toMatch(/^device\s+free\s+largest\s.*leak B\/h\s+<2 KiB in/);
      if (rows[0].includes('frag')) expect(table.at(-1)).toMatch(/kitchen-sensor-01/);
    }
    const at80 = fleetTable(health, [], { ...plain, columns: 80 });
    expect(at80).toContain('\n(left out to fit: frag, resets, free B/h; --json has all)\n');
    expect(at80.split('\n')[0]).toMatch(/reboots\s+samples$/);
    expect(fleetTable(health, [], { ...plain, columns: 200 })).not.toContain('left out');
    // Narrower than what is always kept: all five are left out, and the rows stay whole.
    const at40 = fleetTable(health, [], { ...plain, columns: 40 });
    expect(at40).toContain('(left out to fit: frag, resets, free B/h, samples, reboots;');
    expect(at40.split('\n')[1]).toMatch(/^b \(leak\)\s+59,883\s+49,805\s+\+\d/);
  });
});
