/** `mpheap collect`: agent records from an MQTT broker into SQLite or PostgreSQL. */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { Collector } from '../../fleet/collector.js';
import { openStore } from '../../fleet/open-store.js';
import type { FleetStore } from '../../fleet/store.js';
import { CliError, EXIT } from '../errors.js';
import { helpFooter } from '../help.js';

interface CollectFlags {
  mqtt: string;
  db: string;
  clientId?: string;
  share?: string;
  lanes?: string;
  leave?: boolean;
  duration?: string;
  json?: boolean;
  quiet?: boolean;
}

export function registerCollect(program: Command): void {
  program
    .command('collect')
    .summary('store the heap records of a fleet of boards, from MQTT into SQLite or PostgreSQL')
    .description(
      'Subscribe to the records mpheap_agent publishes (topic mpheap/<device>/heap, QoS 1) ' +
        'and store them, one row per sample, in a SQLite file or a PostgreSQL database.\n\n' +
        'Nothing is lost or stored twice when the collector or the broker restarts: the ' +
        'collector keeps a persistent session (its --client-id), acknowledges a record only ' +
        'once its row is committed, and rows are keyed by device, boot and sequence number. ' +
        'The broker must keep queued messages for the collector while it is away (mosquitto: ' +
        'persistence true, max_queued_messages 0 or large enough for the downtime).\n\n' +
        'Several collectors can share one fleet: give each its own --client-id and the same ' +
        '--share GROUP; the broker hands each record to one of them. Within one collector, ' +
        '--lanes N does the same with N sessions (CLIENTID.0 … CLIENTID.N-1): a session takes ' +
        'records one at a time, so lanes let a database that flushes every commit to disk ' +
        '(PostgreSQL) commit N at once. Payloads that are not records (damaged lines) are kept ' +
        'in a table of their own with the reason.\n\n' +
        'Both use an MQTT shared subscription, which mosquitto 2.0 (Debian 12 has 2.0.11) ' +
        'does not keep across its own restart: records devices publish in the second or so ' +
        'before the collectors subscribe again are lost (collect subscribes again at every ' +
        'reconnect). One collector with one lane, the default, loses nothing there.\n\n' +
        'Sessions outlive the collector: that is what loses nothing. So keep --client-id, ' +
        '--share and --lanes the same across restarts, and retire a collector for good with ' +
        '--leave (same options): it stores what is queued for it, then has the broker forget ' +
        'its sessions. A session that never comes back would keep its share of the records ' +
        '(all of them, without --share or --lanes) queued on the broker.',
    )
    .requiredOption('--mqtt <url>', 'the broker: mqtt://HOST[:PORT]')
    .requiredOption('--db <db>', 'FILE.sqlite, or postgres://USER[:PASSWORD]@HOST[:PORT]/DB')
    .option(
      '--client-id <id>',
      'MQTT client id; the broker keeps the session under it (default: mpheap-collector-<host>)',
    )
    .option('--share <group>', 'share the fleet with the other collectors of this group')
    .option('--lanes <n>', 'MQTT sessions in this collector, in one shared subscription (default 1)')
    .option('--leave', 'retire this collector: store what is queued for it, end its sessions, exit')
    .option('--duration <seconds>', 'stop after this long (default: until Ctrl-C)')
    .option('--quiet', 'no progress lines')
    .option('--json', 'print the counts as JSON at the end')
    .addHelpText(
      'after',
      helpFooter({
        examples: [
          { command: 'mpheap collect --mqtt mqtt://127.0.0.1 --db fleet.sqlite' },
          {
            command:
              'mpheap collect --mqtt mqtt://broker:1883 --db postgres://mpheap@db/fleet --client-id collector-a --share fleet',
          },
          {
            command:
              'mpheap collect --mqtt mqtt://broker:1883 --db postgres://mpheap@db/fleet --client-id collector-a --share fleet --leave',
            note: 'retire it',
          },
          { command: 'mpheap fleet --db fleet.sqlite', note: 'then look at what arrived' },
        ],
        exitCodes:
          '0 stopped (Ctrl-C, SIGTERM or --duration), 2 bad option or unreachable broker or ' +
          'database, 4 the database failed while collecting.',
      }),
    )
    .action(async (flags: CollectFlags) => {
      process.exitCode = await collectCommand(flags);
    });
}

async function collectCommand(flags: CollectFlags): Promise<number> {
  let durationMs: number | null = null;
  if (flags.duration !== undefined) {
    const n = Number(flags.duration);
    if (!Number.isFinite(n) || n <= 0)
      throw new CliError(`--duration: '${flags.duration}' is not a positive number of seconds`);
    durationMs = n * 1000;
  }
  if (flags.leave && durationMs !== null) throw new CliError('--leave: ends by itself; leave out --duration');
  let lanes: number | undefined;
  if (flags.lanes !== undefined) {
    lanes = Number(flags.lanes);
    if (!Number.isInteger(lanes) || lanes < 1 || lanes > 64)
      throw new CliError(`--lanes: '${flags.lanes}' is not a whole number from 1 to 64`);
  }
  let store: FleetStore;
  try {
    store = await openStore(flags.db);
  } catch (e) {
    throw new CliError(`--db: cannot open '${flags.db}': ${(e as Error).message}`);
  }
  const say = (text: string) => flags.quiet || process.stderr.write(`[mpheap] ${text}\n`);
  // Ends the wait below: Ctrl-C, SIGTERM, --duration, or the database failing.
  let end = () => {};
  let collector: Collector;
  try {
    collector = new Collector({
      url: flags.mqtt,
      store,
      clientId:
        flags.clientId ?? `mpheap-collector-${hostname().replace(/[^A-Za-z0-9_.-]/g, '-')}`.slice(0, 64),
      group: flags.share,
      lanes,
      onReject: (reason) => say(`kept a damaged record aside: ${reason}`),
      onStatus: (status, message) => {
        if (status !== 'connected') say(`${status}: ${message}`);
      },
      onFailure: () => end(),
    });
  } catch (e) {
    await store.close();
    throw new CliError(`--mqtt: ${(e as Error).message}`);
  }
  try {
    await collector.start();
  } catch (e) {
    await collector.stop().catch(() => {});
    await store.close();
    throw new CliError(`--mqtt: cannot subscribe at ${flags.mqtt}: ${(e as Error).message}`);
  }
  const started = Date.now();
  if (flags.leave) {
    say(`leaving: storing what the broker queued for these sessions into ${store.description}…`);
    await collector.leave();
  } else {
    say(`collecting from ${flags.mqtt} into ${store.description}; Ctrl-C ends`);
    await collectUntilStopped(collector, durationMs, say, (f) => {
      end = f;
    });
  }
  await collector.stop();
  await store.close().catch(() => {});
  const failure = collector.failure?.message ?? null;
  const summary = { ...collector.stats, seconds: (Date.now() - started) / 1000, db: store.description };
  if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else
    say(
      `stopped: ${summary.stored} stored, ${summary.duplicates} duplicates, ${summary.rejected} rejected in ${summary.seconds.toFixed(1)} s`,
    );
  if (failure)
    throw new CliError(
      `${failure}\nNothing is lost: records not stored were not acknowledged and wait on the broker ` +
        'for the next collector with this --client-id.',
      EXIT.SCRIPT_FAILED,
    );
  return EXIT.OK;
}

/** Until Ctrl-C, SIGTERM, --duration or a database failure (setEnd hands over the way out). */
function collectUntilStopped(
  collector: Collector,
  durationMs: number | null,
  say: (text: string) => void,
  setEnd: (end: () => void) => void,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = durationMs === null ? null : setTimeout(() => end(), durationMs);
    const progress = setInterval(() => {
      const s = collector.stats;
      say(`${s.stored} stored, ${s.duplicates} duplicates, ${s.rejected} rejected`);
    }, 10_000);
    const end = () => {
      if (timer) clearTimeout(timer);
      clearInterval(progress);
      process.off('SIGINT', end);
      process.off('SIGTERM', end);
      resolve();
    };
    setEnd(end);
    process.once('SIGINT', end);
    process.once('SIGTERM', end);
    // Failed while subscribing already.
    if (collector.failure) end();
  });
}
