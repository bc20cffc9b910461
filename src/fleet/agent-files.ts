/**
 * The agent's MicroPython files (agent/ at the repository root, shipped in the npm package) and
 * their installation on a board over the raw REPL: each file is written in small pieces and read
 * back by length and checksum, since a busy board's UART can drop bytes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SerialEngine } from '../device/serial-engine.js';
import { pythonString } from '../engines/python/quote.js';
import { fletcher16 } from './record.js';

/** agent/ beside src/ or dist/. */
export const AGENT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'agent');

export interface AgentFile {
  name: string;
  source: string;
}

/** The agent's modules, with comment lines and blank lines taken out (less to send and to lex). */
export function agentFiles(): AgentFile[] {
  return readdirSync(AGENT_DIR)
    .filter((f) => /^mpheap_agent\w*\.py$/.test(f))
    .sort()
    .map((f) => {
      const text = readFileSync(join(AGENT_DIR, f), 'utf8');
      const source = `${text
        .split('\n')
        .filter((l) => !/^\s*#/.test(l) && l.trim() !== '')
        .join('\n')}\n`;
      return { name: f, source };
    });
}

/** Characters of a file sent in one raw-REPL exchange: well under a 10 KB heap's free room. */
const PIECE_CHARS = 160;
/** Sends of one piece before the installation gives up. */
const PIECE_ATTEMPTS = 4;

/**
 * Defined on the board for the installation: writes a piece only when it arrived whole (its
 * length and Fletcher-16 are what the host sent), and says which. A byte lost on the way in
 * the code around the piece is a SyntaxError instead; either way the host sends it again.
 */
const PIECE_WRITER = [
  'def _mpheap_piece(f, s, n, c):',
  '    a = b = 0',
  '    for ch in s:',
  '        a = (a + ord(ch)) % 255',
  '        b = (b + a) % 255',
  '    if len(s) == n and b * 256 + a == c:',
  '        f.write(s)',
  "        print('piece ok')",
  '    else:',
  "        print('piece damaged')",
].join('\n');

/** Reads a file back in small pieces (a 10 KB heap may not hold a whole file in one block). */
function readBackCode(name: string): string {
  return [
    `_f = open(${pythonString(name)})`,
    '_a = _b = _n = 0',
    'while True:',
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
  ].join('\n');
}

export interface InstallProgress {
  file: string;
  bytes: number;
  /** Pieces sent again because the board received them damaged. */
  resent: number;
}

/**
 * Writes the agent's files onto the board's filesystem. Each piece is checked on the board
 * before it is written and sent again when damaged; each file is then read back and compared.
 */
export async function installAgent(
  engine: SerialEngine,
  onFile?: (p: InstallProgress) => void,
  files: AgentFile[] = agentFiles(),
): Promise<InstallProgress[]> {
  const done: InstallProgress[] = [];
  const run = async (code: string, what: string) => {
    const r = await engine.exec(code, { timeoutMs: 20_000 });
    if (r.timedOut) throw new Error(`${what}: the board stopped answering`);
    return r;
  };
  // Code around the pieces must run exactly as sent (a lost digit in the checker or the read-back
  // would compile and lie): every exec runs only what the board echoed back whole
  // (device/verified-exec.ts); the pieces carry their own checksum on top.
  const must = async (code: string, what: string) => {
    const r = await engine.exec(code, { timeoutMs: 20_000, own: true });
    if (r.timedOut) throw new Error(`${what}: the board stopped answering`);
    if (r.error) throw new Error(`${what}: ${r.error.type}: ${r.error.message}`);
    return r.output;
  };
  await must(PIECE_WRITER, 'preparing the installation');
  try {
    for (const f of files) {
      const what = `installing ${f.name}`;
      let resent = 0;
      await must(`_f = open(${pythonString(f.name)}, 'w')`, what);
      for (let i = 0; i < f.source.length; i += PIECE_CHARS) {
        const piece = f.source.slice(i, i + PIECE_CHARS);
        const call = `_mpheap_piece(_f, ${pythonString(piece)}, ${piece.length}, ${fletcher16(piece)})`;
        for (let attempt = 1; ; attempt++) {
          const r = await run(call, what);
          if (!r.error && r.output.trim() === 'piece ok') break;
          if (attempt === PIECE_ATTEMPTS)
            throw new Error(
              `${what}: the piece at character ${i} arrived damaged ${attempt} times` +
                ` (${r.error ? `${r.error.type}: ${r.error.message}` : r.output.trim()})`,
            );
          resent++;
        }
      }
      await must('_f.close()', what);
      const back = (await must(readBackCode(f.name), what)).trim();
      const want = `${f.source.length} ${fletcher16(f.source)}`;
      if (back !== want)
        throw new Error(`${what}: the board holds something else (read back ${back}, sent ${want})`);
      const p = { file: f.name, bytes: f.source.length, resent };
      done.push(p);
      onFile?.(p);
    }
  } finally {
    // Whatever happened, leave no helper or open file behind on the board.
    await run(
      'try:\n    _f.close()\n    del _f\nexcept NameError:\n    pass\ntry:\n    del _mpheap_piece\nexcept NameError:\n    pass',
      'finishing the installation',
    ).catch(() => {});
  }
  return done;
}
