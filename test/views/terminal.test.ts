/** The terminal view and `mpheap decode`, run as a user runs them. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { decodeText } from '../../src/decode/index.js';
import { LEGEND, renderSnapshot, verdict } from '../../src/views/terminal/index.js';
import { CORPUS } from '../support/shared.js';

const LOG = join(CORPUS, 'microbit', '12_frag_every_other.log');

describe('terminal view', () => {
  const text = `stack: 520 out of 1800\nGC: total: 2048, used: 144, free: 1904\n No. of 1-blocks: 1, 2-blocks: 1, max blk sz: 6, max free sz: 117\nGC memory layout; from 200004a0:\n00000: L=.S.h=====.....${'.'.repeat(48)}\n00400: ${'.'.repeat(64)}\n`;
  const [s] = decodeText(text, 'file:x').snapshots;

  it('explains every map character in words, corrected for modern MicroPython', () => {
    expect(LEGEND.map((e) => e.char).join('')).toBe('.=TLDSAFBMhm');
    const h = LEGEND.find((e) => e.char === 'h');
    expect(h?.meaning).toContain('not "qstr data"');
    expect(LEGEND.find((e) => e.char === 'm')?.meaning).toContain('during gc');
    expect(LEGEND.find((e) => e.char === 'A')?.name).toBe('bytearray/array');
    expect(LEGEND.find((e) => e.char === 'B')?.meaning).toContain('bytecode function');
  });

  it('prints the map, legend, figures and verdict without colour codes when told', () => {
    const out = renderSnapshot(s, { color: false, width: 64 });
    expect(s.warnings).toEqual([]);
    expect(out).not.toContain('\x1b[');
    expect(out).toContain('00000: L=.S.h=====.....');
    expect(out).toContain('bytearray/array');
    expect(out).toContain('free       1,904 bytes in 3 holes');
    expect(out).toContain('largest    1,872 bytes = 117 blocks of 16');
    expect(out.trimEnd().split('\n').at(-1)).toBe(verdict(s));
    expect(verdict(s)).toBe(
      'Healthy: 144 bytes of 2,048 bytes used (7.0%); the largest free block is 1,872 bytes.',
    );
  });

  it('colours types, free and tail differently', () => {
    const out = renderSnapshot(s, { color: true, width: 64, legend: false });
    const row = out.split('\n').find((l) => l.includes('00000'));
    const codes = new Set([...(row ?? '').matchAll(/\x1b\[(\d+)m/g)].map((m) => m[1]));
    // L, =, ., S, h each in their own colour.
    expect(codes.size).toBeGreaterThanOrEqual(5);
  });

  it('calls a scattered heap fragmented', () => {
    const [f] = decodeText(
      `stack: 1\nGC: total: 1024, used: 512, free: 512\n No. of 1-blocks: 32, 2-blocks: 0, max blk sz: 1, max free sz: 1\nGC memory layout; from 1000:\n00000: ${'h.'.repeat(32)}\n`,
    ).snapshots;
    expect(verdict(f)).toBe(
      'Fragmented: 512 bytes free, but the largest free block is only 16 bytes (97% of the free space is in smaller holes).',
    );
  });
});

/** Runs the CLI in this process (no build needed), capturing what it writes. */
async function cli(args: string[], stdin?: string) {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    stdout += String(c);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    stderr += String(c);
    return true;
  });
  const realStdin = Object.getOwnPropertyDescriptor(process, 'stdin');
  if (stdin !== undefined) {
    Object.defineProperty(process, 'stdin', {
      value: Readable.from([Buffer.from(stdin, 'latin1')]),
      configurable: true,
    });
  }
  process.exitCode = undefined;
  try {
    const status = await main(['node', 'mpheap', 'decode', ...args]);
    return { status, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    if (realStdin) Object.defineProperty(process, 'stdin', realStdin);
    process.exitCode = undefined;
  }
}

describe('mpheap decode', () => {
  it('prints the JSON of the issue schema for every snapshot', async () => {
    const r = await cli([LOG, '--all', '--json']);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.snapshots).toHaveLength(3);
    const s = j.snapshots[0];
    expect(Object.keys(s)).toEqual(
      expect.arrayContaining([
        'complete',
        'gc',
        'blocks',
        'stack',
        'blockSize',
        'areas',
        'largestFreeBytes',
        'fragmentation',
        'types',
        'warnings',
      ]),
    );
    expect(s.gc).toEqual({
      total: 10048,
      used: expect.any(Number),
      free: expect.any(Number),
      maxNewSplit: null,
    });
    expect(Object.keys(s.areas[0])).toEqual(
      expect.arrayContaining(['base', 'blocks', 'free', 'heads', 'largestFreeRun', 'kinds']),
    );
    expect(s.areas[0].base).toBe('200004a0');
    expect(s.areas[0].blocks).toBe(628);
  });

  it('reads standard input, honours --no-color and picks a snapshot', async () => {
    const r = await cli(['-', '--snapshot', '0', '--no-color'], readFileSync(LOG, 'latin1'));
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('\x1b[');
    expect(r.stdout).toContain('showing #0');
    expect(r.stdout).toMatch(/^(Healthy|Somewhat fragmented|Fragmented|Nearly full|Full): /m);
  });

  it('exits 1 when there is nothing to decode and 2 when the file is unreadable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpheap-decode-'));
    const plain = join(dir, 'plain.log');
    writeFileSync(plain, 'hello\r\n>>> print(1)\r\n1\r\n');
    expect((await cli([plain])).status).toBe(1);
    const missing = await cli([join(dir, 'missing.log')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no such file');
    expect((await cli([LOG, '--snapshot', '9'])).status).toBe(2);
  });
});
