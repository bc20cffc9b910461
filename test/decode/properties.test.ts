/**
 * Properties over real captures: any chunking gives the same snapshots, and random damage
 * never throws and never loses a snapshot that was complete and left untouched.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDecoder, decodeText } from '../../src/decode/index.js';
import { storeSnapshot } from '../../src/snapshot/serialize.js';
import type { HeapSnapshot } from '../../src/snapshot/snapshot.js';
import { CORPUS } from '../support/shared.js';

function logs(): string[] {
  const out: string[] = [];
  for (const folder of ['microbit', 'wasm', 'adversarial', 'wild']) {
    for (const f of readdirSync(join(CORPUS, folder))) if (f.endsWith('.log')) out.push(join(folder, f));
  }
  return out.sort();
}

/** Everything a snapshot says, as comparable JSON (time is the clock's, so it is fixed). */
function key(s: HeapSnapshot): string {
  return JSON.stringify(storeSnapshot(s));
}

function decodeChunks(bytes: Uint8Array, cuts: number[]): { snaps: string[]; output: string } {
  const snaps: string[] = [];
  let output = '';
  const d = createDecoder({
    source: 'x',
    now: () => 0,
    onSnapshot: (s) => snaps.push(key(s)),
    onOutput: (t) => {
      output += t;
    },
  });
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    d.feed(bytes.subarray(at, c));
    at = c;
  }
  d.feed(bytes.subarray(at));
  d.end();
  return { snaps, output };
}

const ALL = logs();

describe('chunking', () => {
  for (const log of ALL) {
    it(`${log}: any chunking gives the same snapshots and output`, () => {
      const bytes = new Uint8Array(readFileSync(join(CORPUS, log)));
      const whole = decodeChunks(bytes, []);
      expect(whole.snaps.length).toBeGreaterThan(0);
      // One byte at a time, the hardest case for a line reader.
      const perByte = decodeChunks(
        bytes,
        Array.from({ length: bytes.length }, (_, i) => i),
      );
      expect(perByte.snaps).toEqual(whole.snaps);
      expect(perByte.output).toBe(whole.output);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 40 }), (cuts) => {
          const r = decodeChunks(bytes, cuts);
          expect(r.snaps).toEqual(whole.snaps);
          expect(r.output).toBe(whole.output);
        }),
        { numRuns: 25 },
      );
    });
  }
});

interface Span {
  start_byte: number;
  end_byte: number;
  complete: boolean;
}

describe('damage', () => {
  const real = ALL.filter((l) => !l.startsWith('adversarial'));
  it('never throws and keeps every complete snapshot it did not touch', () => {
    const damage = fc.array(
      fc.record({
        at: fc.double({ min: 0, max: 1, noNaN: true }),
        kind: fc.constantFrom('replace', 'insert', 'delete', 'newline'),
        byte: fc.integer({ min: 0, max: 255 }),
        len: fc.integer({ min: 1, max: 12 }),
      }),
      { minLength: 1, maxLength: 6 },
    );
    fc.assert(
      fc.property(fc.constantFrom(...real), damage, (log, edits) => {
        const original = new Uint8Array(readFileSync(join(CORPUS, log)));
        const truth = JSON.parse(
          readFileSync(join(CORPUS, log.replace(/\.log$/, '.truth.json')), 'utf8'),
        ) as Span[];
        const before = decodeText(original, 'x', { now: () => 0 }).snapshots;
        // Damage lands only outside the protected snapshots (their bytes and one line around).
        const touched = new Set<number>();
        const bytes = Array.from(original);
        const protectedAt = (p: number) => truth.some((t) => p >= t.start_byte - 1 && p <= t.end_byte + 2);
        const edited: number[] = [];
        // Apply from the end so earlier positions stay valid.
        const positions = edits
          .map((e) => ({ ...e, pos: Math.floor(e.at * original.length) }))
          .sort((a, b) => b.pos - a.pos);
        let lowest = Number.POSITIVE_INFINITY;
        for (const e of positions) {
          // Each edit must end before the previous one began, so positions stay the original's.
          if (e.pos + e.len >= lowest) continue;
          if (protectedAt(e.pos) || protectedAt(e.pos + e.len)) continue;
          lowest = e.pos;
          edited.push(e.pos);
          if (e.kind === 'replace') bytes.splice(e.pos, e.len, ...Array(e.len).fill(e.byte));
          else if (e.kind === 'insert') bytes.splice(e.pos, 0, ...Array(e.len).fill(e.byte));
          else if (e.kind === 'delete') bytes.splice(e.pos, e.len);
          else bytes.splice(e.pos, 0, 0x0d, 0x0a);
        }
        for (let i = 0; i < truth.length; i++) {
          const t = truth[i];
          if (edited.some((p) => p >= t.start_byte - 16 && p <= t.end_byte + 16)) touched.add(i);
        }
        const after = decodeText(new Uint8Array(bytes), 'x', { now: () => 0 }).snapshots;
        const found = new Set(after.map((s) => key({ ...s, seq: 0, outputBefore: '', warnings: [] })));
        before.forEach((s, i) => {
          if (!s.complete || touched.has(i)) return;
          expect(found.has(key({ ...s, seq: 0, outputBefore: '', warnings: [] }))).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random bytes mixed with dump lines', () => {
    const pieces = fc.array(
      fc.oneof(
        fc.uint8Array({ maxLength: 40 }),
        fc.constantFrom(
          'stack: 512 out of 1800\r\n',
          'GC: total: 10048, used: 1296, free: 8752\r\n',
          ' No. of 1-blocks: 8, 2-blocks: 3, max blk sz: 24, max free sz: 511\r\n',
          'GC memory layout; from 200004a0:\r\n',
          '00000: h=BB.........hhh==h=.h==========B.........h........hh=====h=h===\r\n',
          '00400: ====\r\n',
          '       (7 lines all free)\r\n',
          '#mpheap snap x\n',
          'mem: total=1, current=2, peak=3\n',
          '\x1b[31m',
          '\r\r\n',
        ),
      ),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(pieces, (ps) => {
        const enc = new TextEncoder();
        const parts = ps.map((p) => (typeof p === 'string' ? enc.encode(p) : p));
        const d = createDecoder({
          source: 'x',
          onSnapshot: () => {},
          onOutput: () => {},
          onWarning: () => {},
        });
        for (const p of parts) d.feed(p);
        d.end();
      }),
      { numRuns: 500 },
    );
  });
});
