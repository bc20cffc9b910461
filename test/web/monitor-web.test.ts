// biome-ignore-all lint/performance/useDomNodeTextContent: these are playwright's Locator.innerText(), not the DOM property
/**
 * `mpheap monitor --web` on the emulated micro:bit: a program running on the board prints
 * micropython.mem_info(1) after each step; the CLI (in-process, through main()) serves the
 * dashboard, and a chromium page opened on the printed URL receives the snapshots as they arrive.
 * Then the page's own "Connect a board" (WebSerial): absent without navigator.serial, and with a
 * navigator.serial whose port is a pipe to the same emulated board, it watches the board through
 * the page's own transport, monitor and decoder. One QEMU boot for the file, stopped in afterAll.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { decodeText } from '../../src/decode/index.js';
import { TcpTransport } from '../../src/device/node/tcp-transport.js';
import { SerialEngine } from '../../src/device/serial-engine.js';
import { type RunningEmulator, startMicrobit } from '../../src/emulator/microbit.js';
import { writeReport } from '../../src/views/report/write-report.js';
import { startCli } from '../support/cli.js';
import { CORPUS } from '../support/shared.js';
import { buildWebBundle, httpStatus, launchChromium, RESULTS } from './support.js';

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

/** A report of a real capture, for the WebSerial tests to open from disk. */
function captureReport(): string {
  const path = join(RESULTS, 'webserial-report.html');
  const { snapshots, output } = decodeText(
    readFileSync(join(CORPUS, 'microbit', '12_frag_every_other.log')),
    'file:12_frag_every_other.log',
  );
  writeFileSync(path, writeReport(snapshots, { title: 'webserial', output }));
  return path;
}

/**
 * Replaces navigator.serial with one whose only port is a pipe to Node (the `toBoard` binding
 * out, `window.fromBoard(bytes)` in), shaped as WebSerial's SerialPort: the page's
 * WebSerialTransport, BoardMonitor and decoder do the rest, as they would with a USB board.
 */
async function pipeSerialToNode(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as Record<string, unknown>;
    let source: ReadableStreamDefaultController<Uint8Array> | null = null;
    const port = {
      readable: null as ReadableStream<Uint8Array> | null,
      writable: null as WritableStream<Uint8Array> | null,
      getInfo: () => ({ usbVendorId: 0x0d28, usbProductId: 0x0204 }),
      async open(options: { baudRate: number }) {
        w.openedAt = options.baudRate;
        port.readable = new ReadableStream({
          start: (c) => {
            source = c;
          },
        });
        port.writable = new WritableStream({
          write: (chunk) => (w.toBoard as (b: number[]) => Promise<void>)(Array.from(chunk)),
        });
      },
      async close() {
        if (port.readable?.locked || port.writable?.locked) throw new TypeError('locked');
        port.readable = null;
        port.writable = null;
        w.portClosed = true;
      },
    };
    w.fromBoard = (bytes: number[]) => source?.enqueue(new Uint8Array(bytes));
    Object.defineProperty(Navigator.prototype, 'serial', {
      configurable: true,
      get: () => ({ requestPort: async () => port }),
    });
  });
}

describe('Connect a board (WebSerial in the page)', () => {
  test('the button is there only where navigator.serial exists', async () => {
    const report = captureReport();
    const without = await browser.newPage();
    await without.addInitScript(() => {
      delete (Navigator.prototype as { serial?: unknown }).serial;
    });
    await without.goto(`file://${report}`);
    await without.waitForFunction(() => window.mpheap?.canvas() != null);
    expect(await without.evaluate(() => 'serial' in navigator)).toBe(false);
    expect(await without.getByTestId('connect-board').count()).toBe(0);
    await without.close();
    // Chromium's own navigator.serial (headless has the API, just no ports).
    const real = await browser.newPage();
    await real.goto(`file://${report}`);
    expect(await real.evaluate(() => typeof (navigator as { serial?: unknown }).serial)).toBe('object');
    expect(await real.getByTestId('connect-board').innerText()).toBe('Connect a board');
    await real.close();
  });

  test('watches the emulated micro:bit through the page own transport, monitor and decoder', async () => {
    const report = captureReport();
    const uart = new TcpTransport('127.0.0.1', board.tcpPort);
    const page = await browser.newPage({ viewport: { width: 1280, height: 1300 } });
    // Bytes from the board go to the page in order, one evaluate after another.
    const received: Uint8Array[] = [];
    let toPage = Promise.resolve();
    uart.onData((chunk) => {
      received.push(chunk.slice());
      const bytes = Array.from(chunk);
      toPage = toPage
        .then(() =>
          page.evaluate((b) => (window as unknown as { fromBoard(b: number[]): void }).fromBoard(b), bytes),
        )
        .catch(() => {});
    });
    uart.onClose(() => {});
    await uart.open();
    await page.exposeFunction('toBoard', (bytes: number[]) => uart.write(Uint8Array.from(bytes)));
    await pipeSerialToNode(page);
    await page.goto(`file://${report}`);
    await page.waitForFunction(() => window.mpheap?.canvas() != null);
    expect(await page.evaluate(() => window.mpheap!.session.snapshots.length)).toBe(3);

    await page.getByTestId('connect-board').click();
    expect(await page.getByTestId('board-name').innerText()).toContain('webserial:0d28:0204');
    // The idle board is sampled at its prompt: a fourth snapshot arrives, decoded in the page.
    await page.waitForFunction(() => window.mpheap!.session.snapshots.length >= 4, null, { timeout: 20_000 });
    await page.getByTestId('disconnect-board').click();
    await page.waitForFunction(() => (window as unknown as { portClosed?: boolean }).portClosed === true);
    expect(await page.evaluate(() => (window as unknown as { openedAt: number }).openedAt)).toBe(115200);
    expect(await page.getByTestId('status').innerText()).toBe('board: disconnected');

    const added = await page.evaluate(() => {
      const s = window.mpheap!.session;
      return s.snapshots.slice(3).map((p, k) => ({
        seq: p.seq,
        source: p.source,
        trigger: p.trigger,
        complete: p.complete,
        gc: p.gc,
        map: String.fromCharCode(...s.store.joined(3 + k)),
      }));
    });
    // The page decoded exactly what the board sent: the same dumps, decoded here from the bytes.
    const bytes = Buffer.concat(received);
    const here = decodeText(bytes, 'webserial:0d28:0204').snapshots;
    expect(added.length).toBe(here.length);
    expect(added.map((a) => a.map)).toEqual(here.map((h) => String.fromCharCode(...h.areas[0].map)));
    expect(added.map((a) => a.gc)).toEqual(here.map((h) => h.gc));
    expect(added[0]).toMatchObject({
      seq: 3,
      source: 'webserial:0d28:0204',
      trigger: 'poll',
      complete: true,
    });
    expect(added[0].gc?.total).toBe(10048);
    expect(added[0].map.length).toBe(628);
    await page.screenshot({ path: join(RESULTS, 'webserial-microbit.png'), fullPage: true });
    await page.close();
    await uart.close();
  });
});
