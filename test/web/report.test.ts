// biome-ignore-all lint/performance/useDomNodeTextContent: these are playwright's Locator.innerText(), not the DOM property
/**
 * The HTML report in real chromium: a report of model snapshots from a golden-vector trace,
 * opened from disk, checked by its pixels, its hover text, its slider, its diff and its handling
 * of hostile program output. Screenshots land in test-results/web/.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CH_FREE, CH_TAIL } from '../../src/heap/block-map.js';
import type { HeapSnapshot } from '../../src/snapshot/snapshot.js';
import { paletteEntry, parseRgb, tailRgb } from '../../src/views/palette.js';
import { writeReport } from '../../src/views/report/write-report.js';
import { DIFF_FREED, DIFF_NEW, diffMaps } from '../../src/web/heap-figures.js';
import { COLOUR_FREED, COLOUR_NEW, COLOUR_TOO_SMALL } from '../../src/web/map-paint.js';
import { blockOnPage, buildWebBundle, launchChromium, RESULTS, traceSnapshots } from './support.js';

const HOSTILE = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">&amp;';

let browser: Browser;
let page: Page;
let snaps: HeapSnapshot[];

async function select(i: number): Promise<void> {
  await page.evaluate(async (k) => {
    const done = window.mpheap!.rendered();
    window.mpheap!.select(k);
    await done;
  }, i);
}

/** The RGB the map canvas shows at the centre of a block. */
async function pixelOf(block: number, area = 0): Promise<number[]> {
  return page.evaluate(
    ([a, b]) => {
      const c = window.mpheap!.canvas()!;
      const centre = c.centreOf(a, b);
      const d = c.canvas
        .getContext('2d')!
        .getImageData(Math.floor(centre.x), Math.floor(centre.y), 1, 1).data;
      return [d[0], d[1], d[2]];
    },
    [area, block],
  );
}

beforeAll(async () => {
  await buildWebBundle();
  const t = traceSnapshots('fragmentation.trace');
  snaps = t.snapshots;
  snaps[3] = { ...snaps[3], outputBefore: `board says ${HOSTILE}\n` };
  const html = writeReport(snaps, { events: t.events, title: `fragmentation ${HOSTILE}`, output: HOSTILE });
  const file = join(RESULTS, 'report-fragmentation.html');
  writeFileSync(file, html);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 1300 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${file}`);
  await page.waitForFunction(() => window.mpheap?.canvas() != null);
  expect(errors).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
});

describe('the report page', () => {
  test('draws each block in its type colour, tails lighter, free plain', async () => {
    const i = 150; // after 150 one-block tuples and a list
    await select(i);
    const map = snaps[i].areas[0].map;
    const head = map.indexOf('T'.charCodeAt(0));
    const free = map.indexOf(CH_FREE);
    expect(head).toBeGreaterThanOrEqual(0);
    expect(await pixelOf(head)).toEqual(parseRgb(paletteEntry('T').rgb));
    expect(await pixelOf(free)).toEqual(parseRgb(paletteEntry('.').rgb));
    await select(snaps.length - 1);
    const last = snaps[snaps.length - 1].areas[0].map;
    const tail = last.indexOf(CH_TAIL);
    expect(tail).toBeGreaterThan(0);
    let h = tail;
    while (last[h] === CH_TAIL) h--;
    expect(await pixelOf(tail)).toEqual(tailRgb(paletteEntry(String.fromCharCode(last[h])).rgb));
    await page.screenshot({ path: join(RESULTS, 'report-types.png'), fullPage: true });
  });

  test('hover names the object under the pointer', async () => {
    const i = snaps.length - 1;
    await select(i);
    const map = snaps[i].areas[0].map;
    const head = map.indexOf('L'.charCodeAt(0));
    let end = head + 1;
    while (map[end] === CH_TAIL) end++;
    const p = await blockOnPage(page, head + 2);
    await page.mouse.move(p.x, p.y);
    const tip = await page.getByTestId('tooltip').innerText();
    expect(tip).toContain(`block ${head + 2}`);
    expect(tip).toContain(`offset 0x${((head + 2) * 16).toString(16)}`);
    expect(tip).toContain(`address 0x${(0x20000100 + (head + 2) * 16).toString(16)}`);
    expect(tip).toContain(`list (L), ${end - head} blocks = ${(end - head) * 16} B`);
    expect(tip).toContain(`tail; object starts at block ${head}`);
    const f = map.indexOf(CH_FREE);
    let fe = f;
    while (map[fe] === CH_FREE) fe++;
    const q = await blockOnPage(page, f);
    await page.mouse.move(q.x, q.y);
    expect(await page.getByTestId('tooltip').innerText()).toContain(`free: in a hole of ${fe - f} block`);
  });

  test('the tooltip follows the snapshot when the arrow keys change it under a still pointer', async () => {
    // A block that is free in one snapshot and holds an object in the next.
    let i = 1;
    let block = -1;
    for (; i < snaps.length && block < 0; i++) {
      const before = snaps[i - 1].areas[0].map;
      block = snaps[i].areas[0].map.findIndex((c, k) => before[k] === CH_FREE && c !== CH_FREE);
    }
    i--;
    expect(block).toBeGreaterThanOrEqual(0);
    await select(i - 1);
    const p = await blockOnPage(page, block);
    await page.mouse.move(p.x, p.y);
    expect(await page.getByTestId('tooltip').innerText()).toContain('free: in a hole');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByTestId('snapshot-title').innerText()).toContain(`#${snaps[i].seq} `);
    const tip = await page.getByTestId('tooltip').innerText();
    expect(tip).toContain(`block ${block}`);
    expect(tip).not.toContain('free: in a hole');
    await page.mouse.move(0, 0);
  });

  test('the slider and the arrow keys select the snapshot shown', async () => {
    await select(10);
    await page.getByTestId('slider').fill('40');
    await expect
      .poll(() => page.getByTestId('snapshot-title').innerText())
      .toContain(`(41 of ${snaps.length})`);
    // Block 40 is allocated at step 41 (the trace allocates o0, o1, … one block each).
    const map40 = snaps[40].areas[0].map;
    const block = map40.findIndex((c, k) => c !== snaps[39].areas[0].map[k]);
    expect(await pixelOf(block)).toEqual(parseRgb(paletteEntry(String.fromCharCode(map40[block])).rgb));
    await page.mouse.click(5, 5);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.getByTestId('snapshot-title').innerText()).toContain(`(40 of`);
    expect(await pixelOf(block)).toEqual(parseRgb(paletteEntry('.').rgb));
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.evaluate(() => window.mpheap!.selected())).toBe(40);
  });

  test('the diff view shows new blocks green and freed blocks red', async () => {
    const k = snaps.findIndex((s, j) => {
      if (j === 0) return false;
      const d = diffMaps(snaps[j - 1].areas[0].map, s.areas[0].map);
      return d.freedBlocks > 0;
    });
    expect(k).toBeGreaterThan(0);
    const kNew = snaps.findIndex(
      (s, j) => j > 0 && diffMaps(snaps[j - 1].areas[0].map, s.areas[0].map).newBlocks > 0,
    );
    await page.getByTestId('view-diff').check();
    for (const [j, flag, colour] of [
      [k, DIFF_FREED, COLOUR_FREED],
      [kNew, DIFF_NEW, COLOUR_NEW],
    ] as const) {
      await select(j);
      const d = diffMaps(snaps[j - 1].areas[0].map, snaps[j].areas[0].map);
      const changed = d.flags.indexOf(flag);
      const same = d.flags.findIndex((f, b) => f === 0 && snaps[j].areas[0].map[b] !== CH_FREE);
      expect(await pixelOf(changed)).toEqual(parseRgb(colour));
      const unchanged = await pixelOf(same);
      expect(unchanged).not.toEqual(
        parseRgb(paletteEntry(String.fromCharCode(snaps[j].areas[0].map[same])).rgb),
      );
      expect(await page.getByTestId('diff').innerText()).toContain(
        flag === DIFF_NEW ? `${d.newObjects} new objects` : `${d.freedBlocks * 16} B freed`,
      );
    }
    await page.screenshot({ path: join(RESULTS, 'report-diff.png'), fullPage: true });
    await page.getByTestId('view-types').check();
  });

  test('a MemoryError shows the request against the largest free block and marks the holes too small', async () => {
    // rand_medium_1 fails allocations in a fragmented heap.
    const t = traceSnapshots('rand_medium_1.trace');
    const k = t.snapshots.findIndex((s, j) => {
      const e = t.events.find((ev) => ev.seq === j);
      return s.trigger === 'memory_error' && e?.request != null && e.request > 16 && s.gc!.free! > 0;
    });
    expect(k).toBeGreaterThan(0);
    const request = t.events.find((e) => e.seq === k)!.request!;
    const file = join(RESULTS, 'report-rand_medium_1.html');
    writeFileSync(file, writeReport(t.snapshots, { events: t.events, title: 'rand_medium_1.trace' }));
    const other = await browser.newPage({ viewport: { width: 1280, height: 1300 } });
    await other.goto(`file://${file}`);
    await other.waitForFunction(() => window.mpheap?.canvas() != null);
    const saved = page;
    page = other;
    try {
      await select(k);
      const s = t.snapshots[k];
      const panel = await page.getByTestId('memory-error').innerText();
      expect(panel).toContain(
        `Asked for ${request.toLocaleString('en-US')} B (${Math.ceil(request / 16)} blocks)`,
      );
      expect(panel).toContain(`largest free block is ${(s.blocks!.maxFree! * 16).toLocaleString('en-US')} B`);
      expect(panel).toContain(
        request > s.blocks!.maxFree! * 16 ? 'still finds no place for it' : 'would fit now',
      );
      const map = s.areas[0].map;
      const hole = map.findIndex((c, b) => c === CH_FREE && (b === 0 || map[b - 1] !== CH_FREE));
      expect(hole).toBeGreaterThanOrEqual(0);
      expect(await pixelOf(hole)).toEqual(parseRgb(COLOUR_TOO_SMALL));
      expect(await page.getByTestId('verdict').innerText()).toContain('MemoryError');
      await page.screenshot({ path: join(RESULTS, 'report-memory-error.png'), fullPage: true });
    } finally {
      page = saved;
      await other.close();
    }
  });

  test('program output is shown as text and never run', async () => {
    await select(3);
    expect(await page.getByTestId('output').innerText()).toContain(HOSTILE);
    expect(await page.getByTestId('title').innerText()).toContain(HOSTILE);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.title()).toContain('<script>');
  });

  test('clicking the timeline selects a snapshot', async () => {
    const over = page.locator('.u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await expect.poll(() => page.evaluate(() => window.mpheap!.selected())).not.toBe(3);
    const selected = await page.evaluate(() => window.mpheap!.selected());
    // The middle of the plot is the middle snapshot, give or take the axis padding.
    expect(Math.abs(selected - (snaps.length - 1) / 2)).toBeLessThanOrEqual(snaps.length * 0.02);
    expect(await page.getByTestId('snapshot-title').innerText()).toContain(`(${selected + 1} of`);
  });
});
