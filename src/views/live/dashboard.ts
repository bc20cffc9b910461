/**
 * The live dashboard: a tiny HTTP server on 127.0.0.1 that serves the report page (the same
 * views) and pushes each snapshot to it as it arrives, over server-sent events.
 *
 *   const dash = await startDashboard({ title: 'mpheap run main.py' });
 *   console.log(dash.url);          // http://127.0.0.1:PORT/
 *   dash.push(snapshot);            // every open page gets it at once
 *   dash.pushEvent({ event: 'memory_error', time: Date.now(), request: 4096 });
 *   dash.pushOutput('hello\n');
 *   dash.pushProfile(profile);     // mpheap run --profile, at the end (a `profile` event does it too)
 *   await dash.close();
 *
 * It answers exactly two paths: `/` (the page, everything inline) and `/events` (the stream).
 * Nothing is read from disk per request, and requests whose Host is not this loopback address
 * are refused, so a web page elsewhere cannot reach it through DNS rebinding.
 *
 * Memory stays bounded however long the session and however slow the pages (live-history.ts):
 * every page reads from one shared history with its own cursor, and is written to only while its
 * socket takes data, so a page that stops reading holds at most one message beyond the socket's
 * buffer. The history keeps the newest snapshots (from a key frame on), output and events within
 * a byte budget; a page that falls behind what was dropped is sent `reset` and the history again.
 * The page is told the budget (`keepChars`) and holds no more than that itself (web/session.ts).
 * Each message carries an SSE id, so a page that reconnects resumes where it stopped.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HeapProfile } from '../../snapshot/profile.js';
import type { HeapSnapshot } from '../../snapshot/snapshot.js';
import { REPORT_FORMAT, REPORT_VERSION, SnapshotPacker } from '../report/format.js';
import { buildPage } from '../report/page.js';
import { type EventLike, profileOfEvents, toReportEvent } from '../report/write-report.js';
import { DEFAULT_HISTORY_BYTES, LiveHistory } from './live-history.js';

export const LOOPBACK = '127.0.0.1';

export interface DashboardOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  title?: string;
  /** Bytes of snapshots, output and events kept for pages that open late (default 32 MiB). */
  historyBytes?: number;
}

export interface DashboardMemory {
  /** Bytes the history holds (what a page opened now is sent). */
  historyBytes: number;
  /** Bytes waiting in each open page's socket buffer, beyond what the kernel took. */
  buffered: number[];
  /** Pages that were sent `reset` because what they had not read yet was dropped. */
  resyncs: number;
}

export interface Dashboard {
  url: string;
  port: number;
  push(snapshot: HeapSnapshot): void;
  /** A run event; a `profile` event's profile is sent as the run's profile. */
  pushEvent(e: EventLike): void;
  pushOutput(text: string): void;
  /** The run's heap profile (each page takes the last one sent). */
  pushProfile(profile: HeapProfile): void;
  /** Open pages (stream connections) right now. */
  clients(): number;
  memory(): DashboardMemory;
  close(): Promise<void>;
}

/** Open streams at most: each holds a socket and its buffer. */
export const MAX_STREAMS = 16;

interface Stream {
  res: ServerResponse;
  /** The id of the next message this page has not been sent. */
  next: number;
  /** Waiting for 'drain': the socket took no more. */
  blocked: boolean;
  /** The history's generation when `next` was last checked against what was dropped. */
  generation: number;
  /** The page holds data this server did not send (it reconnected after a restart). */
  reset: boolean;
}

export async function startDashboard(opts: DashboardOptions = {}): Promise<Dashboard> {
  const title = opts.title ?? 'mpheap live';
  const packer = new SnapshotPacker();
  const historyBudget = opts.historyBytes ?? DEFAULT_HISTORY_BYTES;
  const history = new LiveHistory(historyBudget);
  const streams = new Set<Stream>();
  let resyncs = 0;
  let page: string | null = null;

  /** Writes what this page has not been sent yet, until its socket pushes back. */
  const pump = (s: Stream) => {
    if (s.blocked || s.res.destroyed) return;
    if (s.reset || (s.generation !== history.generation && history.missed(s.next))) {
      // What it had not read yet is gone (or never came from here): start it over from what is
      // kept. A page opened late gets this too, so it can say that older data were dropped.
      if (s.next > 1) resyncs++;
      s.res.write(history.resetFrame());
      s.next = 1;
      s.reset = false;
    }
    s.generation = history.generation;
    for (const m of history.from(s.next)) {
      s.next = m.id + 1;
      if (!s.res.write(m.frame)) {
        s.blocked = true;
        s.res.once('drain', () => {
          s.blocked = false;
          pump(s);
        });
        return;
      }
    }
  };
  const publish = (added: boolean) => {
    if (!added) return;
    for (const s of streams) pump(s);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const port = (server.address() as AddressInfo).port;
    const host = req.headers.host ?? '';
    if (host !== `${LOOPBACK}:${port}` && host !== `localhost:${port}`) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden host\n');
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET' }).end('method not allowed\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/') {
      page ??= buildPage(
        {
          format: REPORT_FORMAT,
          version: REPORT_VERSION,
          title,
          createdAt: Date.now(),
          live: true,
          keepChars: historyBudget,
          snapshots: [],
          events: [],
          output: '',
        },
        { connect: 'self' },
      );
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      res.end(page);
      return;
    }
    if (path === '/events') {
      if (streams.size >= MAX_STREAMS) {
        res
          .writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' })
          .end(`at most ${MAX_STREAMS} pages at once\n`);
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(': mpheap live stream\n\n');
      // EventSource sends the id of the last message it got when it reconnects.
      const { next, reset } = history.resumeAfter(req.headers['last-event-id']);
      const stream: Stream = { res, next, reset, blocked: false, generation: -1 };
      streams.add(stream);
      req.on('close', () => streams.delete(stream));
      pump(stream);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, LOOPBACK, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${LOOPBACK}:${port}/`,
    port,
    push: (s) => publish(history.addSnapshot(packer.pack(s))),
    pushEvent: (e) => {
      if (e.event !== 'profile') publish(history.addEvent(toReportEvent(e)));
      else {
        // A profiled run's profile event: the page gets it as the one `profile` message.
        const { profile } = profileOfEvents([e]);
        if (profile) publish(history.addProfile(profile));
      }
    },
    pushProfile: (profile) => publish(history.addProfile(profile)),
    pushOutput: (text) => publish(history.addOutput(text)),
    clients: () => streams.size,
    memory: () => ({
      historyBytes: history.bytes,
      buffered: [...streams].map((s) => s.res.writableLength),
      resyncs,
    }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of streams) s.res.end();
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
