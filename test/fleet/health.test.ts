/** The fleet view's figures from stored samples: trends per boot, leaks, forecasts, gaps, scale. */
import { describe, expect, it } from 'vitest';
import { fleetHealth, percentiles } from '../../src/fleet/health.js';
import type { StoredSample } from '../../src/fleet/store.js';

function sample(device: string, boot: number, seq: number, over: Partial<StoredSample> = {}): StoredSample {
  return {
    device,
    reset: boot === 1 ? 'pwron' : 'wdt',
    boot,
    seq,
    uptimeS: seq * 60,
    free: 6000,
    used: 4048,
    largestFree: 5000,
    oneBlocks: 10,
    twoBlocks: 2,
    maxNewSplit: 0,
    collections: null,
    collected: true,
    largestFrom: 'table',
    receivedAt: 1_700_000_000_000 + boot * 10_000_000 + seq * 60_000,
    ...over,
  };
}

describe('fleetHealth', () => {
  it('takes trends within boots: a reboot that frees the heap is not a rising trend', () => {
    // Each boot leaks 120 bytes an hour (2 a minute) from the same start; the reboot resets it.
    const samples = [1, 2].flatMap((boot) =>
      Array.from({ length: 61 }, (_, seq) =>
        sample('a', boot, seq, { free: 6000 - seq * 2, used: 4048 + seq * 2, largestFree: 5000 - seq * 3 }),
      ),
    );
    const [d] = fleetHealth(samples).devices;
    expect(d.reboots).toBe(1);
    expect(d.resetCauses).toEqual({ pwron: 1, wdt: 1 });
    expect(d.freeTrendBytesPerHour).toBeCloseTo(-120, 6);
    expect(d.largestFreeTrendBytesPerHour).toBeCloseTo(-180, 6);
    expect(d.leakBytesPerHour).toBeCloseTo(120, 6);
    expect(d.leak).toBe(true);
    // 4,820 bytes now, falling 180 an hour: 1,024 in (4820 - 1024) / 180 hours.
    expect(d.forecast).toMatchObject({ below: 1024, already: false });
    expect(d.forecast?.hours).toBeCloseTo((4820 - 1024) / 180, 6);
  });

  it('a sawtooth that collections bring back is no leak', () => {
    // Not collected before sampling: used climbs between collections and drops back each time.
    const samples = Array.from({ length: 120 }, (_, seq) =>
      sample('b', 1, seq, { collected: false, used: 3000 + (seq % 10) * 200, free: 7048 - (seq % 10) * 200 }),
    );
    const [d] = fleetHealth(samples).devices;
    expect(d.leakBytesPerHour).toBeCloseTo(0, 6);
    expect(d.leak).toBe(false);
  });

  it('counts the samples that never arrived, and says so when the largest block is already too small', () => {
    const samples = [0, 1, 2, 5, 6, 9].map((seq) => sample('c', 3, seq, { largestFree: 800 }));
    const [d] = fleetHealth(samples).devices;
    expect(d.missing).toBe(4);
    expect(d.forecast).toMatchObject({ below: 1024, hours: 0, already: true });
  });

  it('handles a device with 200,000 samples in one boot (no argument-list limits)', () => {
    const samples = Array.from({ length: 200_000 }, (_, seq) =>
      sample('big', 1, seq, { uptimeS: seq * 10, free: 6000 - (seq % 7), largestFree: 5000 - (seq % 5) }),
    );
    const h = fleetHealth(samples);
    expect(h.devices[0].samples).toBe(200_000);
    expect(h.devices[0].boots[0].minFree).toBe(5994);
    expect(h.devices[0].boots[0].minLargestFree).toBe(4996);
    expect(h.devices[0].lastAt - h.devices[0].firstAt).toBe(199_999 * 60_000);
  });

  it('fleet percentiles are nearest-rank over the devices that can say', () => {
    expect(percentiles([5, 1, null, 4, 2, 3])).toEqual({
      p1: 1,
      p10: 1,
      p50: 3,
      p90: 5,
      p99: 5,
      min: 1,
      max: 5,
    });
    const hundred = percentiles(Array.from({ length: 100 }, (_, i) => 100 - i));
    expect(hundred).toMatchObject({ p1: 1, p10: 10, p50: 50, p90: 90, p99: 99 });
    expect(percentiles([null])).toEqual({
      p1: null,
      p10: null,
      p50: null,
      p90: null,
      p99: null,
      min: null,
      max: null,
    });
    const h = fleetHealth([sample('x', 1, 0, { free: 100 }), sample('y', 1, 0, { free: 300 })]);
    expect(h.fleet.free).toMatchObject({ p50: 100, p99: 300 });
    expect(h.devices.map((d) => d.freeTrendBytesPerHour)).toEqual([null, null]);
  });
});
