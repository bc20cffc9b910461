/** `mpheap run` through the real CLI entry (in-process) on the real engine: exit codes, --json, recordings. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { readRecording } from '../../src/recording/recording.js';
import { runCli as cli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mpheap-run-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const example = (name: string) => new URL(`../../examples/${name}`, import.meta.url).pathname;

function script(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('mpheap run', () => {
  it('runs a script, prints its output and a summary, and writes the recording', async () => {
    const rec = join(dir, 'ok.ndjson');
    const p = script('ok.py', 'import mpheap\nprint("hi")\nmpheap.snap("middle")\n');
    const r = await cli('run', p, '--record', rec, '--no-color');
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('hi\n')).toBe(true);
    expect(r.stdout).toMatch(/peak used [\d,]+ bytes; lowest largest free block [\d,]+ bytes; 3 snapshots/);
    expect(r.stdout).toContain('snap middle');
    const back = readRecording(rec);
    expect(back.headers[0]).toMatchObject({ script: p, engine: { kind: 'wasm' } });
    expect(back.snapshots.map((s) => s.trigger)).toEqual(['start', 'snap', 'end']);
  });

  it('--json: one object with the documented fields; script output goes to stderr', async () => {
    const rec = join(dir, 'frag.ndjson');
    const r = await cli(
      'run',
      new URL('./fixtures/fragment_uncaught.py', import.meta.url).pathname,
      '--fixed',
      '--heap',
      '16K',
      '--step',
      '--json',
      '--record',
      rec,
    );
    expect(r.code).toBe(4);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      engine: { kind: 'wasm', fixedHeap: true, collectsMidLoop: true, warnings: [] },
      heapSize: 16384,
      exit: 'exception',
      recording: rec,
      error: { type: 'MemoryError', line: 25 },
    });
    expect(j.memoryErrors).toEqual([
      expect.objectContaining({
        requested: 6000,
        label: '25: frame = bytearray(6000)',
        line: 25,
        cause: 'fragmented',
      }),
    ]);
    expect(j.memoryErrors[0].largestFree).toBeLessThan(6000);
    expect(j.snapshots[0]).toMatchObject({ seq: 0, trigger: 'start', label: null, source: 'wasm' });
    expect(j.snapshots.some((s: { trigger: string }) => s.trigger === 'memory_error')).toBe(true);
    // The heap at the moment gc_alloc gave up is the MemoryError's snapshot.
    expect(j.snapshots.find((s: { seq: number }) => s.seq === j.memoryErrors[0].seq).trigger).toBe(
      'alloc_failed',
    );
    expect(j.failedAllocations).toBe(1);
    expect(j.collections).toMatchObject({ count: expect.any(Number), freedBytes: expect.any(Number) });
    expect(j.collections.count).toBeGreaterThan(0);
    expect(j.allocationFailures).toEqual([expect.objectContaining({ requested: 6000, cause: 'fragmented' })]);
    expect(j.peakUsed).toBe(Math.max(...j.snapshots.map((s: { gc: { used: number } }) => s.gc.used)));
    expect(r.stderr).toContain('MemoryError: memory allocation failed, allocating 6000 bytes');
  });

  it("the README's main job exits 0 and explains the failed allocation the example caught", async () => {
    const r = await cli(
      'run',
      example('fragmentation.py'),
      '--fixed',
      '--heap',
      '16K',
      '--no-record',
      '--no-color',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no room for a 6,000-byte frame buffer although');
    expect(r.stdout).toMatch(
      /Allocation failed \(after scratch freed\), snapshot \d+: 6,000 bytes were asked for but the largest free block is [\d,]+ bytes, although [\d,]+ bytes are free in total: the heap is fragmented/,
    );
    expect(r.stdout).toMatch(/\d+ garbage collections? during the run, freeing [\d,]+ bytes/);
  });

  it('runs a sensor loop inside main() to the end in a board-sized fixed heap', async () => {
    const p = script(
      'sensor.py',
      [
        'import json',
        '',
        'def main():',
        '    sent = 0',
        '    for i in range(3000):',
        "        reading = {'t': i, 'v': i * 1.5, 'name': 'sensor%d' % (i % 4)}",
        '        sent += len(json.dumps(reading))',
        '    print("sent", sent, "bytes")',
        '',
        'main()',
      ].join('\n'),
    );
    const r = await cli('run', p, '--fixed', '--heap', '112K', '--no-record', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.exit).toBe('ok');
    // The same as CPython prints for the same loop.
    expect(r.stderr).toContain('sent 127149 bytes');
    expect(j.collections.count).toBeGreaterThan(0);
    // What the loop holds at once is small: a collection leaves little in use.
    expect(j.collections.peakLiveAfter).toBeLessThan(8 * 1024);
    expect(j.failedAllocations).toBe(0);
  });

  it('exits 3 naming the budget and where it was broken', async () => {
    const p = script(
      'grow.py',
      'import mpheap\nkeep = [bytearray(64) for i in range(100)]\nmpheap.snap("filled")\n',
    );
    const r = await cli('run', p, '--max-used', '4K', '--no-record', '--no-color');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/mpheap: --max-used 4,096: [\d,]+ bytes used at snapshot 1 "filled" \(snap\)/);
    expect(r.stdout).toContain('budget broken: --max-used 4,096');
  });

  it('exits 5 when the watchdog stops the script, keeping what was recorded', async () => {
    const rec = join(dir, 'hang.ndjson');
    const p = script('hang.py', 'print("start")\nwhile True:\n    pass\n');
    const r = await cli('run', p, '--timeout', '1', '--record', rec, '--no-color');
    expect(r.code).toBe(5);
    expect(r.stdout).toContain('stopped by the watchdog');
    const back = readRecording(rec);
    expect(back.snapshots.map((s) => s.trigger)).toEqual(['start']);
    expect(back.events.some((e) => e.event === 'timeout')).toBe(true);
  });

  it('exits 4 on a syntax error, naming the line', async () => {
    const p = script('bad.py', 'x = 1\ny = (\n');
    const r = await cli('run', p, '--no-record', '--no-color');
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('SyntaxError');
    expect(r.stdout).toMatch(/SyntaxError at .*bad\.py:\d+/);
  });

  it('exits 2 on bad options and a missing script', async () => {
    expect((await cli('run', join(dir, 'missing.py'))).code).toBe(2);
    const p = script('fine.py', 'pass\n');
    const small = await cli('run', p, '--heap', '1K', '--no-record');
    expect(small.code).toBe(2);
    expect(small.stderr).toContain('--heap: 1,024 bytes is too small');
    expect((await cli('run', p, '--timeout', 'soon', '--no-record')).code).toBe(2);
    expect((await cli('run', p, '--max-used', 'lots', '--no-record')).code).toBe(2);
  });

  it('--html keeps every snapshot taken before the watchdog stopped the script', async () => {
    const html = join(dir, 'hang.html');
    const p = script('hang-html.py', 'import mpheap\nmpheap.snap("before")\nwhile True:\n    pass\n');
    const r = await cli('run', p, '--timeout', '1', '--html', html, '--no-record');
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/wrote .*hang\.html: 2 snapshots, [\d.]+ KiB\n/);
    const page = readFileSync(html, 'utf8');
    const json = /<script type="application\/json" id="mpheap-data">(.*?)<\/script>/s.exec(page)?.[1];
    const data = JSON.parse(json ?? 'null');
    expect(
      data.snapshots.map((s: { trigger: string; label: string | null }) => [s.trigger, s.label]),
    ).toEqual([
      ['start', null],
      ['snap', 'before'],
    ]);
    expect(data.events.map((e: { event: string }) => e.event)).toContain('timeout');
  });

  it('refuses an --html it could not write and --http-port without --web, before running', async () => {
    const p = script('never.py', 'print("ran")\n');
    const html = await cli('run', p, '--html', join(dir, 'no', 'such', 'r.html'), '--no-record');
    expect([html.code, html.stdout]).toEqual([2, '']);
    expect(html.stderr).toBe(
      `mpheap: --html: cannot write '${join(dir, 'no', 'such', 'r.html')}': no such folder\n`,
    );
    const port = await cli('run', p, '--http-port', '8765', '--no-record');
    expect([port.code, port.stderr]).toEqual([2, 'mpheap: --http-port: only with --web\n']);
    const wait = await cli('run', p, '--web-wait', '--no-record');
    expect([wait.code, wait.stderr]).toEqual([2, 'mpheap: --web-wait: only with --web\n']);
    const bad = await cli('run', p, '--web', '--http-port', 'x', '--no-record');
    expect([bad.code, bad.stderr]).toEqual([2, "mpheap: --http-port: 'x' is not a TCP port (1 to 65535)\n"]);
  });
});
