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

/** What execVerified's checker prints before it runs the code, and when it refuses it. */
const ACK = '\x06';
const DAMAGED = 'mpheap: damaged';
const VERIFIED_ATTEMPTS = 4;

/** The checker: code points counted and summed as codeCheck does, then exec in the globals. */
const VERIFIER = [
  'def _mpheap_x(s, n, c):',
  '    a = b = k = 0',
  '    for ch in s:',
  '        a = (a + ord(ch)) % 255',
  '        b = (b + a) % 255',
  '        k += 1',
  '    if k != n or b * 256 + a != c:',
  `        print('${DAMAGED}')`,
  '        return',
  "    print('\\x06', end='')",
  '    exec(s, globals())',
].join('\n');

/** Fletcher-16 (mod 255) over the code points, as the checker computes it with ord(). */
function codeCheck(code: string): number {
  let a = 0;
  let b = 0;
  for (const ch of code) {
    a = (a + (ch.codePointAt(0) ?? 0)) % 255;
    b = (b + a) % 255;
  }
  return b * 256 + a;
}

/** Sends of mpheap's own code before a SyntaxError is taken as the answer (execOwn). */
const OWN_CODE_ATTEMPTS = 3;

/** A SyntaxError (IndentationError is one) from code that compiles: bytes were lost. */
function isDamaged(r: ExecResult): boolean {
  return r.error !== null && /^(SyntaxError|IndentationError)$/.test(r.error.type);
}

export class SerialEngine implements Engine {
  readonly link: BoardLink;
  readonly repl: RawRepl;
  info: EngineInfo;
  /** Modules that live in a global because the firmware has no sys.modules (module-imports.ts). */
  private readonly globalModules = new Set<string>();
  private readonly softResetOnLoad: boolean;
  /** The checker of execVerified is defined on the board (until a reset or dropVerifier). */
  private verifierReady = false;

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
    const r = await this.execOwn(IDENTIFY);
    if (r.error)
      throw new Error(`${this.link.name}: the board could not describe itself:\n${r.error.traceback}`);
    const [platform, version, is64, heap] = r.output.trim().split(/\r?\n/);
    this.info = {
      ...this.info,
      description: `MicroPython ${version} on ${platform} (${this.link.name})`,
      version: version ?? null,
      wordSize: is64 === 'True' ? 8 : 4,
      heapSize: heap && /^\d+$/.test(heap) ? Number(heap) : null,
    };
  }

  /**
   * Runs mpheap's own code, which is known to compile: a SyntaxError from it can only mean that
   * bytes were lost on the way in (a busy board drops input it cannot hold, and a lost byte that
   * is not the final Ctrl-D goes unnoticed by the raw REPL), so it is sent again, up to 3 times.
   * Never for a user's script, whose SyntaxError is real.
   */
  async execOwn(code: string, opts: ExecOptions = {}): Promise<ExecResult> {
    for (let attempt = 1; ; attempt++) {
      const r = await this.exec(code, opts);
      if (!isDamaged(r) || attempt === OWN_CODE_ATTEMPTS) return r;
      this.repl.retries++;
    }
  }

  /**
   * Runs mpheap's own code exactly as sent, or not at all: the board checks its length and
   * checksum before running it (a checker defined once, itself tried on a right and a wrong
   * checksum), and it is sent again until it arrives whole. For code whose damage could still
   * compile and do something else (a digit lost in a file write). The code runs through exec(),
   * so its source is held in the board's heap while it runs, and the checker stays in the
   * board's globals until dropVerifier(): not for code whose heap is being measured.
   */
  async execVerified(code: string, opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
    const call = `_mpheap_x(${pythonString(code)}, ${[...code].length}, ${codeCheck(code)})`;
    let last = '';
    for (let attempt = 1; attempt <= VERIFIED_ATTEMPTS; attempt++) {
      if (!this.verifierReady) await this.defineVerifier();
      const r = await this.exec(call, opts);
      // The checker says ACK before it runs the code: from then on, what happened is real.
      if (r.output.startsWith(ACK)) return { ...r, output: r.output.slice(ACK.length) };
      if (r.timedOut) return r;
      last = r.error ? `${r.error.type}: ${r.error.message}` : r.output.trim();
      if (r.error?.type === 'NameError' && r.error.message.includes('_mpheap_x')) this.verifierReady = false;
      this.repl.retries++;
    }
    throw new Error(
      `${this.link.name}: the board received ${code.length} bytes of code damaged ${VERIFIED_ATTEMPTS} times (last: ${last})`,
    );
  }

  /** Removes execVerified's checker from the board's globals. */
  async dropVerifier(): Promise<void> {
    if (!this.verifierReady) return;
    this.verifierReady = false;
    await this.exec('try:\n    del _mpheap_x\nexcept NameError:\n    pass');
  }

  private async defineVerifier(): Promise<void> {
    const probe = 'print(6*7)';
    const ok = `_mpheap_x(${pythonString(probe)}, ${probe.length}, ${codeCheck(probe)})`;
    const wrong = `_mpheap_x(${pythonString(probe)}, ${probe.length}, ${(codeCheck(probe) + 1) % 65536})`;
    for (let attempt = 1; attempt <= VERIFIED_ATTEMPTS; attempt++) {
      const def = await this.exec(VERIFIER);
      // Defined as sent only if it accepts the right checksum and refuses a wrong one.
      if (!def.error) {
        const a = await this.exec(ok);
        const b = await this.exec(wrong);
        if (a.output === `${ACK}42\r\n` && b.output.trim() === DAMAGED && !a.error && !b.error) {
          this.verifierReady = true;
          return;
        }
      }
      this.repl.retries++;
    }
    throw new Error(
      `${this.link.name}: could not define a code checker on the board: input keeps arriving damaged`,
    );
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
    const r = await this.execOwn(code);
    if (r.error)
      throw new Error(`${this.link.name}: cannot define module ${name} on the board:\n${r.error.traceback}`);
    if (r.output.trim() === 'global') this.globalModules.add(name);
  }

  async interrupt(): Promise<void> {
    await this.link.write('\x03');
  }

  async reset(): Promise<void> {
    await this.repl.softReset();
    this.globalModules.clear();
    this.verifierReady = false;
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
