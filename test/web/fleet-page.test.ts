// biome-ignore-all lint/performance/useDomNodeTextContent: these are playwright's Locator.innerText(), not the DOM property
/**
 * The fleet dashboard (`mpheap fleet --html`) in real chromium: a SQLite store filled with the
 * records of devices that behave differently (a leak, watchdog reboots, fragmentation, a board
 * without an allocation table, lost samples, healthy ones), the page written by the CLI, opened
 * from disk, read and screenshotted (test-results/web/fleet.png).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetRecord } from '../../src/fleet/record.js';
import { SqliteStore } from '../../src/fleet/sqlite-store.js';
import { runCli } from '../support/cli.js';
import { launchChromium, RESULTS } from './support.js';

const HEAP = 10_048;
/** The last sample of most devices arrives a few minutes before the page is made. */
const NOW = Date.now();

/** One boot of a device: `n` samples a minute apart, figures from the function. */
function boot(
  device: string,
  b: number,
  reset: string | null,
  n: number,
  fig: (seq: number) => { used: number; largest: number | null },
  opts: { skip?: (seq: number) => boolean; endedMinutesAgo?: number; bootsAfter?: number } = {},
): { r: FleetRecord; at: number }[] {
  const out: { r: FleetRecord; at: number }[] = [];
  // Boots follow each other: this one ended `bootsAfter` boots of n minutes before the last one.
  const end = NOW - ((opts.endedMinutesAgo ?? 3) + (opts.bootsAfter ?? 0) * n) * 60_000;
  for (let seq = 0; seq < n; seq++) {
    if (opts.skip?.(seq)) continue;
    const { used, largest } = fig(seq);
    out.push({
      r: {
        device,
        reset,
        boot: b,
        seq,
        uptimeS: 5 + seq * 60,
        free: HEAP - used,
        used,
        largestFree: largest,
        oneBlocks: largest === null ? null : 20 + (seq % 7),
        twoBlocks: largest === null ? null : 4,
        maxNewSplit: 0,
        collections: null,
        collected: true,
        largestFrom: largest === null ? null : 'table',
      },
      at: end - (n - 1 - seq) * 60_000,
    });
  }
  return out;
}

function fleetRecords() {
  return [
    // Leaks 32 bytes a minute; the largest free block follows.
    ...boot('pump-07', 1, 'pwron', 90, (s) => ({ used: 4000 + s * 32, largest: 5200 - s * 40 })),
    // The watchdog resets it every 40 minutes: the leak starts over each boot.
    ...[1, 2, 3].flatMap((b) =>
      boot(
        'valve-3',
        b,
        b === 1 ? 'pwron' : 'wdt',
        40,
        (s) => ({ used: 3500 + s * 60, largest: 5000 - s * 70 }),
        { bootsAfter: 3 - b },
      ),
    ),
    // Steady use, but the free space breaks up: largest free falls, free does not.
    ...boot('meter-12', 1, 'hard', 90, (s) => ({
      used: 5000 + (s % 5) * 16,
      largest: Math.max(600, 4800 - s * 45),
    })),
    // Firmware without an allocation table the agent could find: no largest free block.
    ...boot('gate-1', 1, null, 60, (s) => ({ used: 4200 + (s % 3) * 16, largest: null })),
    // Lost every 7th record on the way.
    ...boot('fan-2', 1, 'pwron', 80, () => ({ used: 3000, largest: 6900 }), { skip: (s) => s % 7 === 3 }),
    // Went silent two days ago.
    ...boot('door-9', 1, 'pwron', 50, () => ({ used: 3300, largest: 6500 }), {
      endedMinutesAgo: 2 * 24 * 60,
    }),
    // Healthy ones.
    ...Array.from({ length: 5 }, (_, i) =>
      boot(`sensor-${String(i + 1).padStart(2, '0')}`, 1, 'pwron', 60, (s) => ({
        used: 2500 + i * 300 + (s % 4) * 16,
        largest: 7000 - i * 300,
      })),
    ).flat(),
  ];
}

let browser: Browser;
let page: Page;
let cli: Awaited<ReturnType<typeof runCli>>;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpheap-fleet-page-'));
  const db = join(dir, 'fleet.sqlite');
  const store = new SqliteStore(db);
  for (const { r, at } of fleetRecords()) await store.insert([r], at);
  await store.close();
  const html = join(dir, 'fleet.html');
  cli = await runCli(
    'fleet',
    '--db',
    db,
    '--html',
    html,
    '--below',
    '2K',
    '--alert',
    'largestFree<1K',
    '--no-color',
  );
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`file://${html}`);
});

afterAll(async () => {
  await browser?.close();
});

const cell = (device: string, column: number) => page.locator(`tr[data-device="${device}"] > td`).nth(column);

describe('mpheap fleet --html', () => {
  it('writes the page, says how many devices and which broke a rule', async () => {
    expect(cli.code, cli.stderr).toBe(3);
    await page.screenshot({ path: join(RESULTS, 'fleet.png'), fullPage: true });
    expect(await page.locator('[data-testid="devices"] b').innerText()).toBe('11');
    expect(await page.locator('[data-testid="alerts"] b').innerText()).toBe('1');
    expect(await page.locator('[data-testid="leaking"] b').innerText()).toBe('2');
    expect(await page.locator('[data-testid="reboots"] b').innerText()).toBe('2');
    expect(await page.locator('[data-testid="alert-list"] li').allInnerTexts()).toEqual([
      'meter-12: largestFree is 795 (largestFree<1K)',
    ]);
    // No script runs in it: the page is made of HTML and SVG alone, under a CSP that allows none.
    expect(await page.locator('script').count()).toBe(0);
  });

  it('puts the devices that need attention first, the healthy ones after in name order', async () => {
    const order = await page
      .locator('tr[data-device]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-device')));
    expect(order).toEqual([
      'meter-12', // broke the alert rule
      'pump-07', // largest free below 2K now, and leaking
      'valve-3', // below 2K in minutes at its last boot's rate, leaking
      'door-9', // silent for two days
      'fan-2',
      'gate-1',
      'sensor-01',
      'sensor-02',
      'sensor-03',
      'sensor-04',
      'sensor-05',
    ]);
    expect(await page.locator('tr[data-device="meter-12"]').getAttribute('class')).toBe('alert');
    expect(await cell('meter-12', 0).innerText()).toContain('largestFree<1K');
    expect(await cell('pump-07', 0).innerText()).toContain('leak');
    expect(await cell('pump-07', 6).innerText()).toBe('now');
    expect(await cell('valve-3', 6).innerText()).toBe('3 min');
  });

  it('says what a board cannot, what was lost and which device went silent', async () => {
    expect(await cell('gate-1', 2).innerText()).toBe('–');
    expect(await cell('gate-1', 2).getAttribute('title')).toBe('the board cannot say');
    expect(await cell('fan-2', 9).innerText()).toBe('69\n11 lost');
    expect(await cell('door-9', 10).innerText()).toBe('2 days ago');
    expect(await cell('door-9', 10).getAttribute('class')).toContain('bad');
    expect(await cell('door-9', 0).innerText()).toContain('silent');
    expect(await cell('sensor-01', 10).innerText()).toBe('3 min ago');
  });

  it('charts free and largest free with the reboots, and says what they show on hover', async () => {
    const valve = page.locator('tr[data-device="valve-3"] svg');
    expect(await valve.locator('polyline').count()).toBe(2);
    expect(await valve.locator('line.reboot title').allTextContents()).toEqual([
      'reboot: boot 2, wdt',
      'reboot: boot 3, wdt',
    ]);
    expect(await valve.locator(':scope > title').textContent()).toBe(
      "120 samples in 3 boots\nheap 10,048 bytes (the chart's height)\nfree: lowest 4,208, now 4,208\n" +
        'largest free: lowest 2,270, now 2,270',
    );
    // No allocation table: only the free line.
    expect(await page.locator('tr[data-device="gate-1"] svg polyline').count()).toBe(1);
  });

  it('shows the bad tail of each fleet-wide figure', async () => {
    const rows = await page.locator('[data-testid="percentiles"] tr').allInnerTexts();
    expect(rows[0].split('\t')).toEqual([
      'latest, across devices',
      'median',
      'worst 10%',
      'worst 1%',
      'worst',
    ]);
    // Lowest largest free of the 10 devices that report one: meter-12's 795.
    expect(rows[2].split('\t')).toEqual(['largest free (B)', '6,100', '795', '795', '795']);
    expect(rows[3].split('\t')).toEqual(['fragmentation', '7%', '49%', '84%', '84%']);
  });

  it('fits a 1400-pixel window without scrolling sideways', async () => {
    const { scroll, client } = await page
      .locator('.scroll')
      .evaluate((e) => ({ scroll: e.scrollWidth, client: e.clientWidth }));
    expect(scroll).toBeLessThanOrEqual(client);
  });

  it('an empty store gives a page that says what to do, and exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpheap-fleet-empty-'));
    const db = join(dir, 'fleet.sqlite');
    await new SqliteStore(db).close();
    const html = join(dir, 'fleet.html');
    const r = await runCli('fleet', '--db', db, '--html', html);
    expect(r.code).toBe(1);
    const empty = await browser.newPage();
    await empty.goto(`file://${html}`);
    expect(await empty.locator('[data-testid="empty"]').innerText()).toContain('No records yet');
    await empty.close();
  });
});
