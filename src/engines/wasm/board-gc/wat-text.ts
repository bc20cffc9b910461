/**
 * A WebAssembly module as binaryen prints it (the text format, one item per line, children
 * indented by one space per level), with the few edits the transform needs: find a function,
 * replace it, add functions, imports and globals.
 *
 * Why text: the official build is stripped, so its functions are only numbers ($18, $1218…), and
 * the transform recognises gc.c's functions by the shape of their code. That shape is easiest to
 * state, to read in a review and to report when it is missing as the text binaryen prints. The
 * edits are made in the same text, then binaryen parses and validates the whole module again.
 */

export interface WatFunction {
  /** `$18`, `$1218`, `$mpheap_collect_root_range`. */
  name: string;
  /** The whole function, from ` (func` to its closing ` )` line, without the final newline. */
  text: string;
  /** The header line: name, type, params and result. */
  header: string;
}

export class WatText {
  private text: string;

  constructor(text: string) {
    if (!text.startsWith('(module')) throw new Error('not a module in the text format');
    this.text = text;
  }

  toString(): string {
    return this.text;
  }

  /** Every function defined in the module (imports are not functions here), in order. */
  functions(): WatFunction[] {
    const out: WatFunction[] = [];
    const re = /\n \(func (\$[^\s)]+)[^\n]*\n/g;
    for (let m = re.exec(this.text); m; m = re.exec(this.text)) {
      const start = m.index + 1;
      const end = this.text.indexOf('\n )', start);
      if (end < 0) break;
      const text = this.text.slice(start, end + 3);
      out.push({ name: m[1], text, header: text.slice(0, text.indexOf('\n')) });
      re.lastIndex = end + 3;
    }
    return out;
  }

  /** One function by name; throws when there is none. */
  func(name: string): WatFunction {
    const header = new RegExp(`\\n \\(func ${escapeName(name)}(?=[\\s)])`).exec(this.text);
    if (!header) throw new Error(`no function ${name}`);
    const start = header.index + 1;
    const end = this.text.indexOf('\n )', start) + 3;
    const text = this.text.slice(start, end);
    return { name, text, header: text.slice(0, text.indexOf('\n')) };
  }

  /** Replaces a function's whole text (header included). */
  replaceFunction(name: string, text: string): void {
    const old = this.func(name);
    const at = this.text.indexOf(`\n${old.text}`) + 1;
    this.text = this.text.slice(0, at) + text + this.text.slice(at + old.text.length);
  }

  /**
   * Rewrites functions in one pass over the text: `edit` returns a function's new text, or
   * null to keep it. (Replacing functions one by one would copy the whole module each time.)
   */
  mapFunctions(edit: (f: WatFunction) => string | null): void {
    const parts: string[] = [];
    let copied = 0;
    for (const f of this.functions()) {
      const replacement = edit(f);
      if (replacement === null) continue;
      const at = this.text.indexOf(`\n${f.text}`, copied) + 1;
      parts.push(this.text.slice(copied, at), replacement);
      copied = at + f.text.length;
    }
    parts.push(this.text.slice(copied));
    this.text = parts.join('');
  }

  /** Adds functions before the module's closing parenthesis. */
  appendFunctions(text: string): void {
    const end = this.text.lastIndexOf('\n)');
    this.text = `${this.text.slice(0, end)}\n${text.replace(/\n$/, '')}${this.text.slice(end)}`;
  }

  /** Adds import lines after the last import (imports must come before every definition). */
  addImports(lines: string[]): void {
    const re = /\n \(import [^\n]*/g;
    let last = -1;
    for (let m = re.exec(this.text); m; m = re.exec(this.text)) last = m.index + m[0].length;
    if (last < 0) throw new Error('the module has no imports to add to');
    this.text = `${this.text.slice(0, last)}\n${lines.map((l) => ` ${l}`).join('\n')}${this.text.slice(last)}`;
  }

  /** Adds global lines before the first global. */
  addGlobals(lines: string[]): void {
    const at = this.text.indexOf('\n (global ');
    if (at < 0) throw new Error('the module has no globals to add to');
    this.text = `${this.text.slice(0, at)}\n${lines.map((l) => ` ${l}`).join('\n')}${this.text.slice(at)}`;
  }

  /** Adds an export line after the last export. */
  addExport(line: string): void {
    const re = /\n \(export [^\n]*/g;
    let last = -1;
    for (let m = re.exec(this.text); m; m = re.exec(this.text)) last = m.index + m[0].length;
    if (last < 0) throw new Error('the module has no exports to add to');
    this.text = `${this.text.slice(0, last)}\n ${line}${this.text.slice(last)}`;
  }

  /** Renames a global (or any `$name`) everywhere it is written. */
  rename(from: string, to: string): void {
    this.text = this.text.replace(new RegExp(`${escapeName(from)}(?![\\w$.-])`, 'g'), to);
  }

  /** The function an export names: `(export "free" (func $1420))` → `$1420`. */
  exportedFunction(exportName: string): string | null {
    const m = new RegExp(`\\(export "${exportName}" \\(func (\\$[^\\s)]+)\\)\\)`).exec(this.text);
    return m ? m[1] : null;
  }
}

/** Escapes a `$name` for use in a regular expression. */
export function escapeName(name: string): string {
  return name.replace(/[$.*+?^{}()|[\]\\]/g, '\\$&');
}

/** The text on one line, `(a (b))` however it was indented: shapes are matched on this. */
export function flat(text: string): string {
  return text.replace(/\s+\)/g, ')').replace(/\s+/g, ' ').trim();
}
