/**
 * A real board (or the emulated micro:bit) as an Engine (src/engines/engine.ts): every exec is one
 * raw-REPL exchange. `mpheap run --port` and the bench are written against this.
 * Portable: give it any Transport (Node serial/TCP, WebSerial).
 */
import type { Engine, EngineInfo, ExecOptions, ExecResult } from '../engines/engine.js';
import { parseTraceback, renameTracebackFile } from '../engines/traceback.js';
import { BoardLink } from './link.js';
import { RawRepl, type RawReplOptions } from './raw-repl.js';
import type { Transport } from './transport.js';

export interface SerialEngineOptions extends RawReplOptions {
  /** `serial` by default; the emulator passes `microbit`. */
  kind?: string;
}

/** Asks the board what it is, in Python every MicroPython since 1.9 understands. */
const IDENTIFY = [
  'import sys, gc',
  'print(sys.platform)',
  "print('.'.join(str(n) for n in sys.implementation.version))",
  "print(getattr(sys, 'maxsize', 2147483647) > 2147483647)",
  'print(gc.mem_free() + gc.mem_alloc())',
  'del sys, gc',
].join('\n');

export class SerialEngine implements Engine {
  readonly link: BoardLink;
  readonly repl: RawRepl;
  info: EngineInfo;

  constructor(transport: Transport, opts: SerialEngineOptions = {}) {
    this.link = new BoardLink(transport);
    this.repl = new RawRepl(this.link, opts);
    this.info = {
      kind: opts.kind ?? 'serial',
      description: transport.name,
      version: null,
      wordSize: 4,
      heapSize: null,
      fixedHeap: true,
      collectsMidLoop: true,
    };
  }

  /** Opens the port, stops whatever runs, enters the raw REPL and learns what the board is. */
  async load(): Promise<void> {
    await this.link.open();
    await this.repl.enter();
    const r = await this.repl.exec(IDENTIFY);
    if (r.error) throw new Error(`${this.link.name}: the board could not describe itself:\n${r.error}`);
    const [platform, version, is64, heap] = r.output.trim().split(/\r?\n/);
    this.info = {
      ...this.info,
      description: `MicroPython ${version} on ${platform} (${this.link.name})`,
      version: version ?? null,
      wordSize: is64 === 'True' ? 8 : 4,
      heapSize: heap && /^\d+$/.test(heap) ? Number(heap) : null,
    };
  }

  async exec(code: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const r = await this.repl.exec(code, { onOutput: opts.onOutput, timeoutMs: opts.timeoutMs });
    if (r.error === '') return { output: r.output, error: null, timedOut: r.timedOut };
    const filename = opts.filename ?? '<stdin>';
    const traceback = filename === '<stdin>' ? r.error : renameTracebackFile(r.error, '<stdin>', filename);
    return { output: r.output, error: parseTraceback(traceback, null, filename), timedOut: r.timedOut };
  }

  async interrupt(): Promise<void> {
    await this.link.write('\x03');
  }

  async reset(): Promise<void> {
    await this.repl.softReset();
  }

  /** Leaves the board at its friendly REPL, as we found it, and closes the port. */
  async close(): Promise<void> {
    if (this.link.closed === null) {
      try {
        await this.repl.leave();
      } catch {
        // The link may already be gone; closing is all that is left to do.
      }
    }
    await this.link.close();
  }
}
