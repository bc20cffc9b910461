/**
 * A real board (or the emulated micro:bit) as an Engine (src/engines/engine.ts): the raw REPL for
 * the handshakes (interrupt, soft reset), then every exec is one paste of checked code at the
 * friendly REPL's prompt (verified-exec.ts). `mpheap run --port` and the bench are written
 * against this.
 * Portable: give it any Transport (Node serial/TCP, WebSerial).
 */
import type { Engine, EngineInfo, ExecOptions, ExecResult, PythonErrorInfo } from '../engines/engine.js';
import { pythonString } from '../engines/python/quote.js';
import { parseTraceback } from '../engines/traceback.js';
import { BoardLink } from './link.js';
import { rewriteImports } from './module-imports.js';
import { RawRepl, type RawReplOptions } from './raw-repl.js';
import type { Transport } from './transport.js';
import { execFramed, FRAME_LINES, OWN_FRAME_LINES, PROMPT, tracebackOfFramed } from './verified-exec.js';

export interface SerialEngineOptions extends RawReplOptions {
  /** `serial` by default; the emulator passes `microbit`. */
  kind?: string;
  /**
   * Soft-reset the board when loading, so a script starts from a fresh interpreter and a heap
   * that holds nothing of what ran before (as mpremote does before running a script). Off for
   * `monitor`, which must attach without disturbing the board.
   */
  softReset?: boolean;
}

/**
 * Live heap bytes right now, after a collection, binding no name: measured the same way before
 * and after mpheap defines its helper, so the difference is the helper's.
 */
const HEAP_IN_USE = "print([__import__('gc').collect()] and __import__('gc').mem_alloc())";
/** Names mpheap's helper functions carry on the board, so tracebacks can tell them from the script's. */
const OWN_PREFIX = '_mpheap_';

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
  /** Modules that live in a global because the firmware has no sys.modules (module-imports.ts). */
  private readonly globalModules = new Set<string>();
  private readonly softResetOnLoad: boolean;
  /** Functions of the modules defined on the board, and their module (their frames are not the script's). */
  private readonly ownFunctions = new Map<string, string>();
  /** Code sent again because it did not arrive intact (see verified-exec.ts). */
  resends = 0;

  constructor(transport: Transport, opts: SerialEngineOptions = {}) {
    this.softResetOnLoad = opts.softReset === true;
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
      collectBeforeStart: true,
    };
  }

  /** Opens the port, stops whatever runs (soft-resets it if asked), and learns what the board is. */
  async load(): Promise<void> {
    await this.link.open();
    await this.repl.enter();
    if (this.softResetOnLoad) await this.repl.softReset();
    await this.toPrompt();
    const r = await this.execChecked(IDENTIFY);
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

  /** From the raw REPL (where the handshakes happen) to the friendly REPL's prompt, where code runs. */
  private async toPrompt(): Promise<void> {
    if (!this.repl.active) return;
    await this.repl.leave();
    await this.link.waitFor(PROMPT, {
      timeoutMs: this.repl.answerTimeoutMs,
      what: 'the friendly REPL prompt',
    });
  }

  /** mpheap's own code, run once the board holds it intact (verified-exec.ts). */
  private async execChecked(code: string) {
    const r = await execFramed(this.link, code, {
      timeoutMs: this.repl.answerTimeoutMs * 4,
      answerTimeoutMs: this.repl.answerTimeoutMs,
      own: true,
    });
    this.countResends(r.resends);
    return r;
  }

  /** Code sent again is worth a note in the summary: the link loses bytes. */
  private countResends(n: number): void {
    if (n === 0) return;
    this.resends += n;
    const note = `the link lost or damaged bytes: code was sent again ${this.resends} time${this.resends === 1 ? '' : 's'} (the board never ran code it had not received whole)`;
    const others = (this.info.warnings ?? []).filter((w) => !w.startsWith('the link lost'));
    this.info = { ...this.info, warnings: [...others, note] };
  }

  /**
   * Live heap bytes (HEAP_IN_USE), sent at least `size` bytes long: the REPL keeps its line
   * buffer at the size of the longest input it read, so a measurement before mpheap defines its
   * helper is sent as long as that definition, and the buffer is the same in both.
   */
  private async heapInUse(size = 0): Promise<number | null> {
    const pad = size > HEAP_IN_USE.length ? `\n#${'-'.repeat(size - HEAP_IN_USE.length)}` : '';
    const r = await this.execChecked(HEAP_IN_USE + pad);
    const n = r.output.trim();
    return r.error === '' && /^\d+$/.test(n) ? Number(n) : null;
  }

  /** Runs code once the board's echo proved it holds it intact (verified-exec.ts). */
  async exec(code: string, opts: ExecOptions = {}): Promise<ExecResult> {
    await this.toPrompt();
    const r = await execFramed(this.link, rewriteImports(code, this.globalModules), {
      onOutput: opts.onOutput,
      timeoutMs: opts.timeoutMs,
      answerTimeoutMs: this.repl.answerTimeoutMs,
      own: opts.own !== undefined && opts.own !== false,
    });
    this.countResends(r.resends);
    const filename = opts.filename ?? '<stdin>';
    const shift = opts.own ? OWN_FRAME_LINES : FRAME_LINES;
    let error =
      r.error === ''
        ? null
        : parseTraceback(tracebackOfFramed(r.error, filename, this.ownFunctions, shift), null, filename);
    if (r.heapUnlocks > 0) error = heapLockedError(error, r.heapUnlocks);
    return { output: r.output, error, timedOut: r.timedOut };
  }

  /**
   * Defines a module in the board's RAM (never on its filesystem), as small as it can be: the
   * source runs in a dict of its own, which becomes the namespace of a class made with type()
   * (the cheapest object with attributes on 1.9.2, which cannot create module objects from
   * Python); the class is registered in sys.modules so `import name` finds it, or kept in a
   * global of that name where there is no sys.modules. Its top-level functions are defined under
   * OWN_PREFIX names with an alias, so their traceback frames are told apart from the script's.
   * Then the heap it holds is measured into `info.mpheapBytes`.
   */
  async provideModule(name: string, source: string): Promise<void> {
    if (!/^[A-Za-z_]\w*$/.test(name)) throw new Error(`'${name}' is not a module name`);
    const lines = source.replace(/\r\n?/g, '\n').split('\n');
    const aliases: string[] = [];
    const renamed = lines.map((line) => {
      const def = /^def ([A-Za-z_]\w*)\(/.exec(line);
      if (!def) return line;
      this.ownFunctions.set(OWN_PREFIX + def[1], name);
      aliases.push(`${def[1]}=${OWN_PREFIX}${def[1]}`);
      return `def ${OWN_PREFIX}${def[1]}(${line.slice(def[0].length)}`;
    });
    const module = `${renamed.join('\n')}\n${aliases.join('\n')}\n`;
    const code = [
      '_mpheap_g={}',
      `exec(${pythonString(module)},_mpheap_g)`,
      `_mpheap_m=type(${pythonString(name)},(),_mpheap_g)`,
      'try:',
      `    __import__('sys').modules[${pythonString(name)}]=_mpheap_m`,
      'except AttributeError:',
      `    globals()[${pythonString(name)}]=_mpheap_m`,
      "    print('global')",
      'del _mpheap_g,_mpheap_m',
    ].join('\n');
    const before = await this.heapInUse(code.length);
    const r = await this.execChecked(code);
    if (r.error) throw new Error(`${this.link.name}: cannot define module ${name} on the board:\n${r.error}`);
    if (r.output.trim() === 'global') this.globalModules.add(name);
    const after = await this.heapInUse();
    this.info = { ...this.info, mpheapBytes: after !== null && before !== null ? after - before : null };
  }

  async interrupt(): Promise<void> {
    await this.link.write('\x03');
  }

  async reset(): Promise<void> {
    await this.repl.softReset();
    await this.toPrompt();
    this.globalModules.clear();
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

/**
 * The code left the heap locked (micropython.heap_lock() without heap_unlock()); the frame
 * released it. On a board alone the REPL could then allocate nothing and would ignore all input.
 * An exception raised while the heap was locked is reported as part of it: MicroPython could not
 * allocate it (a MemoryError stands in) nor record its traceback, so its line means nothing.
 */
function heapLockedError(error: PythonErrorInfo | null, levels: number): PythonErrorInfo {
  const lock = `micropython.heap_lock() ${levels === 1 ? 'once' : `${levels} times`} without heap_unlock()`;
  const message = error
    ? `${error.type}${error.message ? `: ${error.message}` : ''} raised while the heap was locked (${lock}): ` +
      "MicroPython could not record the exception's details; mpheap unlocked the heap"
    : `the script left the heap locked (${lock}): the board could have run nothing more; mpheap unlocked it`;
  return { type: 'HeapLocked', message, traceback: `HeapLocked: ${message}\n`, line: null };
}
