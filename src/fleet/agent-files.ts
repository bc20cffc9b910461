/**
 * The agent's MicroPython files (agent/ at the repository root, shipped in the npm package) and
 * their installation on a board over the raw REPL: each file is written in small pieces and read
 * back by length and checksum, since a busy board's UART can drop bytes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../engines/engine.js';
import { pythonString } from '../engines/python/quote.js';
import { fletcher16 } from './record.js';

/** agent/ beside src/ or dist/. */
export const AGENT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'agent');

export interface AgentFile {
  name: string;
  source: string;
}

/** The agent's modules, with comment lines and blank lines taken out (less to send and to lex). */
export function agentFiles(opts: { strip?: boolean } = {}): AgentFile[] {
  return readdirSync(AGENT_DIR)
    .filter((f) => /^mpheap_agent\w*\.py$/.test(f))
    .sort()
    .map((f) => {
      const text = readFileSync(join(AGENT_DIR, f), 'utf8');
      const source =
        opts.strip === false
          ? text
          : `${text
              .split('\n')
              .filter((l) => !/^\s*#/.test(l) && l.trim() !== '')
              .join('\n')}\n`;
      return { name: f, source };
    });
}

/** Writes the agent's files onto the board's filesystem and checks each one read back. */
export async function installAgent(
  engine: Engine,
  onFile?: (name: string, bytes: number) => void,
): Promise<void> {
  for (const f of agentFiles()) {
    const run = async (code: string) => {
      const r = await engine.exec(code, { timeoutMs: 20_000 });
      if (r.error) throw new Error(`installing ${f.name}: ${r.error.type}: ${r.error.message}`);
      if (r.timedOut) throw new Error(`installing ${f.name}: the board stopped answering`);
      return r.output;
    };
    await run(`_f = open(${pythonString(f.name)}, 'w')`);
    for (let i = 0; i < f.source.length; i += 200)
      await run(`_f.write(${pythonString(f.source.slice(i, i + 200))})`);
    const out = await run(
      [
        '_f.close()',
        `_f = open(${pythonString(f.name)})`,
        '_a = _b = _n = 0',
        'while True:',
        // Read in small pieces: a 10 KB heap may not have the whole file in one block.
        '    _s = _f.read(64)',
        '    if not _s:',
        '        break',
        '    _n += len(_s)',
        '    for _c in _s:',
        '        _a = (_a + ord(_c)) % 255',
        '        _b = (_b + _a) % 255',
        '_f.close()',
        'print(_n, _b * 256 + _a)',
        'del _f, _s, _a, _b, _n',
      ].join('\n'),
    );
    const want = `${f.source.length} ${fletcher16(f.source)}`;
    if (out.trim() !== want)
      throw new Error(
        `installing ${f.name}: the board holds something else (read back ${out.trim()}, sent ${want})`,
      );
    onFile?.(f.name, f.source.length);
  }
}
