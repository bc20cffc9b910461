// biome-ignore-all lint/performance/useDomNodeTextContent: these are playwright's Locator.innerText(), not the DOM property
/**
 * The heap profile in real chromium, from real profiled runs on the board-faithful engine:
 * `mpheap run --profile --html` (the icicle graph with widths in proportion to bytes, its
 * measures and its zoom, the top lines, the precision, the line behind a block on the map and
 * the map by line, the lines that split the free space at the failed allocation), `mpheap
 * report` of the run's recording, a page without a profile, and the dashboard receiving the
 * profile over its event stream. Screenshots (1280 and 800 wide) land in test-results/web/.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { blameSentence } from '../../src/analysis/profile-blame.js';
import { CH_FREE, CH_TAIL } from '../../src/heap/block-map.js';
import { parseRecording, type Recording } from '../../src/recording/recording.js';
import type { HeapProfile } from '../../src/snapshot/profile.js';
import { readHeapProfile } from '../../src/snapshot/profile-read.js';
import { paletteEntry, parseRgb } from '../../src/views/palette.js';
import { writeReport } from '../../src/views/report/write-report.js';
import { LINE_RGB, NO_OWNER_RGB } from '../../src/web/profile-colours.js';
import { runCli, startCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';
import { blockOnPage, buildWebBundle, launchChromium, RESULTS, traceSnapshots } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'mpheap-profile-web-'));
const EXAMPLE = join(REPO_ROOT, 'examples', 'fragmentation.py');
const html = join(dir, 'fragmentation.html');
const recordPath = join(dir, 'fragmentation.ndjson');

let browser: Browser;
let rec: Recording;
let profile: HeapProfile;
// biome-ignore lint/suspicious/noExplicitAny: the run's --json summary, as a script reads it
let summary: any;

beforeAll(async () => {
  await buildWebBundle();
  const r = await runCli(
    'run',
    EXAMPLE,
    '--fixed',
    '--heap',
    '16K',
    '--profile',
    '--html',
    html,
    '--record',
    recordPath,
    '--json',
  );
  expect(r.code).toBe(0);
  summary = JSON.parse(r.stdout);
  rec = parseRecording(readFileSync(recordPath, 'utf8'));
  profile = readHeapProfile(rec.events.find((e) => e.event === 'profile')?.profile);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(file: string, width = 1280): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(() => window.mpheap?.canvas() != null);
  expect(errors).toEqual([]);
  return page;
}

async function select(page: Page, i: number): Promise<void> {
  await page.evaluate(async (k) => {
    const done = window.mpheap!.rendered();
    window.mpheap!.select(k);
    await done;
  }, i);
}

interface Box {
  label: string;
  depth: number;
  bytes: number;
  allocations: number;
  /** The rect's width plus the pixel of space each box leaves to its right. */
  w: number;
  x: number;
}

async function boxes(page: Page): Promise<{ width: number; focus: string; boxes: Box[] }> {
  return page.getByTestId('icicle').evaluate((svg) => ({
    width: Number(svg.getAttribute('width')),
    focus: svg.getAttribute('data-focus') ?? '',
    boxes: [...svg.querySelectorAll<SVGGElement>('[data-testid=icicle-box]')].map((g) => ({
      label: g.dataset.label ?? '',
      depth: Number(g.dataset.depth),
      bytes: Number(g.dataset.bytes),
      allocations: Number(g.dataset.allocations),
      w: Number(g.querySelector('rect')!.getAttribute('width')) + 1,
      x: Number(/translate\(([\d.]+)/.exec(g.getAttribute('transform') ?? '')?.[1]),
    })),
  }));
}

function box(all: Box[], label: string): Box {
  const b = all.find((x) => x.label === label);
  if (!b) throw new Error(`no box '${label}' in ${all.map((x) => x.label).join(' | ')}`);
  return b;
}

/** The stacks through the script frame at `line` (each stack's bytes taken as at least 0). */
function bytesThroughLine(line: number): number {
  const frame = profile.frames.findIndex((f) => f.line === line && f.file === EXAMPLE);
  return profile.stacks.filter((s) => s.frames.includes(frame)).reduce((n, s) => n + Math.max(0, s.bytes), 0);
}

const allBytes = () => profile.stacks.reduce((n, s) => n + Math.max(0, s.bytes), 0);
const allAllocations = () => profile.stacks.reduce((n, s) => n + Math.max(0, s.allocations), 0);

/** The index of the snapshot taken where the 6,000-byte allocation failed. */
const failedAt = () => summary.snapshots.findIndex((s: { trigger: string }) => s.trigger === 'alloc_failed');

async function pixelOf(page: Page, block: number): Promise<number[]> {
  return page.evaluate((b) => {
    const c = window.mpheap!.canvas()!;
    const p = c.centreOf(0, b);
    const d = c.canvas.getContext('2d')!.getImageData(Math.floor(p.x), Math.floor(p.y), 1, 1).data;
    return [d[0], d[1], d[2]];
  }, block);
}

describe('mpheap run --profile --html', () => {
  test('the icicle graph: the stacks that allocated, each box as wide as its bytes', async () => {
    const page = await open(html);
    try {
      const { width, focus, boxes: all } = await boxes(page);
      expect(focus).toBe('all allocations');
      expect(box(all, 'all allocations').w).toBeCloseTo(width, 1);
      // The script from its own top level, and what is not its own beside it, named.
      const top = all.filter((b) => b.depth === 1).map((b) => b.label);
      expect(top).toEqual(
        expect.arrayContaining([
          '<module> (fragmentation.py:37)',
          "mpheap's own code",
          'compiling the script',
        ]),
      );
      const expected: [string, number][] = [
        ['main (fragmentation.py:26)', bytesThroughLine(26)],
        ['load_records (fragmentation.py:20)', bytesThroughLine(20)],
        ['load_records (fragmentation.py:19)', bytesThroughLine(19)],
      ];
      // Lines 19 and 20 made their bytes directly: the box holds exactly what the line table says.
      expect(expected[1][1]).toBe(profile.lines.find((l) => l.line === 20)!.bytes);
      expect(expected[2][1]).toBe(profile.lines.find((l) => l.line === 19)!.bytes);
      expect(expected[1][1]).toBeGreaterThan(5000);
      for (const [label, bytes] of expected) {
        const b = box(all, label);
        expect(b.w, label).toBeCloseTo((width * bytes) / allBytes(), 1);
      }
      // Line 20 (bytearray(176)) took more than line 19 (bytearray(48)): the wider box, leftmost.
      const l20 = box(all, 'load_records (fragmentation.py:20)');
      const l19 = box(all, 'load_records (fragmentation.py:19)');
      expect(l20.w).toBeGreaterThan(2 * l19.w);
      expect(l20.x).toBeLessThan(l19.x);
      // Every box lies within its row's parent: widths of a row never exceed the graph.
      for (let d = 0; d <= Math.max(...all.map((b) => b.depth)); d++) {
        const row = all.filter((b) => b.depth === d);
        expect(row.reduce((n, b) => n + b.w, 0)).toBeLessThanOrEqual(width + 0.01);
      }
      await page.screenshot({ path: join(RESULTS, 'profile-report.png'), fullPage: true });
      await page.getByTestId('profile').screenshot({ path: join(RESULTS, 'profile-icicle.png') });

      // Widths by allocations instead.
      await page.getByTestId('measure-allocations').click();
      const byCount = await boxes(page);
      const line20 = profile.lines.find((l) => l.line === 20)!;
      expect(box(byCount.boxes, 'load_records (fragmentation.py:20)').w).toBeCloseTo(
        (byCount.width * (line20.allocations ?? Number.NaN)) / allAllocations(),
        1,
      );
      expect(await page.getByTestId('icicle-box').first().textContent()).toBe(
        `all allocations: ${allAllocations().toLocaleString('en-US')} allocations`,
      );
      // Alive at the end: nothing of load_records' lines is left, so their boxes are gone.
      await page.getByTestId('measure-alive').click();
      const alive = await boxes(page);
      expect(alive.boxes.find((b) => b.label.startsWith('load_records'))).toBeUndefined();
      expect(alive.boxes.length).toBeGreaterThan(1);
    } finally {
      await page.close();
    }
  });

  test('click a box to zoom into it, hover for its figures and its code, click above to zoom out', async () => {
    const page = await open(html);
    try {
      await page.locator('[data-testid=icicle-box][data-label="main (fragmentation.py:26)"]').click();
      const zoomed = await boxes(page);
      expect(zoomed.focus).toBe('main (fragmentation.py:26)');
      expect(box(zoomed.boxes, 'main (fragmentation.py:26)').w).toBeCloseTo(zoomed.width, 1);
      expect(box(zoomed.boxes, 'load_records (fragmentation.py:20)').w).toBeCloseTo(
        (zoomed.width * bytesThroughLine(20)) / bytesThroughLine(26),
        1,
      );
      // Only main's descendants and the way back up are drawn.
      expect(zoomed.boxes.find((b) => b.label === "mpheap's own code" && b.depth === 1)).toBeUndefined();
      expect(box(zoomed.boxes, '<module> (fragmentation.py:37)').w).toBeCloseTo(zoomed.width, 1);

      await page.locator('[data-testid=icicle-box][data-label="load_records (fragmentation.py:19)"]').hover();
      const tip = await page.getByTestId('icicle-tooltip').innerText();
      const l19 = profile.lines.find((l) => l.line === 19)!;
      expect(tip).toContain(`load_records, ${EXAMPLE}:19`);
      expect(tip).toContain('records.append(bytearray(48))');
      expect(tip).toContain(`${l19.bytes.toLocaleString('en-US')} B in ${l19.allocations} allocations`);
      expect(tip).toContain('none of it alive at the end');
      expect(tip).toContain('click to zoom in');
      await page.getByTestId('profile').screenshot({ path: join(RESULTS, 'profile-icicle-zoomed.png') });

      expect(await page.getByTestId('icicle-zoom').innerText()).toContain(
        'zoomed into main (fragmentation.py:26)',
      );
      await page.locator('[data-testid=icicle-box][data-depth="0"]').click();
      expect((await boxes(page)).focus).toBe('all allocations');
      expect(await page.getByTestId('icicle-zoom').count()).toBe(0);
      // Deeper, then all the way back with one click.
      await page.locator('[data-testid=icicle-box][data-label="load_records (fragmentation.py:20)"]').click();
      expect((await boxes(page)).focus).toBe('load_records (fragmentation.py:20)');
      await page.getByTestId('icicle-reset').click();
      expect((await boxes(page)).focus).toBe('all allocations');
    } finally {
      await page.close();
    }
  });

  test('the top lines, the precision, what is not the script’s, and the leaks list', async () => {
    const page = await open(html);
    try {
      expect(await page.getByTestId('profile-precision').innerText()).toContain(profile.precision);
      const rows = await page
        .getByTestId('profile-lines')
        .locator('tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
      expect(rows.length).toBe(Math.min(15, profile.lines.length));
      rows.forEach((r, i) => {
        const l = profile.lines[i];
        expect(r).toEqual([
          String(l.line),
          l.function,
          `${l.bytes.toLocaleString('en-US')} B`,
          String(l.allocations),
          l.aliveAtEnd === 0
            ? '0'
            : `${l.aliveAtEnd} (${(l.aliveBytesAtEnd ?? Number.NaN).toLocaleString('en-US')} B)`,
          l.text,
        ]);
      });
      expect(rows[0][5]).toBe('scratch.append(bytearray(176))');
      const other = await page.getByTestId('profile-other').innerText();
      expect(other).toContain("mpheap's own code:");
      expect(other).toContain('compiling the script:');
      expect(profile.leaks).toEqual([]);
      expect(await page.getByTestId('profile-leaks').innerText()).toContain("No line's allocations piled up");
    } finally {
      await page.close();
    }
  });

  test('hover a block: the line that made it; the map by line colours it by that line', async () => {
    const page = await open(html);
    try {
      const i = failedAt();
      expect(i).toBeGreaterThan(0);
      await select(page, i);
      const s = rec.snapshots[i];
      const map = s.areas[0].map;
      const owners = s.profile!.owners[0];
      const st19 = profile.stacks.findIndex(
        (st) => st.owner === 'script' && profile.frames[st.frames[st.scriptFrame!]].line === 19,
      );
      const head = owners.findIndex((o, b) => o === st19 && map[b] !== CH_TAIL);
      expect(head).toBeGreaterThanOrEqual(0);
      const tail = owners.findIndex((o, b) => o === st19 && map[b] === CH_TAIL);
      expect(tail).toBeGreaterThan(head);
      const p = await blockOnPage(page, tail);
      await page.mouse.move(p.x, p.y);
      const tip = await page.getByTestId('tooltip').innerText();
      expect(tip).toContain(`block ${tail}`);
      expect(tip).toContain('line 19 in load_records: records.append(bytearray(48))');
      expect(tip).toContain('from main (line 26) ← line 37');
      await page.screenshot({ path: join(RESULTS, 'profile-map-hover.png') });

      // A block made by no line of the script says whose it is: the script's bytecode.
      const compiled = owners.findIndex((o) => profile.stacks[o]?.owner === 'compile');
      expect(compiled).toBeGreaterThanOrEqual(0);
      const q = await blockOnPage(page, compiled);
      await page.mouse.move(q.x, q.y);
      expect(await page.getByTestId('tooltip').innerText()).toContain(
        'made by compiling the script (its bytecode)',
      );
      // And one allocated before the profiler started (the interpreter starting up).
      const unowned = owners.findIndex((o, b) => o < 0 && map[b] !== CH_FREE && map[b] !== CH_TAIL);
      expect(unowned).toBeGreaterThanOrEqual(0);
      const u = await blockOnPage(page, unowned);
      await page.mouse.move(u.x, u.y);
      expect(await page.getByTestId('tooltip').innerText()).toContain('made before the profiler started');

      // By line: line 19's blocks in its colour (the run's lines ranked by bytes), others apart.
      await page.getByTestId('view-lines').check();
      const rank = profile.lines.findIndex((l) => l.line === 19);
      expect(rank).toBeGreaterThanOrEqual(0);
      expect(await pixelOf(page, head)).toEqual(parseRgb(LINE_RGB[rank]));
      const free = map.indexOf(CH_FREE);
      expect(await pixelOf(page, free)).toEqual(parseRgb(paletteEntry('.').rgb));
      expect(await pixelOf(page, unowned)).toEqual(parseRgb(NO_OWNER_RGB));
      const legend = await page.getByTestId('line-legend').innerText();
      const held = owners.filter((o, b) => o === st19 && map[b] !== CH_TAIL).length;
      expect(legend).toContain(`line 19 in load_records: ${held} allocations`);
      await page.screenshot({ path: join(RESULTS, 'profile-map-by-line.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  test('the failed allocation’s panel names the line whose blocks split the free space', async () => {
    const page = await open(html);
    try {
      await select(page, failedAt());
      const failure = summary.allocationFailures[0];
      expect(failure.blame.length).toBeGreaterThan(0);
      const panel = await page.getByTestId('memory-error').innerText();
      const first = blameSentence(failure.blame[0], failure.requested);
      expect(first).toContain('made at line 19 in load_records');
      expect(panel).toContain(`${first.charAt(0).toUpperCase()}${first.slice(1)}.`);
      await page.getByTestId('memory-error').screenshot({ path: join(RESULTS, 'profile-blame.png') });
    } finally {
      await page.close();
    }
  });

  test('narrow (800 wide): the graph fits the page and keeps its proportions', async () => {
    const page = await open(html, 800);
    try {
      const { width, boxes: all } = await boxes(page);
      const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(pageWidth).toBeLessThanOrEqual(800);
      expect(width).toBeLessThan(800);
      expect(box(all, 'load_records (fragmentation.py:20)').w).toBeCloseTo(
        (width * bytesThroughLine(20)) / allBytes(),
        1,
      );
      await page.screenshot({ path: join(RESULTS, 'profile-report-800.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });
});

describe('mpheap report of a profiled run’s recording', () => {
  test('carries the same profile and owners; a page without a profile shows none of it', async () => {
    const out = join(dir, 'from-recording.html');
    const r = await runCli('report', recordPath, '-o', out);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const page = await open(out);
    try {
      expect(await page.evaluate(() => window.mpheap!.session.profile)).toEqual(profile);
      const i = failedAt();
      const owners = await page.evaluate((k) => [...window.mpheap!.session.store.joinedOwners(k)!], i);
      expect(owners).toEqual([...rec.snapshots[i].profile!.owners[0]]);
      expect((await boxes(page)).boxes.length).toBeGreaterThan(5);
    } finally {
      await page.close();
    }

    // A damaged profile event: said, and the report is written without it.
    const lines = readFileSync(recordPath, 'utf8').split('\n');
    const damaged = lines.map((l) =>
      l.includes('"event":"profile"') ? l.replace('"stacks":[', '"stacks":[7,') : l,
    );
    const bad = join(dir, 'damaged.ndjson');
    writeFileSync(bad, damaged.join('\n'));
    const r2 = await runCli('report', bad, '-o', join(dir, 'damaged.html'));
    expect(r2.code).toBe(0);
    expect(r2.stderr).toContain('profile: stacks[0] is not an object; the report has no heap profile');

    // Without a profile: no profile panel, no map by line, the block hover as before.
    const plain = join(dir, 'plain.html');
    writeFileSync(plain, writeReport(traceSnapshots('fragmentation.trace').snapshots));
    const p2 = await open(plain);
    try {
      expect(await p2.getByTestId('profile').count()).toBe(0);
      expect(await p2.getByTestId('view-lines').count()).toBe(0);
      const p = await blockOnPage(p2, 0);
      await p2.mouse.move(p.x, p.y);
      expect(await p2.getByTestId('tooltip').innerText()).not.toMatch(/line \d|made by/);
    } finally {
      await p2.close();
    }
  });
});

describe('mpheap run --profile --web', () => {
  test('the dashboard receives the profile over its event stream at the end of the run', async () => {
    // The leak of test/run/profile.test.ts: line 5 keeps a bytearray per pass.
    const file = fileURLToPath(new URL('../run/fixtures/leak.py', import.meta.url));
    const othersListening = process.listeners('SIGINT');
    const cli = startCli('run', file, '--profile', '--web', '--web-wait', '--no-record', '--json');
    await vi.waitFor(() => expect(cli.stderr()).toMatch(/dashboard still open at http:\S+; Ctrl-C ends\n$/), {
      timeout: 30_000,
      interval: 50,
    });
    const url = /http:\S+/.exec(cli.stderr())![0];
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await page.goto(url);
      await page.waitForFunction(() => window.mpheap?.session.profile != null, null, { timeout: 20_000 });
      const leaks = await page.getByTestId('profile-leaks').innerText();
      expect(leaks).toMatch(/line 5 in tick: \d+ → \d+ allocations alive/);
      expect(leaks).toContain('kept.append(bytearray(20))');
      const { boxes: all } = await boxes(page);
      expect(all.map((b) => b.label)).toEqual(
        expect.arrayContaining(['<module> (leak.py:7)', 'tick (leak.py:4)', 'tick (leak.py:5)']),
      );
      // The end snapshot carries its owners: hover one of line 5's survivors.
      const last = await page.evaluate(() => window.mpheap!.session.snapshots.length - 1);
      await select(page, last);
      const block = await page.evaluate((k) => {
        const s = window.mpheap!.session;
        const p = s.profile!;
        const own = s.store.joinedOwners(k)!;
        const map = s.store.joined(k);
        return own.findIndex((o, b) => {
          const st = p.stacks[o];
          return st?.scriptFrame != null && p.frames[st.frames[st.scriptFrame]].line === 5 && map[b] !== 0x3d;
        });
      }, last);
      expect(block).toBeGreaterThanOrEqual(0);
      const pos = await blockOnPage(page, block);
      await page.mouse.move(pos.x, pos.y);
      expect(await page.getByTestId('tooltip').innerText()).toContain(
        'line 5 in tick: kept.append(bytearray(20))',
      );
      await page.screenshot({ path: join(RESULTS, 'profile-dashboard.png'), fullPage: true });
    } finally {
      await page.close();
    }
    // A page opened after the run: it catches up with the profile too.
    const narrow = await browser.newPage({ viewport: { width: 800, height: 900 } });
    try {
      await narrow.goto(url);
      await narrow.waitForFunction(() => window.mpheap?.session.profile != null, null, { timeout: 20_000 });
      expect(await narrow.getByTestId('profile-leaks').innerText()).toMatch(/line 5 in tick/);
      await narrow.screenshot({ path: join(RESULTS, 'profile-dashboard-800.png'), fullPage: true });
    } finally {
      await narrow.close();
    }
    const ctrlC = process.listeners('SIGINT').filter((l) => !othersListening.includes(l));
    expect(ctrlC).toHaveLength(1);
    ctrlC[0]('SIGINT');
    expect((await cli.done).code).toBe(0);
  });
});
