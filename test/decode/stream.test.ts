/** The decoder as a live monitor sees it: when snapshots come out, markers, output, warnings. */
import { describe, expect, it } from 'vitest';
import { createDecoder, decodeText } from '../../src/decode/index.js';
import type { HeapSnapshot } from '../../src/snapshot/snapshot.js';

const INFO =
  'stack: 512 out of 1800\r\n' +
  'GC: total: 2048, used: 64, free: 1984\r\n' +
  ' No. of 1-blocks: 0, 2-blocks: 0, max blk sz: 4, max free sz: 124\r\n';
const DUMP =
  'GC memory layout; from 200004a0:\r\n' +
  '00000: L===............................................................\r\n' +
  '00400: ................................................................\r\n';

function live() {
  const snaps: HeapSnapshot[] = [];
  let out = '';
  const d = createDecoder({
    source: 'serial:/dev/ttyACM0',
    now: () => 1234,
    onSnapshot: (s) => snaps.push(s),
    onOutput: (t) => {
      out += t;
    },
  });
  return { d, snaps, out: () => out };
}

describe('streaming', () => {
  it('emits a dump the moment its map covers GC total, before end()', () => {
    const { d, snaps } = live();
    d.feed(INFO + DUMP.slice(0, -5));
    expect(snaps).toHaveLength(0);
    d.feed(DUMP.slice(-5));
    expect(snaps).toHaveLength(1);
    expect(snaps[0]).toMatchObject({ seq: 0, time: 1234, source: 'serial:/dev/ttyACM0', complete: true });
  });

  it('emits mem_info() without a map as soon as the next line is not a map header', () => {
    const { d, snaps, out } = live();
    d.feed(INFO);
    expect(snaps).toHaveLength(0);
    d.feed('>>> ');
    expect(snaps).toHaveLength(1);
    expect(snaps[0].areas).toEqual([]);
    expect(snaps[0].complete).toBe(true);
    expect(out()).toBe('>>> ');
  });

  it('passes a waiting prompt on as output without waiting for a newline', () => {
    const { d, out } = live();
    d.feed('hello\r\n>>> ');
    expect(out()).toBe('hello\r\n>>> ');
    d.feed('print(1)\r\n1\r\n');
    expect(out()).toBe('hello\r\n>>> print(1)\r\n1\r\n');
  });

  it('labels the next snapshot from a marker line and keeps the marker out of the output', () => {
    const r = decodeText(
      `before\n#mpheap snap after import\n${INFO}${DUMP}#mpheap memory_error 2440\n${INFO}` +
        `#mpheap step x = [0] * 100\n${INFO}done\n${INFO}`,
    );
    expect(r.snapshots.map((s) => [s.trigger, s.label])).toEqual([
      ['snap', 'after import'],
      ['memory_error', 'MemoryError allocating 2440 bytes'],
      ['step', 'x = [0] * 100'],
      ['mem_info', null],
    ]);
    expect(r.output).toBe('before\ndone\n');
    expect(r.snapshots[0].outputBefore).toBe('before\n');
    expect(r.snapshots[3].outputBefore).toBe('done\n');
  });

  it('keeps a dump cut short, marked incomplete, at end()', () => {
    const r = decodeText(INFO + DUMP.slice(0, 80));
    expect(r.snapshots).toHaveLength(1);
    expect(r.snapshots[0].complete).toBe(false);
    expect(r.snapshots[0].areas[0].map.length).toBe(
      80 - 'GC memory layout; from 200004a0:\r\n00000: '.length,
    );
    expect(r.snapshots[0].warnings.join()).toContain('cut short');
  });

  it('reports header figures that disagree with the map', () => {
    const r = decodeText(INFO.replace('used: 64, free: 1984', 'used: 80, free: 1968') + DUMP);
    expect(r.snapshots[0].complete).toBe(true);
    expect(r.snapshots[0].warnings).toEqual([
      'GC used is 80 in the header but 64 in the map',
      'GC free is 1968 in the header but 1984 in the map',
    ]);
  });

  it('reports a garbled row with its line and byte offset', () => {
    const text = `${INFO}GC memory layout; from 200004a0:\n00000: L===....??....\n`;
    const r = decodeText(text);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0].line).toBe(5);
    expect(r.warnings[0].offset).toBe(text.indexOf('00000:'));
    expect(r.warnings[0].message).toContain('garbled map row');
  });

  it('treats a sentence that merely contains "stack: " as output', () => {
    const r = decodeText('the stack: is deep\nGC: total: ??? (not a number)\n');
    expect(r.snapshots).toEqual([]);
    expect(r.output).toBe('the stack: is deep\nGC: total: ??? (not a number)\n');
  });

  it('never throws, whatever it is fed', () => {
    const d = createDecoder({ source: 'x', onSnapshot: () => {} });
    expect(() => {
      d.feed(new Uint8Array([0, 255, 0x1b, 0x5b, 10, 13, 13]));
      d.feed('');
      d.end();
      d.feed('after end');
      d.end();
    }).not.toThrow();
  });
});
