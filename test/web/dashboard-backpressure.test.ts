// biome-ignore-all lint/performance/useDomNodeTextContent: these are playwright's Locator.innerText(), not the DOM property
/**
 * The live dashboard under pages that stop reading and sessions that go on: real TCP clients that
 * send GET /events and then never read, 100 MB of program output, hundreds of snapshots. The
 * server's memory stays within its history budget plus a socket buffer per page; a page that
 * falls behind what was dropped is reset and sent a key frame first; a page that reconnects
 * resumes after the last id it got; chromium shows what is kept.
 */
import { connect, type Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, describe, expect, test } from 'vitest';
import { type Dashboard, MAX_STREAMS, startDashboard } from '../../src/views/live/dashboard.js';
import { chromiumForTests, traceSnapshots } from './support.js';

const MB = 1024 * 1024;

/** A client that sends the request and then reads nothing (its socket paused from the start). */
function stalledClient(port: number, headers = ''): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => {
      sock.pause();
      sock.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers}\r\n`);
      resolve(sock);
    });
    sock.on('error', reject);
  });
}

/** Reads a paused client's stream from now on until `until` matches what arrived. */
function readUntil(sock: Socket, until: RegExp, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no ${until} in ${text.length} chars`)), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('data', (c: string) => {
      text += c;
      if (until.test(text)) {
        clearTimeout(timer);
        sock.pause();
        resolve(text);
      }
    });
    sock.resume();
  });
}

/** A dashboard with a small history budget, and one chromium page on it, connected. */
async function pageOnDashboard(title: string, historyBytes: number) {
  dash = await startDashboard({ title, historyBytes });
  const { snapshots } = traceSnapshots('fragmentation.trace');
  const page = await web.browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(dash.url);
  await expect.poll(() => dash.clients()).toBe(1);
  return { snapshots, page, errors };
}

/** Pushes 100 MB of output in 64 KB prints with a snapshot every 2 MB, yielding so sockets fill. */
async function longNoisySession(dash: Dashboard): Promise<number> {
  const { snapshots } = traceSnapshots('fragmentation.trace');
  const line = `${'x'.repeat(127)}\n`;
  const print = line.repeat(512);
  let pushed = 0;
  for (let i = 0; i < 1600; i++) {
    dash.pushOutput(print);
    if (i % 32 === 0) dash.push(snapshots[pushed++ % snapshots.length]);
    if (i % 16 === 0) await nextTurn();
  }
  return pushed;
}

let dash: Dashboard;
const web = chromiumForTests();

afterAll(async () => {
  await dash?.close();
});

describe('dashboard back-pressure', () => {
  test('five pages that never read cost a socket buffer each, not the whole session', async () => {
    dash = await startDashboard({ title: 'stalled' });
    const clients = await Promise.all(Array.from({ length: 5 }, () => stalledClient(dash.port)));
    await expect.poll(() => dash.clients()).toBe(5);
    const rssBefore = process.memoryUsage().rss;
    await longNoisySession(dash);
    const m = dash.memory();
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    console.log(
      `100 MB pushed to 5 stalled pages: history ${(m.historyBytes / MB).toFixed(1)} MB, ` +
        `buffered ${m.buffered.map((b) => (b / 1024).toFixed(0)).join('/')} KB, rss +${(rssGrowth / MB).toFixed(0)} MB`,
    );
    expect(m.historyBytes).toBeLessThanOrEqual(32 * MB);
    expect(m.buffered).toHaveLength(5);
    // One message beyond the socket's high-water mark: a 64 KB print is the largest here.
    for (const b of m.buffered) expect(b).toBeLessThan(256 * 1024);
    // The old server held 942 MB here; the budget is 32 MB and each socket a few.
    expect(rssGrowth).toBeLessThan(300 * MB);

    // One of them wakes up: what it had not read was dropped, so it is reset and gets a key frame.
    const text = await readUntil(clients[0], /event: reset\n[\s\S]*?event: snapshot\ndata: [^\n]*\n/);
    const afterReset = text.slice(text.indexOf('event: reset'));
    const firstSnapshot = /event: snapshot\ndata: ([^\n]*)\n/.exec(afterReset)!;
    expect(JSON.parse(firstSnapshot[1]).maps).toBeDefined();
    expect(dash.memory().resyncs).toBe(1);
    for (const c of clients) c.destroy();
    await expect.poll(() => dash.clients()).toBe(0);
    await dash.close();
  }, 120_000);

  test('a page that reconnects resumes after the last id it got; at most 16 pages at once', async () => {
    dash = await startDashboard({ title: 'resume' });
    const { snapshots } = traceSnapshots('fragmentation.trace');
    for (let i = 0; i < 10; i++) dash.push(snapshots[i]);
    const sock = await stalledClient(dash.port, 'Last-Event-ID: 7\r\n');
    const text = await readUntil(sock, /id: 10\n/);
    expect([...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual([8, 9, 10]);
    expect(text).not.toContain('event: reset');
    sock.destroy();

    // An id from another session (the server restarted): the page is told to start over.
    const other = await stalledClient(dash.port, 'Last-Event-ID: 999\r\n');
    const fresh = await readUntil(other, /id: 10\n/);
    expect(fresh.indexOf('event: reset')).toBeLessThan(fresh.indexOf('id: 1\n'));
    other.destroy();

    const many = await Promise.all(Array.from({ length: MAX_STREAMS }, () => stalledClient(dash.port)));
    await expect.poll(() => dash.clients()).toBe(MAX_STREAMS);
    const extra = await stalledClient(dash.port);
    expect(await readUntil(extra, /\r\n\r\n/)).toMatch(/^HTTP\/1\.1 503 /);
    for (const c of [...many, extra]) c.destroy();
    await dash.close();
  });

  test('chromium: a page opened on a long session shows the newest snapshots and says older ones were dropped', async () => {
    const { snapshots, page, errors } = await pageOnDashboard('long session', 256 * 1024);
    for (const s of snapshots) {
      dash.push(s);
      dash.pushOutput(`${'y'.repeat(2000)}\n`);
    }
    // The page open all along keeps up, or (pushed this fast) falls behind and is reset: either
    // way it ends on the newest snapshot, decoded exactly.
    const last = snapshots[snapshots.length - 1];
    const newest = (p: typeof page) =>
      p.evaluate(() => {
        const s = window.mpheap!.session;
        return s.snapshots.length === 0 ? [] : Array.from(s.store.joined(s.snapshots.length - 1));
      });
    await expect.poll(() => newest(page)).toEqual(Array.from(last.areas[0].map));
    expect(await page.getByTestId('snapshot-title').innerText()).toMatch(/Snapshot #\d+ \((\d+) of \1\)/);
    expect(dash.memory().historyBytes).toBeLessThanOrEqual(256 * 1024);

    const late = await web.browser.newPage();
    late.on('pageerror', (e) => errors.push(e.message));
    await late.goto(dash.url);
    await expect.poll(() => late.getByTestId('status').innerText()).toMatch(/older messages dropped/);
    const title = await late.getByTestId('snapshot-title').innerText();
    // `Snapshot #SEQ (N of M)`: the page shows the last of the snapshots it holds.
    const [, shown, of] = /Snapshot #\d+ \((\d+) of (\d+)\)/.exec(title)!.map(Number);
    expect(shown).toBe(of);
    expect(of).toBeLessThan(snapshots.length);
    // The newest snapshot is decoded from a key frame and the patches after it: its map is exact.
    expect(await newest(late)).toEqual(Array.from(last.areas[0].map));
    expect(errors).toEqual([]);
    await late.close();
    await page.close();
  });

  test('chromium: a page open all along holds what the dashboard holds, and stays on the snapshot looked at', async () => {
    const budget = 256 * 1024;
    const { snapshots, page, errors } = await pageOnDashboard('all day', budget);
    const held = () =>
      page.evaluate(() => {
        const s = window.mpheap!.session;
        return { chars: s.heldChars, dropped: s.droppedSnapshots, count: s.snapshots.length };
      });
    // One at a time, each read before the next: the page keeps up, so the dashboard never resets
    // it, and whatever it drops it dropped itself.
    const pushRead = async (k: number) => {
      dash.push(snapshots[k % snapshots.length]);
      dash.pushOutput(`${'y'.repeat(999)}\n`);
      await expect
        .poll(async () => {
          const h = await held();
          return h.count + h.dropped;
        })
        .toBe(k + 1);
    };
    let k = 0;
    let most = 0;
    // Until the page is nearly full: then park on its newest snapshot, which the next drop
    // (down to half the budget) keeps.
    for (; ; k++) {
      if (k > 10 * snapshots.length)
        throw new Error(`the page held ${(await held()).chars} chars and dropped nothing`);
      await pushRead(k);
      const h = await held();
      most = Math.max(most, h.chars);
      if (h.dropped > 0 && h.chars > budget * 0.9) break;
    }
    const parked = await page.evaluate(() => window.mpheap!.session.snapshots.length - 2);
    await page.evaluate((i) => window.mpheap!.select(i), parked);
    const title = await page.getByTestId('snapshot-title').innerText();
    const droppedBefore = (await held()).dropped;
    while ((await held()).dropped === droppedBefore) {
      if (k > 20 * snapshots.length) throw new Error('the page dropped nothing more');
      await pushRead(++k);
      most = Math.max(most, (await held()).chars);
    }
    await expect.poll(() => page.getByTestId('snapshot-title').innerText()).not.toBe('');
    const after = await page.getByTestId('snapshot-title').innerText();
    // The same snapshot (`#SEQ`), now at a smaller index.
    expect(/Snapshot #(\d+)/.exec(after)?.[1]).toBe(/Snapshot #(\d+)/.exec(title)?.[1]);
    expect(/\((\d+) of/.exec(after)?.[1]).not.toBe(/\((\d+) of/.exec(title)?.[1]);
    expect(most).toBeLessThanOrEqual(budget);
    expect(await page.getByTestId('status').innerText()).toMatch(/older snapshots dropped to bound memory/);
    // Every kept snapshot decodes exactly, the oldest from its key frame.
    const kept = await page.evaluate(() => {
      const s = window.mpheap!.session;
      return s.snapshots.map((p, i) => ({ seq: p.seq, map: Array.from(s.store.joined(i)) }));
    });
    for (const { seq, map } of kept) {
      expect(map).toEqual(Array.from(snapshots[seq % snapshots.length].areas[0].map));
    }
    expect(errors).toEqual([]);
    await page.close();
  });
});
