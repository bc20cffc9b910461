/** The record line: what the agent writes, what the collector accepts, and why it refuses. */
import { describe, expect, it } from 'vitest';
import { Collector } from '../../src/fleet/collector.js';
import {
  checkName,
  type FleetRecord,
  fletcher16,
  formatRecord,
  parseRecord,
} from '../../src/fleet/record.js';
import type { FleetStore } from '../../src/fleet/store.js';

const sample: FleetRecord = {
  device: 'pump-7',
  reset: 'wdt',
  boot: 12,
  seq: 40,
  uptimeS: 2400,
  free: 6608,
  used: 3440,
  largestFree: 6160,
  oneBlocks: 38,
  twoBlocks: 6,
  maxNewSplit: 0,
  collections: null,
  collected: true,
  largestFrom: 'table',
};

describe('record', () => {
  it('round-trips and matches the checksum the agent computes', () => {
    const line = formatRecord(sample);
    expect(line).toBe(
      `mph1 pump-7 wdt 12 40 2400 6608 3440 6160 38 6 0 - ca *${fletcher16(line.slice(0, -6)).toString(16).padStart(4, '0')}`,
    );
    expect(parseRecord(`${line}\r\n`)).toEqual({ ok: true, record: sample });
    const bare = {
      ...sample,
      reset: null,
      largestFree: null,
      oneBlocks: null,
      twoBlocks: null,
      maxNewSplit: null,
      collected: false,
      largestFrom: null,
    };
    expect(parseRecord(formatRecord(bare))).toEqual({ ok: true, record: bare });
  });

  it('refuses damaged records with the reason', () => {
    const line = formatRecord(sample);
    const reason = (l: string) => {
      const r = parseRecord(l);
      return r.ok ? 'accepted' : r.reason;
    };
    expect(reason(line.replace('6608', '6609'))).toMatch(/^checksum mismatch/);
    expect(reason(line.replace(' 40 ', ' 4 '))).toMatch(/^checksum mismatch/);
    expect(reason(line.slice(0, 30))).toBe('no checksum (the line was cut short)');
    expect(reason('hello')).toMatch(/^not a record/);
    const resign = (body: string) => `${body} *${fletcher16(body).toString(16).padStart(4, '0')}`;
    expect(reason(resign('mph1 a - 1 2 3 4 5 6 7 8 9 - c'))).toBe('accepted');
    expect(reason(resign('mph1 a - 1 2 3 4 5 6 7 8 9 c'))).toBe('14 fields, a record has 15');
    expect(reason(resign('mph1 a/b - 1 2 3 4 5 6 7 8 9 - c'))).toMatch(/^device id 'a\/b'/);
    expect(reason(resign('mph1 a - 1 2 3 x 5 6 7 8 9 - c'))).toBe("free 'x' is not a whole number or '-'");
    expect(reason(resign('mph1 a - 1 2 3 - 5 6 7 8 9 - c'))).toBe("free is required, got '-'");
    expect(reason(resign('mph1 a - 1 2 3 4 5 6 7 8 9 - x'))).toMatch(/^flags 'x'/);
  });

  it('holds device ids, client ids and groups to one rule, each message naming what was refused', () => {
    const rule = 'is not 1 to 64 of A-Z a-z 0-9 _ . -';
    expect(checkName('pump-7.a_B', 'device id')).toBeNull();
    expect(checkName('x'.repeat(64), 'group')).toBeNull();
    expect(checkName('', 'device id')).toBe(`device id '' ${rule}`);
    expect(checkName('x'.repeat(65), 'group')).toBe(`group '${'x'.repeat(65)}' ${rule}`);
    expect(checkName('a b', '--device-id:')).toBe(`--device-id: 'a b' ${rule}`);
    const resign = (body: string) => `${body} *${fletcher16(body).toString(16).padStart(4, '0')}`;
    expect(parseRecord(resign('mph1 a/b - 1 2 3 4 5 6 7 8 9 - c'))).toEqual({
      ok: false,
      reason: `device id 'a/b' ${rule}`,
    });
    const store = {} as FleetStore;
    const url = 'mqtt://127.0.0.1:1883';
    expect(() => new Collector({ url, store, clientId: 'a b' })).toThrow(`client id 'a b' ${rule}`);
    expect(() => new Collector({ url, store, clientId: 'ok', group: 'g/1' })).toThrow(`group 'g/1' ${rule}`);
    expect(() => new Collector({ url, store, clientId: 'ok', group: 'g1' })).not.toThrow();
  });
});
