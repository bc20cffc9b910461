// biome-ignore-all lint/performance/useDomNodeTextContent: these are playwright's Locator.innerText(), not the DOM property
/**
 * `mpheap monitor --web` on the emulated micro:bit: a program running on the board prints
 * micropython.mem_info(1) after each step; the CLI (in-process, through main()) serves the
 * dashboard, and a chromium page opened on the printed URL receives the snapshots as they arrive.
 * One QEMU boot for the file; it is stopped in afterAll.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { TcpTransport } from '../../src/device/node/tcp-transport.js';
import { SerialEngine } from '../../src/device/serial-engine.js';
import { type RunningEmulator, startMicrobit } from '../../src/emulator/microbit.js';
import { buildWebBundle, launchChromium, RESULTS } from './support.js';

/** Grows a list of 200-byte bytearrays, printing a step line and the heap map after each. */
const PROGRAM = [
  'import micropython, time',
  'def grow(n):',
  '    keep = []',
  '    for i in range(n):',
  '        keep.append(bytearray(200))',
  "        print('step', i)",
  '        micropython.mem_info(1)',
  '        time.sleep_ms(700)',
].join('\n');
const STEPS = 8;

let browser: Browser;
let board: RunningEmulator;

beforeAll(async () => {
  [board] = await Promise.all([startMicrobit(), buildWebBundle()]);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await board?.stop();
});

/** Defines the program over the raw REPL, then starts it at the friendly prompt and hangs up. */
async function startProgramOnBoard(): Promise<void> {
  const engine = new SerialEngine(new TcpTransport('127.0.0.1', board.tcpPort));
  await engine.load();
  expect((await engine.exec(PROGRAM)).error).toBeNull();
  await engine.close();
  const link = new TcpTransport('127.0.0.1', board.tcpPort);
  link.onData(() => {});
  link.onClose(() => {});
  await link.open();
  await link.write(new TextEncoder().encode(`grow(${STEPS})\r`));
  await link.close();
}

/** Starts the CLI in this process; `stderr()` shows what it has written so far. */
function startCli(...args: string[]) {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    stdout += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    stderr += String(s);
    return true;
  });
  process.exitCode = undefined;
  const done = main(['node', 'mpheap', ...args]).then((code) => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
    return { code, stdout, stderr };
  });
  return { done, stderr: () => stderr };
}

function httpStatus(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end();
  });
}

describe('mpheap monitor --web', () => {
  test('serves a dashboard that shows the snapshots a running program prints, live', async () => {
    await startProgramOnBoard();
    const cli = startCli('monitor', '--port', board.portName, '--web', '--duration', '12', '--json');
    await vi.waitFor(() => expect(cli.stderr()).toMatch(/^dashboard: http:\/\/127\.0\.0\.1:\d+\/\n/), {
      timeout: 10_000,
      interval: 50,
    });
    const url = /http:\S+/.exec(cli.stderr())![0];

    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    await page.goto(url);
    expect(await page.getByTestId('title').innerText()).toBe(`mpheap monitor ${board.portName}`);
    // The page is open while the board still runs: wait for a complete dump to arrive in it.
    await page.waitForFunction(() => window.mpheap?.session.snapshots.some((s) => s.complete), null, {
      timeout: 20_000,
    });
    const live = await page.evaluate(() => window.mpheap!.session.snapshots.length);
    expect(await page.getByTestId('status').innerText()).toBe('live: connected');
    await page.screenshot({ path: join(RESULTS, 'monitor-web-microbit.png'), fullPage: true });

    const r = await cli.done;
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.web).toBe(url);
    // Everything the monitor decoded reached the page, in order, with the board's real heap.
    const seen = await page.evaluate(() =>
      window.mpheap!.session.snapshots.map((s, i) => ({
        complete: s.complete,
        total: s.gc?.total ?? null,
        blocks: window.mpheap!.session.store.joined(i).length,
        step: /step (\d+)/.exec(s.outputBefore)?.[1] ?? null,
      })),
    );
    expect(seen.length).toBe(summary.snapshots);
    expect(seen.length).toBeGreaterThanOrEqual(live);
    const complete = seen.filter((s) => s.complete);
    expect(complete.length).toBeGreaterThanOrEqual(2);
    for (const s of complete) expect([s.total, s.blocks]).toEqual([10048, 628]);
    // Each complete dump follows its own step line, and the steps count up one at a time.
    const steps = complete.map((s) => Number(s.step));
    expect(steps).toEqual(steps.map((_, k) => steps[0] + k));
    expect(steps.at(-1)).toBe(STEPS - 1);
    expect(await page.getByTestId('all-output').textContent()).toContain(`step ${STEPS - 1}`);
    await page.close();
    // The dashboard ended with the monitor.
    expect(await httpStatus(url)).toBe('ECONNREFUSED');
  });

  test('refuses --http-port without --web, and a port that is not one', async () => {
    const without = await startCli('monitor', '--port', board.portName, '--http-port', '8765').done;
    expect(without.code).toBe(2);
    expect(without.stderr).toBe('mpheap: --http-port: only with --web\n');
    const bad = await startCli('monitor', '--port', board.portName, '--web', '--http-port', '70000').done;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("mpheap: --http-port: '70000' is not a TCP port (1 to 65535)\n");
  });
});
