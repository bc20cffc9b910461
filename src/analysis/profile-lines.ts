/**
 * A snapshot's profile read by source line: which lines' allocations held the heap at that
 * moment. Browser-safe: the summary, `--json` and the web views all use it.
 */
import type {
  HeapProfile,
  ProfileFrame,
  ProfileOwner,
  ProfileStack,
  SnapshotProfile,
} from '../snapshot/profile.js';

export interface AliveByLine {
  /** The script's line, or null for what no script line made (see owner). */
  line: number | null;
  function: string | null;
  owner: ProfileOwner;
  allocations: number;
  bytes: number;
}

/** Each line (and each owner apart from the script) with blocks in use, most bytes first. */
export function aliveByLine(sp: SnapshotProfile, profile: HeapProfile): AliveByLine[] {
  const out = new Map<string, AliveByLine>();
  for (const [stack, count, bytes] of sp.alive) {
    const st = profile.stacks[stack];
    if (!st) continue;
    const f = st.owner === 'script' ? scriptFrameOf(profile, st) : null;
    const key = f ? `line ${f.line}` : st.owner;
    let e = out.get(key);
    if (!e) {
      e = { line: f?.line ?? null, function: f?.function ?? null, owner: st.owner, allocations: 0, bytes: 0 };
      out.set(key, e);
    }
    e.allocations += count;
    e.bytes += bytes;
  }
  return [...out.values()].sort((a, b) => b.bytes - a.bytes);
}

/**
 * The script's innermost frame on a stack: the line that made the allocation (owner 'script') or
 * that called the code which did; null when no script line is on the stack.
 */
export function scriptFrameOf(profile: HeapProfile, st: ProfileStack): ProfileFrame | null {
  return st.scriptFrame === null ? null : (profile.frames[st.frames[st.scriptFrame]] ?? null);
}

/** `line 19 in load_records`, or `line 7` at the top level (or where the function is unknown). */
export function whereText(line: number, fn: string | null): string {
  return `line ${line}${fn && fn !== '<module>' ? ` in ${fn}` : ''}`;
}

export const OWNER_TEXT: Record<ProfileOwner, string> = {
  script: 'the script',
  compile: 'compiling the script (its bytecode)',
  shims: 'the board shims',
  mpheap: "mpheap's own code",
};

/** The source text of a script line, when the profile kept it (lines that allocated for the script). */
export function lineSource(profile: HeapProfile, file: string, line: number): string | null {
  const l = profile.lines.find((x) => x.line === line && x.file === file);
  return l?.text ? l.text : null;
}

/**
 * Where the allocation a block belongs to came from, in words, one fact a line: the line that
 * made it and its code ("line 19 in load_records: records.append(bytearray(48))"), the script's
 * calls that led there, and whose it is when not the script's. Empty for an unknown stack.
 */
export function blockOrigin(profile: HeapProfile, stack: number): string[] {
  const st = profile.stacks[stack];
  if (!st) return [];
  const out: string[] = [];
  if (st.scriptFrame !== null) {
    const f = scriptFrameOf(profile, st);
    if (f) {
      const text = lineSource(profile, f.file, f.line);
      const where = whereText(f.line, f.function);
      out.push(st.owner === 'script' ? `${where}${text ? `: ${text}` : ''}` : `called at ${where}`);
      // The script's own frames that led there, innermost first: "from main (line 26) ← line 37".
      const callers: string[] = [];
      for (let k = st.scriptFrame - 1; k >= 0; k--) {
        const c = profile.frames[st.frames[k]];
        if (!c || c.file !== f.file) break;
        callers.push(
          c.function && c.function !== '<module>' ? `${c.function} (line ${c.line})` : `line ${c.line}`,
        );
      }
      if (callers.length > 0) out.push(`from ${callers.join(' ← ')}`);
    }
  }
  if (st.owner !== 'script') out.unshift(`made by ${OWNER_TEXT[st.owner]}`);
  return out;
}
