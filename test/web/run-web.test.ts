// biome-ignore-all lint/performance/useDomNodeTextContent: these are playwright's Locator.innerText(), not the DOM property
/**
 * `mpheap run --web` and `--html` on the real WebAssembly engine, through the CLI entry
 * (in-process), seen in chromium: the dashboard receives each snapshot while the script still
 * runs, and the report of a fragmenting run shows the MemoryError's request against the largest
 * free block of the heap at that moment.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { startCli } from '../support/cli.js';
import { chromiumForTests, httpStatus, RESULTS } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'mpheap-run-web-'));
const web = chromiumForTests();
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
});

const STEPS = 8;
/** Grows a list, a labelled snapshot and a pause after each step, so a page can watch it happen. */
const GROWING = [
  'import time',
  'import mpheap',
  'keep = []',
  `for i in range(${STEPS}):`,
  '    keep.append(bytearray(512))',
  "    print('step', i)",
  "    mpheap.snap('step %d' % i)",
  // Real time passing (time.sleep_ms runs on the shims' virtual clock, at once): the page must
  // see the run while it is still going.
  '    t = time.ticks_ms()',
  '    while time.ticks_diff(time.ticks_ms(), t) < 600:',
  '        pass',
  '',
].join('\n');

describe('mpheap run --web', () => {
  test('the dashboard receives the snapshots live from an embedded-engine run', async () => {
    const file = join(dir, 'growing.py');
    writeFileSync(file, GROWING);
    const cli = startCli('run', file, '--web', '--no-record', '--json');
    // Not on a terminal: the page closes with the run, and the line says so next to the URL.
    const line =
      /^dashboard: http:\/\/127\.0\.0\.1:\d+\/ \(closes when the run ends; --web-wait keeps it\)\n/;
    await vi.waitFor(() => expect(cli.stderr()).toMatch(line), {
      timeout: 10_000,
      interval: 50,
    });
    const url = /http:\S+/.exec(cli.stderr())![0];
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 1100 } });
    try {
      await page.goto(url);
      expect(await page.getByTestId('title').innerText()).toBe(`mpheap run ${file}`);
      // Three labelled snapshots in, while the script is still running: they came live.
      await page.waitForFunction(
        () => window.mpheap!.session.snapshots.filter((s) => s.trigger === 'snap').length >= 3,
        null,
        { timeout: 20_000 },
      );
      expect(cli.finished()).toBe(false);
      expect(await page.getByTestId('status').innerText()).toBe('live: connected');
      await page.screenshot({ path: join(RESULTS, 'run-web-live.png'), fullPage: true });

      const r = await cli.done;
      expect(r.code).toBe(0);
      const summary = JSON.parse(r.stdout);
      // Everything the run captured reached the page, in order, with its labels and its heap.
      await page.waitForFunction(
        (n) => window.mpheap!.session.snapshots.length === n,
        summary.snapshots.length,
      );
      const seen = await page.evaluate(() =>
        window.mpheap!.session.snapshots.map((s) => ({
          trigger: s.trigger,
          label: s.label,
          total: s.gc?.total,
        })),
      );
      expect(seen).toEqual(
        summary.snapshots.map((s: { trigger: string; label: string | null; gc: { total: number } }) => ({
          trigger: s.trigger,
          label: s.label,
          total: s.gc.total,
        })),
      );
      expect(seen.map((s) => s.label)).toEqual([
        null,
        ...Array.from({ length: STEPS }, (_, i) => `step ${i}`),
        null,
      ]);
      expect(await page.getByTestId('all-output').textContent()).toContain(`step ${STEPS - 1}`);
    } finally {
      await page.close();
    }
  });
});

describe('mpheap run --web --web-wait', () => {
  test('keeps the dashboard of a finished run open until Ctrl-C', async () => {
    const file = join(dir, 'short.py');
    writeFileSync(file, 'import mpheap\nmpheap.snap("only")\n');
    const othersListening = process.listeners('SIGINT');
    const cli = startCli('run', file, '--web', '--web-wait', '--no-record', '--json');
    await vi.waitFor(() => expect(cli.stderr()).toMatch(/dashboard still open at http:\S+; Ctrl-C ends\n$/), {
      timeout: 10_000,
      interval: 50,
    });
    const url = /http:\S+/.exec(cli.stderr())![0];
    const page = await web.browser.newPage();
    try {
      // Opened after the run ended: the page still gets every snapshot of it.
      await page.goto(url);
      await page.waitForFunction(() => window.mpheap!.session.snapshots.length === 3);
      const labels = await page.evaluate(() => window.mpheap!.session.snapshots.map((s) => s.label));
      expect(labels).toEqual([null, 'only', null]);
      expect(cli.finished()).toBe(false);
    } finally {
      await page.close();
    }
    // Ctrl-C, to the CLI only: playwright listens for SIGINT too and would close chromium.
    const ctrlC = process.listeners('SIGINT').filter((l) => !othersListening.includes(l));
    expect(ctrlC).toHaveLength(1);
    ctrlC[0]('SIGINT');
    expect((await cli.done).code).toBe(0);
    expect(await httpStatus(url)).toBe('ECONNREFUSED');
  });
});

describe('mpheap run --html', () => {
  test('writes the report of a fragmenting run; it shows the request against the largest free block', async () => {
    const html = join(dir, 'fragmentation.html');
    const example = new URL('../run/fixtures/fragment_uncaught.py', import.meta.url).pathname;
    const r = await startCli(
      'run',
      example,
      '--fixed',
      '--heap',
      '16K',
      '--step',
      '--html',
      html,
      '--no-record',
      '--json',
    ).done;
    expect(r.code).toBe(4);
    const summary = JSON.parse(r.stdout);
    expect(r.stderr).toContain(`fragmentation.html: ${summary.snapshots.length} snapshots, `);
    const m = summary.memoryErrors[0];
    expect(m).toMatchObject({ requested: 6000, cause: 'fragmented' });

    const page = await web.browser.newPage({ viewport: { width: 1280, height: 1100 } });
    try {
      await page.goto(pathToFileURL(html).href);
      const index = summary.snapshots.findIndex((s: { trigger: string }) => s.trigger === 'alloc_failed');
      expect(summary.snapshots[index].seq).toBe(m.seq);
      await page.evaluate(async (k) => {
        const done = window.mpheap!.rendered();
        window.mpheap!.select(k);
        await done;
      }, index);
      const panel = await page.getByTestId('memory-error').innerText();
      expect(panel).toMatch(/^allocation failed/i);
      expect(panel).toContain('allocating 6000 bytes: no room even after a collection');
      expect(panel).toContain(`Asked for 6,000 B (${Math.ceil(6000 / 16)} blocks)`);
      expect(panel).toContain(`largest free block is ${m.largestFree.toLocaleString('en-US')} B`);
      expect(panel).toContain('still finds no place for it');
      await page.screenshot({ path: join(RESULTS, 'run-html-memory-error.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });
});
