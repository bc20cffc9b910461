// biome-ignore-all lint/performance/useDomNodeTextContent: these are playwright's Locator.innerText(), not the DOM property
/**
 * `mpheap decode FILE --html OUT` on a real capture (the micro:bit whose 2,440-byte allocation
 * failed): the report holds every decoded snapshot and the program output, and chromium draws it.
 * The command runs in this process through main(), on the current sources.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { CH_FREE, CH_TAIL } from '../../src/heap/block-map.js';
import { paletteEntry, parseRgb } from '../../src/views/palette.js';
import type { ReportData } from '../../src/views/report/format.js';
import { runCli } from '../support/cli.js';
import { CORPUS } from '../support/shared.js';
import { chromiumForTests, RESULTS } from './support.js';

const LOG = join(CORPUS, 'microbit', '13_frag_big_fail.log');
const TRUTH = JSON.parse(readFileSync(join(CORPUS, 'microbit', '13_frag_big_fail.truth.json'), 'utf8')) as {
  gc: { total: number; used: number; free: number; max_new_split: null };
  areas: { blocks: number; char_counts: Record<string, number> }[];
}[];
const web = chromiumForTests();

async function decode(...args: string[]) {
  const r = await runCli('decode', ...args);
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
}

/** The data a report page carries, read back from its HTML. */
function reportDataOf(html: string): ReportData {
  const m = /<script type="application\/json" id="mpheap-data">(.*?)<\/script>/s.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]) as ReportData;
}

test('decode --html writes a report of every snapshot and the program output, and chromium draws it', async () => {
  const out = join(RESULTS, 'decode-microbit-13.html');
  const r = await decode(LOG, '--no-color', '--html', out);
  expect(r.status).toBe(0);
  // stdout is still the terminal view of the last snapshot; the report is announced on stderr.
  expect(r.stdout).toContain('3 snapshots found; showing #2');
  expect(r.stderr).toBe(`wrote ${out}: 3 snapshots, ${(statSync(out).size / 1024).toFixed(1)} KiB\n`);

  const html = readFileSync(out, 'utf8');
  const data = reportDataOf(html);
  // Self-contained: the policy allows exactly the one inline script (the whole bundle, WebSerial
  // code included), by its hash, and no connections.
  const scripts = [...html.matchAll(/<script>(.*?)<\/script>/gs)].map((m) => m[1]);
  expect(scripts).toHaveLength(1);
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1];
  expect(csp).toContain(`script-src 'sha256-${createHash('sha256').update(scripts[0]).digest('base64')}'`);
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("connect-src 'none'");
  expect(data.title).toBe('mpheap decode: 13_frag_big_fail.log');
  expect(data.snapshots.map((s) => s.gc)).toEqual(
    TRUTH.map(({ gc: { max_new_split, ...rest } }) => ({ ...rest, maxNewSplit: max_new_split })),
  );
  expect(data.output).toContain('MemoryError: memory allocation failed, allocating 2440 bytes');

  const page = await web.browser.newPage({ viewport: { width: 1280, height: 1300 } });
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.goto(`file://${out}`);
  await page.waitForFunction(() => window.mpheap?.canvas() != null);
  // A report opens on its MemoryError (the second mem_info, printed after the traceback), and
  // says so first; snapshots decoded from a file carry no time (decoding is not capturing).
  expect(await page.getByTestId('snapshot-title').innerText()).toMatch(
    /^Snapshot #1 \(2 of 3\) · mem_info · file:/,
  );
  expect(await page.getByTestId('verdict').innerText()).toMatch(/^MemoryError allocating 2,440 bytes: /);
  expect(data.snapshots.map((s) => s.time)).toEqual([null, null, null]);
  await page.evaluate(async () => {
    const drawn = window.mpheap!.rendered();
    window.mpheap!.select(2);
    await drawn;
  });
  expect(await page.getByTestId('snapshot-title').innerText()).toContain('(3 of 3)');
  // The page states the terminal's verdict, word for word (one verdict function, analysis/).
  const last = r.stdout
    .trimEnd()
    .split('\n')
    .filter((l) => !l.startsWith('  ('));
  expect(await page.locator('[data-testid="verdict"] p').innerText()).toBe(last.at(-1));
  // Every snapshot's map, unpacked in the page, has the truth's count of each map character.
  const counts = await page.evaluate(() => {
    const store = window.mpheap!.session.store;
    return window.mpheap!.session.snapshots.map((_, i) => {
      const c: Record<string, number> = {};
      for (const b of store.joined(i)) c[String.fromCharCode(b)] = (c[String.fromCharCode(b)] ?? 0) + 1;
      return c;
    });
  });
  expect(counts).toEqual(TRUTH.map((t) => t.areas[0].char_counts));

  // The drawn map: the first object head of the last snapshot in its type's colour.
  const map = new Uint8Array(
    Object.values(await page.evaluate(() => window.mpheap!.session.store.joined(2))),
  );
  const head = map.findIndex((c) => c !== CH_FREE && c !== CH_TAIL);
  const pixel = await page.evaluate((block) => {
    const c = window.mpheap!.canvas()!;
    const p = c.centreOf(0, block);
    const d = c.canvas.getContext('2d')!.getImageData(Math.floor(p.x), Math.floor(p.y), 1, 1).data;
    return [d[0], d[1], d[2]];
  }, head);
  expect(pixel).toEqual(parseRgb(paletteEntry(String.fromCharCode(map[head])).rgb));
  expect(await page.getByTestId('all-output').textContent()).toContain('allocating 2440 bytes');
  expect(violations).toEqual([]);
  await page.screenshot({ path: join(RESULTS, 'decode-microbit-13.png'), fullPage: true });
  await page.close();
});

test('decode --html into a folder that does not exist is a clear error with exit code 2', async () => {
  const r = await decode(LOG, '--html', join(RESULTS, 'no-such-folder', 'x.html'));
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(
    /^mpheap: --html: cannot write '.*no-such-folder\/x\.html': no such file or folder\n$/,
  );
});
