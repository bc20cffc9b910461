/** `mpheap fleet`: the heap health of every board that sent records, from the collector's store. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type AlertRule, evaluateAlerts, parseAlertRule } from '../../fleet/alerts.js';
import { byId, type DeviceHealth, deviceHealth, type FleetHealth, fleetOf } from '../../fleet/health.js';
import { openStore } from '../../fleet/open-store.js';
import type { FleetStore } from '../../fleet/store.js';
import { type DeviceSketch, deviceSketch, fleetPage } from '../../views/fleet/page.js';
import { fleetTable } from '../../views/fleet/table.js';
import { terminalColumns, wantColor } from '../../views/terminal/index.js';
import { CliError, EXIT } from '../errors.js';
import { helpFooter } from '../help.js';
import { sizeOption } from '../io.js';

interface FleetFlags {
  db: string;
  device?: string;
  below: string;
  alert: string[];
  json?: boolean;
  html?: string;
  color?: boolean;
}

export function registerFleet(program: Command): void {
  program
    .command('fleet')
    .summary('the heap health of a fleet: latest figures, trends, leaks, forecasts, alerts')
    .description(
      'Read what `mpheap collect` stored and show, per device: the latest free and largest ' +
        'free block, their trend across samples and boots (bytes per hour of uptime), the ' +
        'fragmentation, a leak verdict (growth of what stays live after collections), when ' +
        'the largest free block will fall below --below at its current rate, and the reboots ' +
        'with their reset causes; then fleet-wide percentiles. --alert turns it into a check.',
    )
    .requiredOption('--db <db>', 'FILE.sqlite or postgres://… (what collect wrote)')
    .option('--device <id>', 'only this device')
    .option('--below <size>', 'forecast when the largest free block falls below this', '1K')
    .option(
      '--alert <rule>',
      'FIELD<VALUE or FIELD>VALUE; repeatable. Fields: free, largestFree, fragmentation, ' +
        'freeTrend, largestFreeTrend, leak, forecastHours, reboots, missing, silentMinutes',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--html <file>', 'write the dashboard page (one self-contained HTML file)')
    .option('--json', 'print everything as JSON (schema: docs/json.md)')
    .option('--no-color', 'no colours')
    .addHelpText(
      'after',
      helpFooter({
        examples: [
          { command: 'mpheap fleet --db fleet.sqlite' },
          {
            command: 'mpheap fleet --db fleet.sqlite --json | jq ".devices[] | {id, freeTrendBytesPerHour}"',
          },
          { command: 'mpheap fleet --db postgres://mpheap@db/fleet --html fleet.html' },
          {
            command: "mpheap fleet --db fleet.sqlite --alert 'largestFree<2K' --alert 'forecastHours<48'",
            note: 'from cron or CI: exit 3 when a device breaks a rule',
          },
        ],
        exitCodes:
          '0 all well, 1 no records stored yet, 2 bad option or database, 3 an --alert rule was broken.',
      }),
    )
    .action(async (flags: FleetFlags) => {
      process.exitCode = await fleetCommand(flags);
    });
}

async function fleetCommand(flags: FleetFlags): Promise<number> {
  const below = sizeOption(flags.below, '--below');
  let rules: AlertRule[];
  try {
    rules = flags.alert.map(parseAlertRule);
  } catch (e) {
    throw new CliError(`--alert: ${(e as Error).message}`);
  }
  let source = flags.db;
  const now = Date.now();
  const sketches = new Map<string, DeviceSketch>();
  let health: FleetHealth;
  try {
    const store = await openStore(flags.db);
    source = store.description;
    try {
      health = await readFleet(store, flags.device, below, now, flags.html ? sketches : null);
    } finally {
      await store.close();
    }
  } catch (e) {
    throw new CliError(`--db: cannot read '${flags.db}': ${(e as Error).message}`);
  }
  const alerts = evaluateAlerts(health.devices, rules, now);
  if (flags.html) {
    try {
      writeFileSync(
        flags.html,
        fleetPage(health, (d) => sketches.get(d)!, {
          title: flags.device ? `mpheap fleet: ${flags.device}` : 'mpheap fleet',
          source,
          below,
          alerts,
        }),
      );
    } catch (e) {
      throw new CliError(`--html: cannot write '${flags.html}': ${(e as Error).message}`);
    }
  }
  if (flags.json) process.stdout.write(`${JSON.stringify({ ...health, alerts }, null, 2)}\n`);
  else
    process.stdout.write(
      fleetTable(health, alerts, {
        color: wantColor(flags.color),
        columns: terminalColumns(),
        below,
      }),
    );
  if (health.devices.length === 0) {
    if (!flags.json) process.stderr.write(`mpheap: no records in ${flags.db} yet\n`);
    return EXIT.NOTHING_FOUND;
  }
  return alerts.length > 0 ? EXIT.BUDGET : EXIT.OK;
}

/**
 * The fleet's health, one device's samples in memory at a time (a fleet's store outgrows memory
 * long before one board's history does). `sketches`, when given, gets each device's chart.
 * Progress goes to a terminal's stderr, where reading a large fleet takes a while.
 */
async function readFleet(
  store: FleetStore,
  device: string | undefined,
  below: number,
  now: number,
  sketches: Map<string, DeviceSketch> | null,
): Promise<FleetHealth> {
  const ids = (device === undefined ? await store.devices() : [device]).sort(byId);
  const progress = process.stderr.isTTY && ids.length > 1;
  const devices: DeviceHealth[] = [];
  let samples = 0;
  for (const [k, id] of ids.entries()) {
    if (progress) process.stderr.write(`\rreading device ${k + 1} of ${ids.length}…`);
    const list = await store.samples(id);
    if (list.length === 0) continue;
    const d = deviceHealth(id, list, below);
    devices.push(d);
    samples += list.length;
    sketches?.set(id, deviceSketch(d, list, now));
  }
  if (progress) process.stderr.write('\r\x1b[K');
  return fleetOf(devices, samples, now);
}
