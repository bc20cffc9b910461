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
  const frames = items(p.frames, 'frames', { text: ['file', 'function'], whole: ['line'] });
  items(p.stacks, 'stacks', {
    whole: ['allocations', 'bytes', 'aliveAtEnd', 'aliveBytesAtEnd'],
  }).forEach((o, i) => {
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
  });
  // A board's probes know bytes only: what they cannot know is null.
  items(p.lines, 'lines', {
    text: ['file', 'function', 'text'],
    whole: ['line', 'bytes'],
    wholeOrNull: ['allocations', 'aliveAtEnd', 'aliveBytesAtEnd', 'aliveAtPeak'],
  });
  items(p.functions, 'functions', {
    text: ['file', 'function'],
    whole: ['line', 'bytes'],
    wholeOrNull: ['allocations', 'totalAllocations', 'totalBytes', 'aliveAtEnd'],
  });
  items(p.other, 'other', {
    whole: ['bytes', 'aliveBytesAtEnd'],
    wholeOrNull: ['allocations', 'aliveAtEnd'],
  }).forEach((o, i) => {
    if (owner(o.owner, `other[${i}].owner`) === 'script') fail(`other[${i}].owner is the script`);
  });
  items(p.leaks, 'leaks', {
    text: ['file', 'function'],
    whole: ['line', 'aliveFirst', 'aliveLast', 'growths', 'collections', 'bytesAtEnd'],
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

/** The fields each item of a list must have: text, whole numbers, whole numbers or null. */
interface ItemFields {
  text?: readonly string[];
  whole?: readonly string[];
  wholeOrNull?: readonly string[];
}

/** The list's items, each checked to be an object with `fields` (the first one wrong is named). */
function items(v: unknown, list: string, fields: ItemFields): Record<string, unknown>[] {
  return arr(v, list).map((x, i) => {
    const at = `${list}[${i}]`;
    const o = obj(x, at);
    for (const key of fields.text ?? []) str(o[key], `${at}.${key}`);
    for (const key of fields.whole ?? []) int(o[key], `${at}.${key}`);
    for (const key of fields.wholeOrNull ?? []) intOrNull(o[key], `${at}.${key}`);
    return o;
  });
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
