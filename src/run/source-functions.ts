/**
 * Which function of a script each line belongs to, read from its source: the profile names an
 * allocation's function by its line (the engine's frames say where, not what it is called).
 *
 * A logical line that starts with `def`, `async def` or `class` opens a scope for the lines
 * indented deeper than it; the scope ends at the next logical line indented no deeper. The
 * `def` line itself (its default arguments, its decorators) runs in the enclosing scope.
 * Lines inside brackets, strings and backslash continuations belong to the line they continue.
 */
import { type ScanState, scanLine } from '../engines/python/scan.js';

export interface LineFunction {
  /** `parse`, `Sensor.read`, `main.<locals>.tick` as Python would say it; `<module>` at top level. */
  name: string;
  /** The line of its `def` (0 for `<module>`). */
  defLine: number;
}

const MODULE: LineFunction = { name: '<module>', defLine: 0 };
const SCOPE = /^(\s*)(?:async\s+)?(def|class)\s+([A-Za-z_][A-Za-z0-9_]*)/;

/** One entry per line (index 0 is line 1). */
export function functionsByLine(source: string): LineFunction[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const st: ScanState = { quote: null, depth: 0, backslash: false };
  const scopes: { indent: number; fn: LineFunction; isClass: boolean }[] = [];
  const out: LineFunction[] = [];
  let current = MODULE;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i];
    const atLogicalStart = st.quote === null && st.depth === 0 && !st.backslash;
    const t = text.trim();
    if (atLogicalStart && t !== '' && !t.startsWith('#')) {
      const indent = indentOf(text);
      while (scopes.length && scopes[scopes.length - 1].indent >= indent) scopes.pop();
      current = scopeFunction(scopes);
      out.push(current);
      const m = SCOPE.exec(text);
      if (m) {
        const outer = scopes[scopes.length - 1];
        const name = !outer
          ? m[3]
          : outer.isClass
            ? `${outer.fn.name}.${m[3]}`
            : `${outer.fn.name}.<locals>.${m[3]}`;
        scopes.push({ indent, fn: { name, defLine: i + 1 }, isClass: m[2] === 'class' });
      }
    } else {
      out.push(current);
    }
    scanLine(text, st);
  }
  return out;
}

/** The innermost function of the open scopes (a class body runs as its own code, named so). */
function scopeFunction(scopes: { fn: LineFunction }[]): LineFunction {
  return scopes.length ? scopes[scopes.length - 1].fn : MODULE;
}

function indentOf(text: string): number {
  let n = 0;
  for (const c of text) {
    if (c === ' ') n++;
    else if (c === '\t') n += 8 - (n % 8);
    else break;
  }
  return n;
}
