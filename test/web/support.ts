/** Shared by the browser tests: a fresh web bundle, chromium, and reports built from real data. */
import { mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll } from 'vitest';
import { parseTrace } from '../../src/trace/parse.js';
import { snapshotsOfTrace } from '../../src/views/report/trace-snapshots.js';
import { REPO_ROOT, VECTORS } from '../support/shared.js';

export const RESULTS = join(REPO_ROOT, 'test-results', 'web');

/** Builds src/web with vite so the tests see the current sources, not a stale dist/. */
export async function buildWebBundle(): Promise<void> {
  await build({ configFile: join(REPO_ROOT, 'src', 'web', 'vite.config.ts'), logLevel: 'error' });
  mkdirSync(RESULTS, { recursive: true });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Model snapshots of a golden-vector trace, one per operation. */
export function traceSnapshots(name: string, wordSize: 4 | 8 = 4) {
  const text = readFileSync(join(VECTORS, name), 'utf8');
  return snapshotsOfTrace(parseTrace(text, name), {
    wordSize,
    lines: text.split(/\r?\n/),
    source: `model:${name}`,
  });
}

/** The HTTP status of a GET, or the connection error code (ECONNREFUSED once a server is gone). */
export function httpStatus(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end();
  });
}

/** Scrolls the map so a block is on screen and returns its position in page coordinates. */
export async function blockOnPage(page: Page, block: number): Promise<{ x: number; y: number }> {
  await page.getByTestId('heap-map').scrollIntoViewIfNeeded();
  return page.evaluate((b) => {
    const c = window.mpheap!.canvas()!;
    let p = c.centreOf(0, b);
    if (p.y < 0 || p.y >= c.canvas.height) {
      c.pan(p.y / c.cell - 2);
      p = c.centreOf(0, b);
    }
    const r = c.canvas.getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, block);
}

/**
 * The bundle built and one chromium for a test file's tests (launched before them, closed after).
 * `browser` is read inside tests.
 */
export function chromiumForTests(): { readonly browser: Browser } {
  let running: Browser | undefined;
  beforeAll(async () => {
    await buildWebBundle();
    running = await launchChromium();
  });
  afterAll(async () => {
    await running?.close();
  });
  return {
    get browser(): Browser {
      if (!running) throw new Error('chromium did not start');
      return running;
    },
  };
}
