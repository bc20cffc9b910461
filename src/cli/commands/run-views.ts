/**
 * What `mpheap run` shows besides the terminal: the live dashboard (--web), fed as the run goes,
 * and the HTML report (--html), written when the run ends however it ends (exception, watchdog,
 * Ctrl-C, a board that went away), from everything captured up to then.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { KeptSnapshots } from '../../run/kept-snapshots.js';
import type { HeapSnapshot } from '../../snapshot/snapshot.js';
import { reportOutput } from '../../util/bounded-text.js';
import { type Dashboard, startDashboard } from '../../views/live/dashboard.js';
import { type EventLike, writeReportFile } from '../../views/report/write-report.js';
import { CliError } from '../errors.js';
import { fileErrorWhy } from '../io.js';
import { dashboardCliError } from './http-port-option.js';
import { wroteReport } from './wrote-report.js';

export interface RunViewOptions {
  /** --html FILE, or null. */
  html: string | null;
  /** --web: the dashboard's port (0: a free one), or null without --web. */
  httpPort: number | null;
  title: string;
  /** False for a heap that cannot grow although the firmware prints `max new split` (--fixed). */
  heapCanGrow?: boolean;
}

export class RunViews {
  /** For --html only (the dashboard keeps its own bounded history): as the run's result keeps them. */
  private readonly snapshots = new KeptSnapshots();
  private readonly events: EventLike[] = [];
  /** For the report: the first and last 128 KiB (each snapshot keeps the output before it). */
  private readonly output = reportOutput();

  private constructor(
    private readonly opts: RunViewOptions,
    readonly dashboard: Dashboard | null,
  ) {}

  /** Checks --html can be written and starts the dashboard, before anything runs. */
  static async start(opts: RunViewOptions): Promise<RunViews> {
    if (opts.html !== null) checkWritable(opts.html);
    let dashboard: Dashboard | null = null;
    if (opts.httpPort !== null) {
      try {
        dashboard = await startDashboard({ port: opts.httpPort, title: opts.title });
      } catch (e) {
        throw dashboardCliError(e, opts.httpPort);
      }
    }
    return new RunViews(opts, dashboard);
  }

  snapshot(s: HeapSnapshot, used: number | null): void {
    if (this.opts.html !== null) this.snapshots.add(s, used);
    this.dashboard?.push(s);
  }

  addOutput(text: string): void {
    this.output.add(text);
    this.dashboard?.pushOutput(text);
  }

  /** A run event, as the recording gets it. */
  event(name: string, fields: Record<string, unknown>): void {
    const e: EventLike = { ...fields, event: name, time: Date.now() };
    if (this.opts.html !== null) this.events.push(e);
    this.dashboard?.pushEvent(e);
  }

  /**
   * Writes the report. Never throws: the run's own outcome matters more, so a report that cannot
   * be written is said on stderr and reported as false.
   */
  writeReport(): boolean {
    if (this.opts.html === null) return true;
    const path = this.opts.html;
    try {
      const snapshots = this.snapshots.list();
      const bytes = writeReportFile(path, snapshots, {
        title: this.opts.title,
        events: this.events,
        output: this.output.text(),
        heapCanGrow: this.opts.heapCanGrow,
      });
      process.stderr.write(`${wroteReport(path, snapshots.length, bytes)}\n`);
      return true;
    } catch (e) {
      process.stderr.write(`mpheap: --html: cannot write '${path}': ${fileErrorWhy(e)}\n`);
      return false;
    }
  }

  async close(): Promise<void> {
    await this.dashboard?.close();
  }

  /** --web-wait: the page stays served after the run (a short script ends before anyone looks). */
  async keepOpenUntilCtrlC(): Promise<void> {
    if (!this.dashboard) return;
    process.stderr.write(`dashboard still open at ${this.dashboard.url}; Ctrl-C ends\n`);
    await new Promise<void>((done) => {
      const end = () => {
        process.off('SIGINT', end);
        process.off('SIGTERM', end);
        done();
      };
      process.once('SIGINT', end);
      process.once('SIGTERM', end);
    });
    await this.close();
  }
}

/** Fails before the run, not after it, when the report could not be written. */
function checkWritable(path: string): void {
  const full = resolve(path);
  try {
    if (statSync(full, { throwIfNoEntry: false })?.isDirectory())
      throw Object.assign(new Error('it is a folder'), { code: 'EISDIR' });
    accessSync(dirname(full), constants.W_OK);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such folder' : fileErrorWhy(err);
    throw new CliError(`--html: cannot write '${path}': ${why}`);
  }
}
