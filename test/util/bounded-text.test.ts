/**
 * BoundedText keeps the first and last part of a program's output: the result depends only on
 * the text added, never on how it was cut, and adding costs the same however many pieces.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedText, leftOutNote } from '../../src/util/bounded-text.js';

/** What a BoundedText must give for the whole text at once. */
function expected(text: string, head: number, tail: number): string {
  if (text.length <= head + tail) return text;
  return text.slice(0, head) + leftOutNote(text.length - head - tail) + text.slice(-tail);
}

describe('BoundedText', () => {
  it('gives the head, the note and the tail of the whole text, however it was cut', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 400 }),
        fc.array(fc.nat(60), { maxLength: 40 }),
        fc.nat(50),
        fc.integer({ min: 1, max: 50 }),
        (text, cuts, head, tail) => {
          const b = new BoundedText(head, tail);
          let at = 0;
          for (const n of cuts) {
            b.add(text.slice(at, at + n));
            at += n;
          }
          b.add(text.slice(at));
          expect(b.text()).toBe(expected(text, head, tail));
          expect(b.length).toBe(text.length);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('takes a million one-line pieces into a MiB tail in linear time', () => {
    const b = new BoundedText(1024, 1024 * 1024);
    const line = `${'x'.repeat(30)}\n`;
    for (let i = 0; i < 1_000_000; i++) b.add(line);
    expect(b.length).toBe(31_000_000);
    const kept = b.text();
    expect(kept.endsWith(line.repeat(1000))).toBe(true);
    expect(kept.length).toBe(1024 + leftOutNote(b.dropped).length + 1024 * 1024);
  });
});
