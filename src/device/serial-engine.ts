/**
 * A real board (or the emulated micro:bit) as an Engine (src/engines/engine.ts): every exec is one
 * raw-REPL exchange. `mpheap run --port` and the bench are written against this.
 * Portable: give it any Transport (Node serial/TCP, WebSerial).
 */
import type { Engine, EngineInfo, ExecOptions, ExecResult } from '../engines/engine.js';
import { pythonString } from '../engines/python/quote.js';
import { parseTraceback, renameTracebackFile } from '../engines/traceback.js';
import { BoardLink } from './link.js';
import { rewriteImports } from './module-imports.js';
import { RawRepl, type RawReplOptions } from './raw-repl.js';
import type { Transport } from './transport.js';

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
    };
  }

  /** Opens the port, stops whatever runs, enters the raw REPL and learns what the board is. */
  async load(): Promise<void> {
    await this.link.open();
    await this.repl.enter();
    if (this.softResetOnLoad) await this.repl.softReset();
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
    const r = await this.repl.exec(rewriteImports(code, this.globalModules), {
      onOutput: opts.onOutput,
      timeoutMs: opts.timeoutMs,
    });
    if (r.error === '') return { output: r.output, error: null, timedOut: r.timedOut };
    const filename = opts.filename ?? '<stdin>';
    const traceback = filename === '<stdin>' ? r.error : renameTracebackFile(r.error, '<stdin>', filename);
    return { output: r.output, error: parseTraceback(traceback, null, filename), timedOut: r.timedOut };
  }

  /**
   * Defines a module in the board's RAM (never on its filesystem): the source runs in its own
   * namespace, which is registered in sys.modules so `import name` finds it. An object stands in
   * for the module because 1.9.2 cannot create module objects from Python.
   */
  async provideModule(name: string, source: string): Promise<void> {
    if (!/^[A-Za-z_]\w*$/.test(name)) throw new Error(`'${name}' is not a module name`);
    const code = [
      'def _mpheap_define(name, source):',
      '    import sys',
      "    g = {'__name__': name}",
      '    exec(source, g)',
      '    class Module:',
      '        pass',
      '    m = Module()',
      '    for k in g:',
      '        setattr(m, k, g[k])',
      '    try:',
      '        sys.modules[name] = m',
      '    except AttributeError:',
      '        globals()[name] = m',
      "        print('global')",
      `_mpheap_define(${pythonString(name)}, ${pythonString(source)})`,
      'del _mpheap_define',
    ].join('\n');
    const r = await this.repl.exec(code);
    if (r.error) throw new Error(`${this.link.name}: cannot define module ${name} on the board:\n${r.error}`);
    if (r.output.trim() === 'global') this.globalModules.add(name);
  }

  async interrupt(): Promise<void> {
    await this.link.write('\x03');
  }

  async reset(): Promise<void> {
    await this.repl.softReset();
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
