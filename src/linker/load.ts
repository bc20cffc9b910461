/**
 * Reads linker scripts from disk the way `ld -T a.ld -T b.ld -L dir` does: the scripts in order as one
 * script, each INCLUDE looked up next to the script that includes it, then in the -L and SEARCH_DIR
 * folders, then in the current folder.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Expr, Statement } from './ast.js';
import type { Diagnostic } from './evaluate.js';
import { parseExpression, parseScript } from './parser.js';
import { LinkerScriptError, type SourceLocation, SourceText } from './source.js';

export interface LoadedScripts {
  statements: Statement[];
  /** Every file read, the INCLUDEd ones too, in the order read. */
  files: string[];
  diagnostics: Diagnostic[];
}

export interface LoadOptions {
  /** -L folders for INCLUDE. */
  searchDirs?: string[];
  /** Reads a file (tests may replace it); defaults to the file system. */
  readFile?: (path: string) => string;
}

export function loadScripts(paths: string[], opts: LoadOptions = {}): LoadedScripts {
  const read = opts.readFile ?? ((p: string) => readFileSync(p, 'latin1'));
  const searchDirs = [...(opts.searchDirs ?? [])];
  const files: string[] = [];
  const diagnostics: Diagnostic[] = [];
  const statements: Statement[] = [];

  const isFile = (p: string) => {
    try {
      return existsSync(p) && statSync(p).isFile();
    } catch {
      return false;
    }
  };
  const open = (path: string): SourceText => {
    files.push(path);
    const src = new SourceText(path, read(path));
    const cpp = /^[ \t]*#[ \t]*(if|ifdef|ifndef|else|elif|endif|define|include)\b/m.exec(src.text);
    if (cpp)
      diagnostics.push({
        severity: 'warning',
        message: `C-preprocessor lines (#${cpp[1]}...) are skipped: every branch of an #if is read, as if all were true`,
        loc: src.locationAt(cpp.index + cpp[0].indexOf('#')),
      });
    return src;
  };

  for (const path of paths) {
    const src = open(path);
    // A script the user named that holds nothing is a mistake (a failed download, the wrong file).
    if (src.text.trim() === '')
      throw new LinkerScriptError('the file is empty: no linker script in it', {
        file: path,
        line: 1,
        col: 1,
      });
    statements.push(
      ...parseScript(src, {
        resolveInclude: (name, from) => {
          const candidates = isAbsolute(name)
            ? [name]
            : [
                resolve(dirname(from.file), name),
                ...searchDirs.map((d) => resolve(d, name)),
                resolve(process.cwd(), name),
              ];
          const found = candidates.find(isFile);
          if (!found) return null;
          return open(relativeIfUnder(found, dirname(from.file), name));
        },
        onWarning: (message, loc) => diagnostics.push({ severity: 'warning', message, loc }),
        onSearchDir: (dir, from) => searchDirs.push(resolve(dirname(from.file), dir)),
      }),
    );
  }
  return { statements, files, diagnostics };
}

/** Keeps INCLUDEd paths as readable as the user's own (`boards/common_isr.ld`, not an absolute path). */
function relativeIfUnder(found: string, fromDir: string, name: string): string {
  const local = resolve(fromDir, name);
  if (found === local) {
    const rel = `${fromDir === '.' ? '' : `${fromDir}/`}${name}`;
    return isAbsolute(fromDir) ? found : rel;
  }
  return found;
}

/**
 * `--defsym NAME=VALUE` as ld reads it: VALUE is an expression (`8`, `0x2000`, `16K`, `other + 4`).
 * Errors point into the option text, column counted from the start of NAME=VALUE.
 */
export function parseDefsym(text: string, index: number): { name: string; expr: Expr; loc: SourceLocation } {
  const file = `--defsym #${index + 1}`;
  const m = /^\s*([A-Za-z_.$][A-Za-z0-9_.$]*)\s*=(.*)$/s.exec(text);
  if (!m) throw new LinkerScriptError(`expected NAME=VALUE, found '${text}'`, { file, line: 1, col: 1 });
  const valueStart = text.indexOf('=') + 1;
  // Pad so columns in errors count from the start of the whole option value.
  const src = new SourceText(file, ' '.repeat(valueStart) + m[2]);
  return { name: m[1], expr: parseExpression(src), loc: { file, line: 1, col: 1 } };
}
