/** `mpheap monitor --port DEV`: watch a running board's heap live, through resets and unplugging. */
import type { Command } from 'commander';
import pc from 'picocolors';
import { snapshotFigures } from '../../analysis/verdict.js';
import { BoardMonitor, type MonitorSummary } from '../../device/monitor.js';
import { transportFor } from '../../device/node/open-port.js';
import type { RecordPublisher } from '../../fleet/publisher.js';
import { RecordingWriter } from '../../recording/recording.js';
import { bytesText, formatBytes } from '../../util/size.js';
import { ControlEscaper } from '../../util/text.js';
import { type Dashboard, startDashboard } from '../../views/live/dashboard.js';
import { renderSnapshot, terminalColumns, wantColor } from '../../views/terminal/index.js';
import { CliError } from '../errors.js';
import { helpFooter, NO_COLOR_HELP } from '../help.js';
import { fileErrorWhy } from '../io.js';
import { boardCliError, PORT_HELP } from './port-option.js';

interface MonitorFlags {
  port: string;
  poll?: string;
  record?: string;
  duration?: string;
  json?: boolean;
  map?: boolean;
  color?: boolean;
  web?: boolean;
  httpPort?: string;
  publish?: string;
}

export function registerMonitor(program: Command): void {
  program
    .command('monitor')
    .description(
      'Attach to a running board without resetting it and show what it prints. Every ' +
        'micropython.mem_info() / mem_info(1) that goes by, whoever printed it, is decoded and ' +
        'drawn: the heap map, the figures, and a running history of used bytes and the largest free ' +
        'block (the largest allocation that can still succeed).\n\n' +
        'With --poll, mpheap samples the heap itself while the board sits idle at its >>> prompt (it ' +
        'types one short line; it never interrupts a running program). Each poll collects garbage first, so ' +
        "the map shows what is live and earlier polls leave nothing in it (the poll's own line holds about " +
        '370 bytes while it runs, the same every time). If the board has said nothing ' +
        'since mpheap attached, it presses Enter once to see the prompt.\n\n' +
        'When the board resets or is unplugged, monitor keeps what it has, marks the gap in the ' +
        'recording and reconnects when the port comes back. Ctrl-C ends it with a summary.',
    )
    .requiredOption('--port <dev>', PORT_HELP)
    .option('--poll <seconds>', 'sample mem_info(1) this often while the board is idle at its prompt')
    .option('--record <file>', 'append every snapshot, output and gap to this NDJSON recording as it happens')
    .option('--duration <seconds>', 'stop after this long (default: until Ctrl-C)')
    .option('--no-map', 'show figures and the history, not the heap map')
    .option('--json', 'no live view; print the summary as JSON at the end')
    .option('--no-color', NO_COLOR_HELP)
    .option('--web', 'also show it live in a browser: serves a dashboard on 127.0.0.1 and prints its URL')
    .option('--http-port <n>', 'port for --web (default: a free one)')
    .option(
      '--publish <url>',
      "forward the records mpheap_agent prints to mqtt://HOST[:PORT] (see 'mpheap collect')",
    )
    .addHelpText(
      'after',
      helpFooter({
        examples: [
          { command: 'mpheap monitor --port a0' },
          {
            command: 'mpheap monitor --port a0 --publish mqtt://127.0.0.1',
            note: 'a board running mpheap_agent',
          },
          { command: 'mpheap monitor --port /dev/ttyUSB0 --poll 2 --record heap.ndjson' },
          { command: 'mpheap monitor --port socket://127.0.0.1:2217 --duration 60 --json' },
          {
            command: 'mpheap monitor --port a0 --web --http-port 8765',
            note: 'then open http://127.0.0.1:8765/',
          },
        ],
        exitCodes: '0 ended (Ctrl-C or --duration), 2 bad option or port, 4 the port failed.',
      }),
    )
    .action(async (flags: MonitorFlags) => {
      const pollMs = secondsOption(flags.poll, '--poll');
      const durationMs = secondsOption(flags.duration, '--duration');
      const httpPort = httpPortOption(flags);
      const summary = await monitorBoard(flags, pollMs, durationMs, httpPort);
      if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else process.stderr.write(`\n${summaryText(summary)}\n`);
    });
}

interface MonitorResult extends MonitorSummary {
  port: string;
  recording: string | null;
  /** The dashboard's address with --web. */
  web: string | null;
  /** The last snapshot's figures, null where it does not say (analysis/verdict.ts). */
  last: {
    usedBytes: number | null;
    freeBytes: number | null;
    largestFreeBytes: number | null;
    fragmentation: number | null;
  } | null;
  /** With --publish: records the broker acknowledged, damaged ones not forwarded, ones dropped. */
  published: { records: number; rejected: number; dropped: number } | null;
}

async function monitorBoard(
  flags: MonitorFlags,
  pollMs: number | null,
  durationMs: number | null,
  httpPort: number | null,
): Promise<MonitorResult> {
  const live = !flags.json;
  const c = pc.createColors(wantColor(flags.color));
  const history: { used: number; largest: number; total: number }[] = [];
  let last: MonitorResult['last'] = null;
  let recording: RecordingWriter | null = null;
  let dashboard: Dashboard | null = null;
  let publisher: RecordPublisher | null = null;
  const say = (text: string) => live && process.stderr.write(c.dim(`[mpheap] ${text}\n`));
  const escaper = new ControlEscaper();

  const monitor = new BoardMonitor({
    connect: () => transportFor(flags.port),
    source: `serial:${flags.port}`,
    pollMs,
    onOutput: (text) => {
      publisher?.feed(text);
      recording?.output(text);
      dashboard?.pushOutput(text);
      // The board's text, printed with control bytes escaped (its colours kept).
      if (live) process.stdout.write(escaper.push(text));
    },
    onSnapshot: (s) => {
      recording?.snapshot(s);
      dashboard?.push(s);
      const h = snapshotFigures(s);
      if (h.totalBytes !== null) {
        last = {
          usedBytes: h.usedBytes,
          freeBytes: h.freeBytes,
          largestFreeBytes: h.largestFreeIsLowerBound ? null : h.largestFreeBytes,
          fragmentation: h.fragmentation,
        };
        history.push({ used: h.usedBytes ?? 0, largest: h.largestFreeBytes ?? 0, total: h.totalBytes });
      }
      if (live) {
        process.stdout.write(
          `\n${renderSnapshot(s, {
            color: c.isColorSupported,
            map: flags.map !== false,
            legend: false,
            columns: terminalColumns(),
          })}`,
        );
        process.stdout.write(`${historyLines(history, c).join('\n')}\n\n`);
      }
    },
    onEvent: (event, fields) => {
      recording?.event(event, fields);
      dashboard?.pushEvent({ ...fields, event, time: Date.now() });
      if (event === 'gap')
        say(`lost the board (${String(fields.reason)}); waiting for ${flags.port} to come back…`);
      else say(`reconnected after ${((fields.afterMs as number) / 1000).toFixed(1)} s`);
    },
  });

  if (flags.record) {
    try {
      recording = new RecordingWriter(
        flags.record,
        { startedAt: Date.now(), command: process.argv.slice(2), port: flags.port },
        { append: true },
      );
    } catch (e) {
      throw new CliError(`--record: cannot write '${flags.record}': ${fileErrorWhy(e)}`);
    }
  }
  if (flags.publish !== undefined) {
    // Loaded only here: mqtt is for --publish alone, not for every monitor.
    const { RecordPublisher } = await import('../../fleet/publisher.js');
    publisher = new RecordPublisher({
      url: flags.publish,
      onReject: (reason) => say(`not forwarded, a damaged record: ${reason}`),
      onDrop: (n) =>
        process.stderr.write(
          `mpheap: warning: ${flags.publish} has not acknowledged ${n} records; dropping new ones until it does\n`,
        ),
    });
    try {
      await publisher.start();
    } catch (e) {
      throw new CliError(`--publish: cannot connect to ${flags.publish}: ${(e as Error).message}`);
    }
  }
  if (httpPort !== null) {
    try {
      dashboard = await startDashboard({ port: httpPort, title: `mpheap monitor ${flags.port}` });
    } catch (e) {
      recording?.close();
      throw dashboardCliError(e, httpPort);
    }
    // Printed even with --json (stdout stays the JSON): the URL is what the user came for.
    process.stderr.write(`dashboard: ${dashboard.url}\n`);
  }
  try {
    await monitor.start();
  } catch (e) {
    recording?.close();
    await dashboard?.close();
    throw boardCliError(e);
  }
  say(
    `watching ${flags.port}${pollMs ? `, sampling every ${pollMs / 1000} s at the prompt` : ''}; Ctrl-C ends`,
  );

  await new Promise<void>((resolve) => {
    const timer = durationMs === null ? null : setTimeout(() => end(), durationMs);
    const end = () => {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', end);
      process.off('SIGTERM', end);
      resolve();
    };
    process.once('SIGINT', end);
    process.once('SIGTERM', end);
  });
  const summary = await monitor.stop();
  await publisher?.close();
  recording?.event('end', summary as unknown as Record<string, unknown>);
  recording?.close();
  await dashboard?.close();
  return {
    ...summary,
    port: flags.port,
    recording: flags.record ?? null,
    web: dashboard?.url ?? null,
    last,
    published: publisher
      ? { records: publisher.published, rejected: publisher.rejected, dropped: publisher.dropped }
      : null,
  };
}

/** The dashboard's TCP port with --web (0: a free one), or null without it. */
function httpPortOption(flags: MonitorFlags): number | null {
  if (flags.httpPort !== undefined && !flags.web) throw new CliError('--http-port: only with --web');
  if (!flags.web) return null;
  if (flags.httpPort === undefined) return 0;
  const n = Number(flags.httpPort);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new CliError(`--http-port: '${flags.httpPort}' is not a TCP port (1 to 65535)`);
  return n;
}

function dashboardCliError(e: unknown, port: number): CliError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    return new CliError(`--http-port: ${port} is in use on 127.0.0.1; pick another or leave it out`);
  if (code === 'EACCES') return new CliError(`--http-port: not allowed to listen on ${port}`);
  return new CliError(`--web: cannot start the dashboard: ${(e as Error).message}`);
}

function secondsOption(value: string | undefined, option: string): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new CliError(`${option}: '${value}' is not a positive number of seconds`);
  return Math.round(n * 1000);
}

const BARS = '▁▂▃▄▅▆▇█';

/** `▁▂▃▅` over the last 40 values, scaled to the heap's total. */
function sparkline(values: number[], total: number): string {
  return values
    .slice(-40)
    .map(
      (v) => BARS[Math.min(BARS.length - 1, Math.max(0, Math.floor((v / Math.max(1, total)) * BARS.length)))],
    )
    .join('');
}

function historyLines(
  history: { used: number; largest: number; total: number }[],
  c: ReturnType<typeof pc.createColors>,
): string[] {
  const total = history[history.length - 1]?.total ?? 1;
  return [
    `used          ${c.yellow(
      sparkline(
        history.map((h) => h.used),
        total,
      ),
    )}`,
    `largest free  ${c.green(
      sparkline(
        history.map((h) => h.largest),
        total,
      ),
    )}`,
  ];
}

function summaryText(s: MonitorResult): string {
  const lines = [
    `monitored ${s.port} for ${(s.durationMs / 1000).toFixed(1)} s: ${s.snapshots} snapshot${s.snapshots === 1 ? '' : 's'}` +
      `${s.incomplete ? ` (${s.incomplete} cut short)` : ''}, ${s.polls} poll${s.polls === 1 ? '' : 's'}, ` +
      `${s.gaps} gap${s.gaps === 1 ? '' : 's'}, ${bytesText(s.bytes)} received`,
  ];
  if (s.last) {
    const n = (v: number | null) => (v === null ? 'unknown' : formatBytes(v));
    const frag = s.last.fragmentation === null ? 'unknown' : `${(s.last.fragmentation * 100).toFixed(0)}%`;
    lines.push(
      `last heap: ${n(s.last.usedBytes)} used, ${n(s.last.freeBytes)} free, largest free block ${n(s.last.largestFreeBytes)} bytes, fragmentation ${frag}`,
    );
  }
  if (s.published)
    lines.push(
      `forwarded ${s.published.records} agent record${s.published.records === 1 ? '' : 's'}` +
        `${s.published.rejected ? `; ${s.published.rejected} damaged, not forwarded` : ''}` +
        `${s.published.dropped ? `; ${s.published.dropped} dropped (the broker stayed away)` : ''}`,
    );
  if (s.recording) lines.push(`recorded to ${s.recording}`);
  if (s.web) lines.push(`dashboard at ${s.web} closed`);
  return lines.join('\n');
}
