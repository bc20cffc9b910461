/**
 * runScript on the real WebAssembly engine: snapshots in order, --step, MemoryError diagnosis,
 * budgets, the watchdog with an intact recording, syntax errors.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WasmEngine } from '../../src/engines/wasm/wasm-engine.js';
import { parseRecording, RecordingWriter } from '../../src/recording/recording.js';
import { runScript } from '../../src/run/session.js';

const dir = mkdtempSync(join(tmpdir(), 'mpheap-run-'));
let engine: WasmEngine | null = null;
afterEach(async () => {
  await engine?.close();
  engine = null;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function engineWith(opts: ConstructorParameters<typeof WasmEngine>[0] = {}): Promise<WasmEngine> {
  engine = new WasmEngine(opts);
  await engine.load();
  return engine;
}

const FRAGMENTING = readFileSync(new URL('./fixtures/fragment_uncaught.py', import.meta.url), 'utf8');

describe('runScript on the WebAssembly engine', () => {
  it('takes start, labelled, mem_info and end snapshots in order, and passes output through', async () => {
    const e = await engineWith();
    const script = [
      'import mpheap, micropython',
      'print("hello")',
      'mpheap.snap("first")',
      'data = [bytearray(100) for i in range(20)]',
      'mpheap.snap("second")',
      'micropython.mem_info()',
      'print("bye")',
    ].join('\n');
    const out: string[] = [];
    const r = await runScript(e, script, { scriptName: 'labels.py', onOutput: (t) => out.push(t) });
    expect(r.exit).toBe('ok');
    expect(r.snapshots.map((s) => [s.seq, s.trigger, s.label])).toEqual([
      [0, 'start', null],
      [1, 'snap', 'first'],
      [2, 'snap', 'second'],
      [3, 'mem_info', null],
      [4, 'end', null],
    ]);
    expect(out.join('')).toBe('hello\nbye\n');
    expect(r.output).toBe('hello\nbye\n');
    // The 20 buffers of 100 bytes (7 blocks each, and their objects) show between the snaps.
    const used = r.snapshots.map((s) => s.gc?.used ?? 0);
    expect(used[2] - used[1]).toBeGreaterThanOrEqual(20 * 112);
    expect(r.peakUsed).toBe(Math.max(...used));
    expect(r.snapshots[3].areas).toEqual([]); // mem_info() without 1: figures, no map
    expect(r.snapshots[1].areas.length).toBeGreaterThan(0);
  });

  it('passes all output on as it comes, and keeps the first and last MiB of 3 MiB in the result', async () => {
    const e = await engineWith();
    // 3 MiB in lines of 1 KiB, numbered so the kept head and tail can be checked exactly.
    const script = 'for i in range(3072):\n    print("%05d" % i + "x" * 1018)\n';
    let passed = 0;
    let first = '';
    let last = '';
    const r = await runScript(e, script, {
      onOutput: (t) => {
        passed += t.length;
        if (first.length < 2048) first += t;
        last = (last + t).slice(-2048);
      },
    });
    expect(r.exit).toBe('ok');
    expect(passed).toBe(3072 * 1024);
    const MiB = 1024 * 1024;
    const lines = (from: number, to: number) =>
      Array.from(
        { length: to - from },
        (_, k) => `${String(from + k).padStart(5, '0')}${'x'.repeat(1018)}\n`,
      ).join('');
    expect(r.output.slice(0, MiB)).toBe(lines(0, 1024));
    expect(r.output.slice(-MiB)).toBe(lines(2048, 3072));
    expect(r.output.slice(MiB, -MiB)).toMatch(
      /^\n\[mpheap: 1(\.0)? MiB of program output left out here;[^\n]*\]\n$/,
    );
    expect(first.slice(0, 1024)).toBe(lines(0, 1));
    expect(last.slice(-1024)).toBe(lines(3071, 3072));
  });

  it('with step, gives one snapshot per top-level statement, labelled with its line', async () => {
    const e = await engineWith();
    const script =
      'a = 1\n\nfor i in range(3):\n    a += i\nif a:\n    b = bytearray(500)\nelse:\n    b = None\nprint(a)\n';
    const r = await runScript(e, script, { step: true });
    expect(r.units).toBe(4);
    expect(r.snapshots.map((s) => `${s.trigger}:${s.label}`)).toEqual([
      'start:null',
      'step:1: a = 1',
      'step:3: for i in range(3):',
      'step:5: if a:',
      'step:9: print(a)',
      'end:null',
    ]);
    expect(r.output).toBe('4\n');
  });

  it('diagnoses the fragmenting example under a fixed 16K heap: the request against the largest free block', async () => {
    const e = await engineWith({ heapSize: 16 * 1024, fixed: true });
    const r = await runScript(e, FRAGMENTING, {
      step: true,
      scriptName: 'fragmentation.py',
      timeoutMs: 60_000,
    });
    expect(r.exit).toBe('exception');
    expect(r.error?.type).toBe('MemoryError');
    expect(r.memoryErrors).toHaveLength(1);
    const m = r.memoryErrors[0];
    expect(m.requested).toBe(6000);
    expect(m.line).toBe(25);
    expect(m.label).toBe('25: frame = bytearray(6000)');
    expect(m.cause).toBe('fragmented');
    expect(m.largestFree).not.toBeNull();
    expect(m.largestFree as number).toBeLessThan(6000);
    expect(m.free as number).toBeGreaterThanOrEqual(6000);
    expect(m.diagnosis).toContain('6,000 bytes were asked for');
    expect(m.diagnosis).toContain(
      `largest free block is ${(m.largestFree as number).toLocaleString('en-US')} bytes`,
    );
    // The heap as gc_alloc left it when it gave up, read from the engine's memory.
    const s = r.snapshots.find((x) => x.seq === m.seq);
    expect(s?.trigger).toBe('alloc_failed');
    expect(s?.label).toBe('allocating 6000 bytes');
    expect(r.allocationFailures.map((f) => f.seq)).toEqual([m.seq]);
    // The guard's snapshot as the error passed follows it.
    expect(r.snapshots.find((x) => x.seq === (m.seq as number) + 1)?.trigger).toBe('memory_error');
    // The heap never grew past its 16,000-byte pool.
    for (const snap of r.snapshots) expect(snap.gc?.total).toBe(16000);
    expect(r.snapshots[r.snapshots.length - 1].trigger).toBe('end');
  });

  it('reports a fixed heap filled to the last block as MemoryError, with the full heap as it was', async () => {
    // The engine's C side cannot format an uncaught exception in a full heap (it spins); the
    // fixed engine's guard catches it in Python, where printing needs no memory.
    const e = await engineWith({ heapSize: 16 * 1024, fixed: true });
    const script = ['keep = []', 'while True:', '    keep.append(bytearray(100))'].join('\n');
    const r = await runScript(e, script, { scriptName: 'fill.py', timeoutMs: 30_000 });
    expect(r.exit).toBe('exception');
    expect(r.error?.type).toBe('MemoryError');
    expect(r.memoryErrors).toHaveLength(1);
    const m = r.memoryErrors[0];
    const s = r.snapshots.find((x) => x.seq === m.seq);
    expect(s?.trigger).toBe('alloc_failed');
    // Read at the moment of failure, after gc.c's own collection: no hole big enough is left.
    expect(s?.gc?.total).toBe(16000);
    expect((s?.gc?.used ?? 0) + (s?.gc?.free ?? 0)).toBe(16000);
    expect(m.largestFree).toBe((s?.blocks?.maxFree ?? -1) * 16);
    expect(m.largestFree as number).toBeLessThan(Math.ceil((m.requested as number) / 16) * 16);
    expect(['full', 'fragmented']).toContain(m.cause);
    // The engine goes on afterwards: the end snapshot was taken.
    expect(r.snapshots[r.snapshots.length - 1].trigger).toBe('end');
  });

  it('keeps tracebacks of other exceptions as they were, through the fixed engine guard', async () => {
    const e = await engineWith({ heapSize: 16 * 1024, fixed: true });
    const r = await runScript(e, 'x = 1\n\ny = {}["missing"]\n', {
      scriptName: 'boom.py',
      timeoutMs: 30_000,
    });
    expect(r.error?.type).toBe('KeyError');
    expect(r.error?.line).toBe(3);
    expect(r.error?.traceback).toContain('File "boom.py", line 3');
    expect(r.error?.traceback).not.toContain('_mpheap');
  });

  it('checks budgets on every snapshot and names where each was broken', async () => {
    const e = await engineWith({ heapSize: 16 * 1024, fixed: true });
    const r = await runScript(e, FRAGMENTING, {
      step: true,
      budgets: { maxUsed: 8000, minLargestFree: 5000, noMemoryError: true },
      timeoutMs: 60_000,
    });
    expect(r.exit).toBe('budget');
    const kinds = new Set(r.violations.map((v) => v.budget));
    expect(kinds).toEqual(new Set(['max-used', 'min-largest-free', 'no-memory-error']));
    // Broken first inside the loop, where a collection still left more than 8,000 bytes in use.
    const inLoop = r.violations.find((v) => v.budget === 'max-used');
    expect(inLoop?.trigger).toBe('collect');
    expect(inLoop?.message).toMatch(/^--max-used 8,000: [\d,]+ bytes still used after collection \d+/);
    const first = r.violations.find((v) => v.budget === 'max-used' && v.trigger === 'step');
    expect(first?.label).toBe('14: for i in range(36):');
    expect(first?.message).toMatch(
      /^--max-used 8,000: [\d,]+ bytes used at snapshot 5 "14: for i in range\(36\):" \(step\)$/,
    );
    expect(r.violations.find((v) => v.budget === 'no-memory-error')?.message).toBe(
      '--no-memory-error: MemoryError allocating 6,000 bytes at <script>:25',
    );
  });

  it('stops a hanging script with the watchdog and leaves the recording whole', async () => {
    const e = await engineWith();
    const path = join(dir, 'hang.ndjson');
    const rec = new RecordingWriter(path, { startedAt: Date.now() });
    const script = 'import mpheap\nprint("working")\nmpheap.snap("before the loop")\nwhile True:\n    pass\n';
    const r = await runScript(e, script, { recording: rec, timeoutMs: 1500 });
    rec.close();
    expect(r.exit).toBe('timeout');
    expect(r.timedOut).toBe(true);
    const back = parseRecording(readFileSync(path, 'utf8'));
    expect(back.warnings).toEqual([]);
    expect(back.snapshots.map((s) => [s.trigger, s.label])).toEqual([
      ['start', null],
      ['snap', 'before the loop'],
    ]);
    expect(back.outputs.map((o) => o.text).join('')).toBe('working\n');
    expect(back.events.map((x) => x.event)).toEqual(['start', 'timeout', 'end']);
  });

  it('reports heap_lock(); raise as what it is, at once, not as a timeout', async () => {
    const e = await engineWith();
    const events: string[] = [];
    const started = Date.now();
    const r = await runScript(e, 'import micropython\nmicropython.heap_lock()\nraise ValueError("x")\n', {
      timeoutMs: 30_000,
      onEvent: (name, fields) => events.push(fields.heapLocked ? `${name} (locked)` : name),
    });
    expect(r.exit).toBe('exception');
    expect(r.timedOut).toBe(false);
    expect(r.error?.type).toBe('MicroPythonFatal');
    expect(r.error?.message).toMatch(/raised while the heap was locked \(micropython\.heap_lock\(\)\)/);
    // The refused allocations are events, not "no room" snapshots; the engine ran nothing after.
    expect(events).toContain('alloc_failed (locked)');
    expect(r.snapshots.map((s) => s.trigger)).toEqual(['start']);
    expect(Date.now() - started).toBeLessThan(10_000);
    // The engine starts afresh for whatever comes next.
    await e.load();
    expect((await e.exec('print(6 * 7)')).output).toBe('42\n');
  });

  it('reports a syntax error with its line, in step mode too', async () => {
    const e = await engineWith();
    const script = 'x = 1\nprint(x)\nif x\n    print(2)\n';
    const whole = await runScript(e, script, { scriptName: 'bad.py' });
    expect(whole.exit).toBe('exception');
    expect(whole.error).toMatchObject({ type: 'SyntaxError', line: 3 });
    expect(whole.error?.traceback).toContain('File "bad.py", line 3');
    await e.reset();
    const stepped = await runScript(e, script, { scriptName: 'bad.py', step: true });
    expect(stepped.error).toMatchObject({ type: 'SyntaxError', line: 3 });
    expect(stepped.output).toBe('1\n'); // the statements before it ran
  });
});
