/**
 * A HeapProfile read back from JSON (a recording's `profile` event, a page's data), checked so
 * that a damaged or hand-edited file gives a clear error instead of a view that breaks later.
 * Browser-safe.
 */
import type { HeapProfile, ProfileOwner } from './profile.js';

const OWNERS: readonly ProfileOwner[] = ['script', 'compile', 'shims', 'mpheap'];

export class ProfileFormatError extends Error {}

/** The profile in `value`, or a ProfileFormatError that names the first field that is wrong. */
export function readHeapProfile(value: unknown): HeapProfile {
  const p = obj(value, 'the profile');
  const frames = arr(p.frames, 'frames');
  frames.forEach((f, i) => {
    const o = obj(f, `frames[${i}]`);
    str(o.file, `frames[${i}].file`);
    int(o.line, `frames[${i}].line`);
    str(o.function, `frames[${i}].function`);
  });
  arr(p.stacks, 'stacks').forEach((s, i) => {
    const o = obj(s, `stacks[${i}]`);
    const fr = arr(o.frames, `stacks[${i}].frames`);
    fr.forEach((f, k) => {
      if (!Number.isInteger(f) || (f as number) < 0 || (f as number) >= frames.length)
        fail(`stacks[${i}].frames[${k}] is not a frame index`);
    });
    owner(o.owner, `stacks[${i}].owner`);
    if (o.scriptFrame !== null) {
      const k = int(o.scriptFrame, `stacks[${i}].scriptFrame`);
      if (k < 0 || k >= fr.length) fail(`stacks[${i}].scriptFrame is not one of its frames`);
    }
    for (const key of ['allocations', 'bytes', 'aliveAtEnd', 'aliveBytesAtEnd'])
      int(o[key], `stacks[${i}].${key}`);
  });
  arr(p.lines, 'lines').forEach((l, i) => {
    const o = obj(l, `lines[${i}]`);
    str(o.file, `lines[${i}].file`);
    str(o.function, `lines[${i}].function`);
    str(o.text, `lines[${i}].text`);
    for (const key of ['line', 'bytes']) int(o[key], `lines[${i}].${key}`);
    // A board's probes know bytes only: what they cannot know is null.
    for (const key of ['allocations', 'aliveAtEnd', 'aliveBytesAtEnd', 'aliveAtPeak'])
      intOrNull(o[key], `lines[${i}].${key}`);
  });
  arr(p.functions, 'functions').forEach((f, i) => {
    const o = obj(f, `functions[${i}]`);
    str(o.file, `functions[${i}].file`);
    str(o.function, `functions[${i}].function`);
    for (const key of ['line', 'bytes']) int(o[key], `functions[${i}].${key}`);
    for (const key of ['allocations', 'totalAllocations', 'totalBytes', 'aliveAtEnd'])
      intOrNull(o[key], `functions[${i}].${key}`);
  });
  arr(p.other, 'other').forEach((x, i) => {
    const o = obj(x, `other[${i}]`);
    if (owner(o.owner, `other[${i}].owner`) === 'script') fail(`other[${i}].owner is the script`);
    for (const key of ['bytes', 'aliveBytesAtEnd']) int(o[key], `other[${i}].${key}`);
    for (const key of ['allocations', 'aliveAtEnd']) intOrNull(o[key], `other[${i}].${key}`);
  });
  arr(p.leaks, 'leaks').forEach((x, i) => {
    const o = obj(x, `leaks[${i}]`);
    str(o.file, `leaks[${i}].file`);
    str(o.function, `leaks[${i}].function`);
    for (const key of ['line', 'aliveFirst', 'aliveLast', 'growths', 'collections', 'bytesAtEnd'])
      int(o[key], `leaks[${i}].${key}`);
  });
  if (typeof p.exact !== 'boolean') fail('exact is not true or false');
  str(p.precision, 'precision');
  int(p.blockSize, 'blockSize');
  int(p.collections, 'collections');
  if (p.peakUsedBytes !== null) int(p.peakUsedBytes, 'peakUsedBytes');
  // How a board's profile was made; absent in profiles written before boards had one.
  if (p.board !== undefined && p.board !== null) obj(p.board, 'board');
  return { ...(value as HeapProfile), board: (p.board as HeapProfile['board']) ?? null };
}

function fail(what: string): never {
  throw new ProfileFormatError(`profile: ${what}`);
}
function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${what} is not an object`);
  return v as Record<string, unknown>;
}
function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) fail(`${what} is not a list`);
  return v;
}
function str(v: unknown, what: string): string {
  if (typeof v !== 'string') fail(`${what} is not text`);
  return v;
}
function int(v: unknown, what: string): number {
  if (!Number.isInteger(v)) fail(`${what} is not a whole number`);
  return v as number;
}
function intOrNull(v: unknown, what: string): number | null {
  if (v === null || v === undefined) return null;
  return int(v, what);
}
function owner(v: unknown, what: string): ProfileOwner {
  if (!OWNERS.includes(v as ProfileOwner)) fail(`${what} is not one of ${OWNERS.join(', ')}`);
  return v as ProfileOwner;
}
