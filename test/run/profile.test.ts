/**
 * `mpheap run --profile` on the board-faithful engine: each line's bytes and allocations,
 * checked against what gc.mem_alloc() says the same lines take, and against sizes known from
 * gc.c; functions, what stays alive, leaks, the lines that split the free space, mpheap's own
 * share kept apart, and the profile in snapshots, the recording and the CLI.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WasmEngine, type WasmEngineOptions } from '../../src/engines/wasm/wasm-engine.js';
import { parseRecording, RecordingWriter } from '../../src/recording/recording.js';
import { type RunOptions, runScript } from '../../src/run/session.js';
import type { HeapProfile } from '../../src/snapshot/profile.js';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mpheap-profile-'));
const engines: WasmEngine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function profiled(script: string, opts: WasmEngineOptions = {}, run: RunOptions = {}) {
  const e = new WasmEngine({ collector: 'board-only', profile: true, ...opts });
  engines.push(e);
  await e.load();
  const r = await runScript(e, script, { scriptName: 'app.py', profile: {}, ...run });
  if (!r.profile) throw new Error(`no profile (exit ${r.exit})`);
  return { r, p: r.profile };
}

/** A line's bytes, 0 when it made no allocation. */
function bytesOf(p: HeapProfile, n: number): number {
  return p.lines.find((x) => x.line === n)?.bytes ?? 0;
}

function line(p: HeapProfile, n: number) {
  const l = p.lines.find((x) => x.line === n);
  if (!l) throw new Error(`line ${n} is not in the profile`);
  return l;
}

// Lines that only allocate (no frees, no collections on a roomy heap), in a function so that
// nothing else (globals growing) happens on them. Their known sizes in gc.c's 16-byte blocks:
// bytearray(100) (line 4) is its object (1 block) and 100 bytes of data (7 blocks): 2
// allocations, 128 B. The same script as the board's profile is checked with.
const WORK = readFileSync(new URL('./fixtures/work.py', import.meta.url), 'utf8');
const WORK_LINES = [4, 5, 6, 7, 8, 9, 10, 11];

/**
 * The same script with each line of work() between two reads of gc.mem_alloc(), the difference
 * added up per line in an array('i') (reading it and storing a small int allocate nothing).
 */
function probed(script: string, lines: number[]): string {
  const src = script.split('\n');
  const out = ['import gc, array', '_m = array.array("i", [0] * 64)'];
  src.forEach((text, i) => {
    const indent = /^\s*/.exec(text)?.[0] ?? '';
    if (lines.includes(i + 1))
      out.push(`${indent}_m[0] = gc.mem_alloc()`, text, `${indent}_m[${i + 1}] += gc.mem_alloc() - _m[0]`);
    else out.push(text);
  });
  out.push(`print('MEASURED', [_m[n] for n in ${JSON.stringify(lines)}])`);
  return out.join('\n');
}

describe('the profile of the board-faithful engine', () => {
  it("gives each line the bytes gc.mem_alloc() says it takes, and gc.c's known sizes", async () => {
    const e = new WasmEngine({ collector: 'board-only' });
    engines.push(e);
    await e.load();
    const m = await runScript(e, probed(WORK, WORK_LINES), { scriptName: 'probed.py' });
    const measured = JSON.parse(/MEASURED (\[.*\])/.exec(m.output)?.[1] ?? 'null') as number[];
    expect(measured).toHaveLength(WORK_LINES.length);
    // Every line but the append (4 appends fit the 4 slots a new list has) takes memory.
    expect(measured.slice(0, -1).every((x) => x > 0)).toBe(true);

    const { p } = await profiled(WORK);
    expect(WORK_LINES.map((n) => bytesOf(p, n))).toEqual(measured);
    expect(p.exact).toBe(true);
    // Known from gc.c: bytearray(100) four times, 2 allocations of 8 blocks each time.
    expect(line(p, 4)).toMatchObject({
      allocations: 8,
      bytes: 4 * 128,
      function: 'work',
      text: 'a = bytearray(100)',
    });
    // Kept in `keep`: all four are alive at the end; the lists of line 5 are not.
    expect(line(p, 4).aliveAtEnd).toBe(8);
    expect(line(p, 4).aliveBytesAtEnd).toBe(512);
    expect(line(p, 5).aliveAtEnd).toBe(0);
  });

  it('is the same on a fixed heap (code run through the guard), growing, and statement by statement', async () => {
    const a = (await profiled(WORK)).p;
    const b = (await profiled(WORK, { fixed: true, heapSize: 32 * 1024 })).p;
    const c = (await profiled(WORK, {}, { step: true })).p;
    const rows = (p: HeapProfile) =>
      WORK_LINES.map((n) => [n, bytesOf(p, n), p.lines.find((x) => x.line === n)?.allocations ?? 0]);
    expect(rows(b)).toEqual(rows(a));
    expect(rows(c)).toEqual(rows(a));
  });

  it('names functions, with what they made themselves and with what they called', async () => {
    const { p } = await profiled(
      [
        'def leaf():', //                    1
        '    return bytearray(200)', //      2
        'class Box:', //                     3
        '    def fill(self):', //            4
        '        self.x = leaf()', //        5
        '        return bytearray(40)', //   6
        'def main():', //                    7
        '    b = Box()', //                  8
        '    for i in range(3):', //         9
        '        b.fill()', //               10
        'main()', //                         11
      ].join('\n'),
    );
    expect(line(p, 2)).toMatchObject({ function: 'leaf', allocations: 6, bytes: 3 * (16 + 208) });
    expect(line(p, 6)).toMatchObject({ function: 'Box.fill', allocations: 6, bytes: 3 * (16 + 48) });
    const fn = (name: string) => p.functions.find((f) => f.function === name);
    expect(fn('leaf')).toMatchObject({ line: 1, bytes: 672, totalBytes: 672 });
    const fill = fn('Box.fill');
    expect(fill?.line).toBe(4);
    expect(fill?.bytes).toBe(line(p, 5).bytes + line(p, 6).bytes);
    expect(fill?.totalBytes).toBe((fill?.bytes ?? 0) + 672);
    expect(fn('main')?.totalBytes).toBe((fn('main')?.bytes ?? 0) + (fill?.totalBytes ?? 0));
    // The stack of line 2: main → fill → leaf, outermost first.
    const st = p.stacks.find((s) => s.scriptFrame !== null && p.frames[s.frames[s.scriptFrame]].line === 2);
    expect(
      st?.frames
        .map((i) => p.frames[i])
        .filter((f) => f.file === 'app.py')
        .map((f) => f.line),
    ).toEqual([11, 10, 5, 2]);
  });

  it("keeps mpheap's own allocations (its snapshots, its helper) apart from the script's lines", async () => {
    const { p } = await profiled(
      [
        'import mpheap',
        'def main():',
        '    x = bytearray(64)',
        '    mpheap.snap("one")',
        '    y = bytearray(64)',
        'main()',
      ].join('\n'),
    );
    // The snap line itself allocates nothing of the script's: snap() is mpheap's.
    expect(p.lines.find((l) => l.line === 4)).toBeUndefined();
    expect(line(p, 3).bytes).toBe(16 + 64);
    expect(line(p, 5).bytes).toBe(16 + 64);
    // `import mpheap` finds the helper imported before the start: compiling it was mpheap's.
    expect(bytesOf(p, 1)).toBeLessThan(64);
    const mine = p.other.find((o) => o.owner === 'mpheap');
    expect(mine?.bytes).toBeGreaterThan(1000);
    expect(p.other.find((o) => o.owner === 'compile')?.bytes).toBeGreaterThan(0);
  });

  it('finds the line whose survivors grow across collections, and not the garbage that comes and goes', async () => {
    // Line 4 makes garbage, line 5 keeps what it makes; line 9 collects every fourth pass.
    const { p } = await profiled(readFileSync(new URL('./fixtures/leak.py', import.meta.url), 'utf8'));
    expect(p.collections).toBeGreaterThanOrEqual(10);
    const leak = p.leaks.find((k) => k.line === 5);
    expect(leak).toBeDefined();
    expect(leak?.aliveLast).toBeGreaterThan(leak?.aliveFirst ?? Infinity);
    expect(leak?.growths).toBeGreaterThanOrEqual(9);
    expect(p.leaks.find((k) => k.line === 4)).toBeUndefined();
    // Each bytearray(300) is garbage by the end; each bytearray(20) kept (object and data).
    expect(line(p, 4)).toMatchObject({ allocations: 80, aliveAtEnd: 0 });
    expect(line(p, 5).aliveAtEnd).toBeGreaterThanOrEqual(80);
  });

  it('names the line whose allocations split the free space at a MemoryError', async () => {
    const script = readFileSync(new URL('../../examples/fragmentation.py', import.meta.url), 'utf8');
    const { r } = await profiled(script, { fixed: true, heapSize: 16 * 1024 });
    const failure = r.allocationFailures[0];
    expect(failure.cause).toBe('fragmented');
    const blame = failure.blame?.[0];
    const lines = script.split('\n');
    expect(lines[(blame?.line ?? 0) - 1]).toContain('records.append(bytearray');
    expect(blame?.enough).toBe(true);
    expect(blame?.largestFreeWithout).toBeGreaterThanOrEqual(6000);
    // The snapshot read at the failure knows, block by block, which line made what is there.
    const s = r.snapshots[failure.seq ?? -1];
    expect(s.profile?.owners).toHaveLength(s.areas.length);
    const owned = [...(s.profile?.owners[0] ?? [])].filter((o) => o >= 0).length;
    expect(owned).toBeGreaterThan(100);
  });

  it('goes into the recording: each snapshot with its owners, and the profile at the end', async () => {
    const path = join(dir, 'rec.ndjson');
    const rec = new RecordingWriter(path, { startedAt: Date.now() });
    const { r, p } = await profiled(WORK, {}, { recording: rec });
    rec.close();
    const loaded = parseRecording(readFileSync(path, 'utf8'));
    expect(loaded.snapshots.map((s) => s.profile?.alive)).toEqual(r.snapshots.map((s) => s.profile?.alive));
    expect(loaded.snapshots[1].profile?.owners).toEqual(r.snapshots[1].profile?.owners);
    const ev = loaded.events.find((e) => e.event === 'profile') as unknown as { profile: HeapProfile };
    expect(ev.profile.lines).toEqual(p.lines);
  });
});

describe('mpheap run --profile', () => {
  it('prints the top lines and gives the profile in --json', async () => {
    const file = join(dir, 'work.py');
    writeFileSync(file, WORK);
    const text = await runCli('run', file, '--profile', '--no-record', '--no-color');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Heap by source line (exact');
    expect(text.stdout).toMatch(/^\s+4\s+work\s+512\s+8\s+8 \(512 B\)\s+a = bytearray\(100\)$/m);
    const json = await runCli('run', file, '--profile', '--no-record', '--json');
    expect(json.code).toBe(0);
    const j = JSON.parse(json.stdout);
    expect(j.profile.lines.find((l: { line: number }) => l.line === 4)).toMatchObject({
      file,
      line: 4,
      function: 'work',
      allocations: 8,
      bytes: 512,
      aliveAtEnd: 8,
    });
    expect(j.snapshots[1].alive.find((a: { line: number }) => a.line === 4)).toMatchObject({
      allocations: 8,
      bytes: 512,
    });
  });

  it('refuses --gc top-level, which cannot see allocations', async () => {
    const file = join(dir, 'one.py');
    writeFileSync(file, 'x = 1\n');
    const r = await runCli('run', file, '--profile', '--gc', 'top-level', '--no-record');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--profile');
  });
});
