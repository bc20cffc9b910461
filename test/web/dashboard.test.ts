// biome-ignore-all lint/performance/useDomNodeTextContent: these are playwright's Locator.innerText(), not the DOM property
/**
 * The live dashboard in real chromium: snapshots pushed from a heap-model run reach an open page
 * one by one; the server answers only its page and its stream, on loopback.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/views/live/dashboard.js';
import { paletteEntry, parseRgb } from '../../src/views/palette.js';
import { buildWebBundle, launchChromium, RESULTS, traceSnapshots } from './support.js';

let browser: Browser;
let dash: Dashboard;

function get(path: string, host?: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: dash.port, path, headers: host ? { host } : {} },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  await buildWebBundle();
  browser = await launchChromium();
  dash = await startDashboard({ title: 'live: fragmentation.trace' });
});

afterAll(async () => {
  await browser?.close();
  await dash?.close();
});

describe('the live dashboard', () => {
  test('is on loopback and serves only its page and its stream', async () => {
    expect(dash.url).toBe(`http://127.0.0.1:${dash.port}/`);
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    expect(page.body).toContain('"live":true');
    expect((await get('/package.json')).status).toBe(404);
    expect((await get('/../../etc/passwd')).status).toBe(404);
    expect((await get('/', 'evil.example:80')).status).toBe(403);
  });

  test('a page receives each snapshot as it is pushed', async () => {
    const { snapshots, events } = traceSnapshots('fragmentation.trace');
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(dash.url);
    await expect
      .poll(() => page.getByTestId('empty').innerText())
      .toContain('Waiting for the first snapshot');
    await expect.poll(() => dash.clients()).toBe(1);

    dash.push(snapshots[0]);
    await expect.poll(() => page.getByTestId('snapshot-title').innerText()).toContain('(1 of 1)');
    const shown = [0, 60, 200, snapshots.length - 1];
    for (let i = 1; i < snapshots.length; i++) {
      dash.push(snapshots[i]);
      if (!shown.includes(i)) continue;
      await expect
        .poll(() => page.getByTestId('snapshot-title').innerText())
        .toContain(`(${i + 1} of ${i + 1})`);
      // The newest snapshot is drawn: check a block that it changed.
      const map = snapshots[i].areas[0].map;
      const prev = snapshots[i - 1].areas[0].map;
      const b = map.findIndex((c, k) => c !== prev[k] && c !== 0x3d);
      if (b >= 0) {
        const rgb = await page.evaluate((block) => {
          const c = window.mpheap!.canvas()!;
          const p = c.centreOf(0, block);
          const d = c.canvas.getContext('2d')!.getImageData(Math.floor(p.x), Math.floor(p.y), 1, 1).data;
          return [d[0], d[1], d[2]];
        }, b);
        expect(rgb).toEqual(parseRgb(paletteEntry(String.fromCharCode(map[b])).rgb));
      }
    }
    dash.pushOutput('<b>not bold</b>\n');
    dash.pushEvent({
      event: 'memory_error',
      time: Date.now(),
      seq: snapshots.length - 1,
      request: 8192,
      message: 'MemoryError: memory allocation failed, allocating 8192 bytes',
    });
    await expect.poll(() => page.getByTestId('memory-error').innerText()).toContain('Asked for 8,192 B');
    expect(await page.getByTestId('status').innerText()).toBe('live: connected');
    expect(events.length).toBe(0);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(RESULTS, 'dashboard.png'), fullPage: true });

    // A page opened later catches up with everything pushed so far.
    const late = await browser.newPage();
    await late.goto(dash.url);
    // Each look has a short timeout, so a slow start is retried by the poll, not stuck in one wait.
    await expect
      .poll(() => late.getByTestId('snapshot-title').innerText({ timeout: 1000 }).catch(String), {
        timeout: 20_000,
      })
      .toContain(`(${snapshots.length} of ${snapshots.length})`);
    await late.close();
    await page.close();
  });
});
