/**
 * Some firmware cannot register a module from RAM: MicroPython 1.9.2 on the micro:bit has no
 * `sys.modules` and `import` cannot be overridden. There the module object lives in a global of
 * the same name, and the import statements of later code are rewritten to use it, each on its
 * own line so tracebacks keep their line numbers:
 *
 *   import mpheap              →  pass           (the global is already there)
 *   import gc, mpheap as m     →  import gc; m = mpheap
 *   from mpheap import snap    →  snap = mpheap.snap
 */
export function rewriteImports(code: string, modules: ReadonlySet<string>): string {
  if (modules.size === 0) return code;
  return code
    .split('\n')
    .map((line) => rewriteLine(line, modules))
    .join('\n');
}

function rewriteLine(line: string, modules: ReadonlySet<string>): string {
  const from = /^(\s*)from\s+([A-Za-z_]\w*)\s+import\s+(.+?)\s*(#.*)?$/.exec(line);
  if (from && modules.has(from[2])) {
    const [, indent, mod, what] = from;
    const names = what
      .replace(/^\(|\)$/g, '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (names.length === 1 && names[0] === '*') {
      return `${indent}for _k in dir(${mod}): globals()[_k] = getattr(${mod}, _k)`;
    }
    return `${indent}${names.map((n) => assignment(n, (x) => `${mod}.${x}`)).join('; ')}`;
  }
  const imp = /^(\s*)import\s+(.+?)\s*(#.*)?$/.exec(line);
  if (!imp) return line;
  const [, indent, what] = imp;
  const items = what.split(',').map((s) => s.trim());
  const kept: string[] = [];
  const assigned: string[] = [];
  for (const item of items) {
    const m = /^([A-Za-z_]\w*)(?:\s+as\s+([A-Za-z_]\w*))?$/.exec(item);
    if (m && modules.has(m[1])) {
      if (m[2] && m[2] !== m[1]) assigned.push(`${m[2]} = ${m[1]}`);
    } else kept.push(item);
  }
  if (kept.length === items.length) return line;
  const parts = [...(kept.length > 0 ? [`import ${kept.join(', ')}`] : []), ...assigned];
  return `${indent}${parts.length > 0 ? parts.join('; ') : 'pass'}`;
}

function assignment(item: string, value: (name: string) => string): string {
  const m = /^([A-Za-z_]\w*)(?:\s+as\s+([A-Za-z_]\w*))?$/.exec(item);
  if (!m) return item;
  return `${m[2] ?? m[1]} = ${value(m[1])}`;
}
