/** `mpheap sim` end to end, as a user runs it (the compiled CLI through bin/mpheap.js). */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, VECTORS } from '../support/shared.js';

const bin = join(REPO_ROOT, 'bin', 'mpheap.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

beforeAll(() => {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'ignore' });
}, 180_000);

describe('mpheap sim', () => {
  it('prints exactly what gc.c printed, for both word sizes', () => {
    for (const w of ['4', '8']) {
      const r = run('sim', join(VECTORS, 'fragmentation_gc.trace'), '--word', w);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(readFileSync(join(VECTORS, `fragmentation_gc.w${w}.out`), 'utf8'));
    }
  });

  it('names file, line and token of a bad trace and exits 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpheap-sim-'));
    const cases: [string, string][] = [
      ['heap 1000\nalloc a 12\nfrob a\n', "bad.trace:3:1: unknown operation 'frob'"],
      ['heap 1000\nalloc a\n', "bad.trace:2:8: 'alloc' needs a size in bytes"],
      ['heap 1000\nalloc a 1x2\n', "bad.trace:2:9: allocation size must be a decimal integer (at '1x2')"],
      ['heap 99999999999\n', 'bad.trace:1:6: heap size does not fit in a signed 32-bit integer'],
    ];
    for (const [text, message] of cases) {
      const file = join(dir, 'bad.trace');
      writeFileSync(file, text);
      const r = run('sim', file);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stdout).toBe('');
    }
  });

  it('treats ids that the format allows to be unbound as no-ops, not errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpheap-sim-'));
    const file = join(dir, 'ok.trace');
    writeFileSync(file, 'heap 1000\nfree never\nref never 0 other\nroot ghost\ncollect\ninfo\n');
    const r = run('sim', file);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      'GC: total: 960, used: 0, free: 960\n No. of 1-blocks: 0, 2-blocks: 0, max blk sz: 0, max free sz: 60\n',
    );
  });

  it('runs a realloc to a negative size and a realloc after it without crashing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpheap-sim-'));
    const file = join(dir, 'neg.trace');
    writeFileSync(file, 'heap 10048\nalloc a 16\nrealloc a -1\nrealloc a 32\nfree a\ninfo\n');
    const r = run('sim', file);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('GC: total: 9792, used: 0, free: 9792');
  });

  it('replays on a bigger heap and compares settings side by side', () => {
    const trace = join(VECTORS, 'alloc_fail_full.trace');
    const small = run('sim', trace);
    expect(small.stdout).toContain('failed');
    const big = run('sim', trace, '--heap', '4K');
    expect(big.stdout).not.toContain('failed');

    const cmp = run('sim', trace, '--compare', '--heap', '1000,4K', '--json');
    expect(cmp.status).toBe(0);
    const rows = JSON.parse(cmp.stdout).rows as {
      setting: { heapBytes: number };
      failedAllocations: number;
    }[];
    expect(rows.map((r) => r.setting.heapBytes)).toEqual([1000, 4096]);
    expect(rows[0].failedAllocations).toBeGreaterThan(0);
    expect(rows[1].failedAllocations).toBe(0);
  });

  it('prints the map after every operation with --step', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpheap-sim-'));
    const file = join(dir, 's.trace');
    writeFileSync(file, 'heap 1000\nalloc a 20 type=L\nalloc b 16 type=T\n');
    const r = run('sim', file, '--step');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('-- line 2: alloc a 20 type=L');
    expect(r.stdout).toContain('00000000: L=T....');
  });
});

describe('mpheap sim --profile legacy', () => {
  it('prints v1.9-v1.19 text and uses their layout without the gap byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpheap-sim-'));
    const file = join(dir, 'legacy.trace');
    // 2096 bytes: 32 ATB bytes (128 blocks) without the gap byte, 31 (124 blocks) with it.
    writeFileSync(file, 'heap 2096\nalloc a 40 type=D\ninfo\ndump\n');
    const modern = run('sim', file);
    const legacy = run('sim', file, '--profile', 'legacy');
    expect(modern.stdout).toContain('GC: total: 1984,');
    expect(legacy.stdout).toContain('GC: total: 2048,');
    expect(legacy.stdout).toContain('\n00000: D==.');
    expect(legacy.stdout).toContain('\n00400: ....');
  });
});
