// biome-ignore-all lint/performance/useDomNodeTextContent: these are playwright's Locator.innerText(), not the DOM property
/**
 * `mpheap report` on a real capture: the micro:bit log whose big allocation failed. The command
 * runs as a user runs it (bin/mpheap.js on the built dist/), and the page it writes is opened in
 * chromium.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { decodeText } from '../../src/decode/index.js';
import { CH_FREE } from '../../src/heap/block-map.js';
import { parseTrace } from '../../src/trace/parse.js';
import { paletteEntry, parseRgb } from '../../src/views/palette.js';
import { COLOUR_TOO_SMALL } from '../../src/web/map-paint.js';
import { CORPUS, REPO_ROOT } from '../support/shared.js';
import { chromiumForTests, RESULTS } from './support.js';

const LOG = join(CORPUS, 'microbit', '13_frag_big_fail.log');
const web = chromiumForTests();

function mpheap(...args: string[]) {
  return spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'mpheap.js'), ...args], { encoding: 'utf8' });
}

test('mpheap report turns a micro:bit capture into a page that shows its MemoryError', async () => {
  const out = join(RESULTS, 'cli-microbit-13.html');
  const r = mpheap('report', LOG, '-o', out, '--json');
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const { snapshots } = decodeText(readFileSync(LOG), 'file:13_frag_big_fail.log');
  expect(JSON.parse(r.stdout)).toEqual({
    output: out,
    bytes: statSync(out).size,
    snapshots: snapshots.length,
    events: 0,
  });

  const page = await web.browser.newPage({ viewport: { width: 1280, height: 1300 } });
  await page.goto(`file://${out}`);
  await page.waitForFunction(() => window.mpheap?.canvas() != null);
  const k = snapshots.findIndex((s) => /allocating 2440 bytes/.test(s.outputBefore));
  expect(k).toBeGreaterThanOrEqual(0);
  await page.evaluate(async (i) => {
    const done = window.mpheap!.rendered();
    window.mpheap!.select(i);
    await done;
  }, k);
  expect(await page.getByTestId('memory-error').innerText()).toContain('Asked for 2,440 B (153 blocks)');
  const map = snapshots[k].areas[0].map;
  const pixel = (b: number) =>
    page.evaluate((block) => {
      const c = window.mpheap!.canvas()!;
      const p = c.centreOf(0, block);
      const d = c.canvas.getContext('2d')!.getImageData(Math.floor(p.x), Math.floor(p.y), 1, 1).data;
      return [d[0], d[1], d[2]];
    }, b);
  const head = map.findIndex((c) => c !== CH_FREE && c !== 0x3d);
  expect(await pixel(head)).toEqual(parseRgb(paletteEntry(String.fromCharCode(map[head])).rgb));
  const hole = map.indexOf(CH_FREE);
  expect(await pixel(hole)).toEqual(parseRgb(COLOUR_TOO_SMALL));
  await page.screenshot({ path: join(RESULTS, 'cli-microbit-13.png'), fullPage: true });
  await page.close();
});

test('mpheap report says so when the input holds no snapshot', () => {
  const r = mpheap('report', join(REPO_ROOT, 'package.json'), '-o', join(RESULTS, 'none.html'));
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('no mem_info output or snapshot found');
  const missing = mpheap('report', join(RESULTS, 'no-such-file.log'));
  expect(missing.status).toBe(2);
  expect(missing.stderr).toContain('no such file');
});

test('mpheap sim --html prints what sim prints and writes a report of every step', () => {
  const trace = join(REPO_ROOT, '..', 'shared', 'vectors', 'fragmentation.trace');
  const out = join(RESULTS, 'sim-fragmentation.html');
  const plain = mpheap('sim', trace);
  const withHtml = mpheap('sim', trace, '--html', out);
  expect(withHtml.status).toBe(0);
  expect(withHtml.stdout).toBe(plain.stdout);
  const html = readFileSync(out, 'utf8');
  const data = JSON.parse(
    /<script type="application\/json" id="mpheap-data">(.*?)<\/script>/s.exec(html)![1],
  );
  // One snapshot per operation: the heap op and every op after it.
  expect(data.snapshots.length).toBe(parseTrace(readFileSync(trace, 'utf8')).ops.length);
  expect(data.title).toContain('fragmentation.trace');
});
