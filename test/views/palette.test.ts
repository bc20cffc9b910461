/** The terminal map and the web pages take their colours from one list (src/views/palette.ts). */
import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { decodeText } from '../../src/decode/index.js';
import { PALETTE } from '../../src/views/palette.js';
import { renderSnapshot } from '../../src/views/terminal/index.js';

const c = pc.createColors(true);

/** A one-row heap holding each map character once, each in a run of its own. */
function snapshotWith(chars: string) {
  const row = `${chars}${'.'.repeat(64 - chars.length)}`;
  const used = chars.replaceAll('.', '').length * 16;
  const text = `GC: total: 1024, used: ${used}, free: ${1024 - used}\n No. of 1-blocks: 0, 2-blocks: 0, max blk sz: 0, max free sz: 0\nGC memory layout; from 1000:\n00000: ${row}\n`;
  return decodeText(text).snapshots[0];
}

describe('one palette for terminal and web', () => {
  it('paints every map character in the terminal with the palette entry of that character', () => {
    // Separate each character by a free block so that every coloured run is one character long.
    const letters = PALETTE.map((e) => e.char).filter((ch) => ch !== '.' && ch !== '=');
    const chars = letters.map((ch) => `${ch}=.`).join('');
    const out = renderSnapshot(snapshotWith(chars), { color: true, legend: false });
    const row = out.split('\n').find((l) => l.includes('00000')) ?? '';
    for (const e of PALETTE) {
      const fg = c[e.ansi](e.char);
      const expected = e.ansiBackground ? c[e.ansiBackground](fg) : fg;
      expect(row, `colour of '${e.char}'`).toContain(expected);
    }
  });

  it('gives each object type its own web colour and its own terminal colour', () => {
    const types = PALETTE.filter((e) => !'.=m'.includes(e.char));
    expect(new Set(types.map((e) => e.rgb)).size).toBe(types.length);
    expect(new Set(types.map((e) => e.ansi)).size).toBe(types.length);
  });
});
