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
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HeapProfile } from '../../snapshot/profile.js';
import type { HeapSnapshot } from '../../snapshot/snapshot.js';
import {
  type PackedSnapshot,
  REPORT_FORMAT,
  REPORT_VERSION,
  type ReportEvent,
  SnapshotPacker,
} from '../report/format.js';
import { buildPage } from '../report/page.js';
import { type EventLike, profileOfEvents, toReportEvent } from '../report/write-report.js';

export const LOOPBACK = '127.0.0.1';

export interface DashboardOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  title?: string;
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
  close(): Promise<void>;
}

type Message =
  | { kind: 'snapshot'; data: PackedSnapshot }
  | { kind: 'event'; data: ReportEvent }
  | { kind: 'output'; data: string }
  | { kind: 'profile'; data: HeapProfile };

export async function startDashboard(opts: DashboardOptions = {}): Promise<Dashboard> {
  const title = opts.title ?? 'mpheap live';
  const packer = new SnapshotPacker();
  // Everything sent so far, so a page opened late (or reloaded) catches up from the start.
  const history: Message[] = [];
  const streams = new Set<ServerResponse>();
  let page: string | null = null;

  const send = (res: ServerResponse, m: Message) => {
    res.write(`event: ${m.kind}\ndata: ${JSON.stringify(m.data)}\n\n`);
  };
  const broadcast = (m: Message) => {
    history.push(m);
    for (const res of streams) send(res, m);
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
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(': mpheap live stream\n\n');
      for (const m of history) send(res, m);
      streams.add(res);
      req.on('close', () => streams.delete(res));
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
    push: (s) => broadcast({ kind: 'snapshot', data: packer.pack(s) }),
    pushEvent: (e) => {
      if (e.event !== 'profile') broadcast({ kind: 'event', data: toReportEvent(e) });
      else {
        const { profile } = profileOfEvents([e]);
        if (profile) broadcast({ kind: 'profile', data: profile });
      }
    },
    pushProfile: (profile) => broadcast({ kind: 'profile', data: profile }),
    pushOutput: (text) => {
      if (text) broadcast({ kind: 'output', data: text });
    },
    clients: () => streams.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of streams) res.end();
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
