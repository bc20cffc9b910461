/**
 * Heap budgets for CI, in the spirit of pytest-memray's `limit_memory`: `--max-used`,
 * `--min-largest-free`, `--no-memory-error`. Each snapshot is checked as it arrives; the run goes
 * on to the end so the recording is whole, and the command then exits 3 naming what was broken
 * and where.
 */
import type { HeapSnapshot } from '../snapshot/snapshot.js';
import { formatBytes } from '../util/size.js';
import type { RunFigures } from './heap-figures.js';

export interface Budgets {
  maxUsed?: number;
  minLargestFree?: number;
  noMemoryError?: boolean;
}

export interface BudgetViolation {
  budget: 'max-used' | 'min-largest-free' | 'no-memory-error';
  /** The limit as given (bytes), null for no-memory-error. */
  limit: number | null;
  /** The value that broke it (bytes; the requested size for a MemoryError). */
  value: number | null;
  /** Where: the snapshot's seq, label and trigger, and the script line when known. */
  seq: number | null;
  label: string | null;
  trigger: string | null;
  line: number | null;
  message: string;
}

/** Where a snapshot sits, in words: `snapshot 3 "after parse" (snap)`. */
export function whereOf(s: HeapSnapshot): string {
  const label = s.label ? ` "${s.label}"` : '';
  return `snapshot ${s.seq}${label} (${s.trigger ?? 'mem_info'})`;
}

export function checkSnapshot(b: Budgets, s: HeapSnapshot, f: RunFigures): BudgetViolation[] {
  const out: BudgetViolation[] = [];
  const at = { seq: s.seq, label: s.label, trigger: s.trigger, line: null };
  if (b.maxUsed !== undefined && f.used !== null && f.used > b.maxUsed) {
    out.push({
      budget: 'max-used',
      limit: b.maxUsed,
      value: f.used,
      ...at,
      message: `--max-used ${formatBytes(b.maxUsed)}: ${formatBytes(f.used)} bytes used at ${whereOf(s)}`,
    });
  }
  if (b.minLargestFree !== undefined && f.largestFree !== null && f.largestFree < b.minLargestFree) {
    out.push({
      budget: 'min-largest-free',
      limit: b.minLargestFree,
      value: f.largestFree,
      ...at,
      message: `--min-largest-free ${formatBytes(b.minLargestFree)}: largest free block ${formatBytes(
        f.largestFree,
      )} bytes at ${whereOf(s)}`,
    });
  }
  return out;
}

/**
 * The budgets against a collection: what stayed in use after it (the live objects) and the
 * largest free block it left. Between snapshots, this is where a loop's peak shows.
 */
export function checkCollection(
  b: Budgets,
  c: { n: number; usedAfter: number; largestFreeAfter: number; afterSeq: number },
): BudgetViolation[] {
  const out: BudgetViolation[] = [];
  const at = { seq: null, label: null, trigger: 'collect', line: null };
  const where = `collection ${c.n}${c.afterSeq >= 0 ? ` (after snapshot ${c.afterSeq})` : ''}`;
  if (b.maxUsed !== undefined && c.usedAfter > b.maxUsed) {
    out.push({
      budget: 'max-used',
      limit: b.maxUsed,
      value: c.usedAfter,
      ...at,
      message: `--max-used ${formatBytes(b.maxUsed)}: ${formatBytes(c.usedAfter)} bytes still used after ${where}`,
    });
  }
  if (b.minLargestFree !== undefined && c.largestFreeAfter < b.minLargestFree) {
    out.push({
      budget: 'min-largest-free',
      limit: b.minLargestFree,
      value: c.largestFreeAfter,
      ...at,
      message: `--min-largest-free ${formatBytes(b.minLargestFree)}: largest free block ${formatBytes(
        c.largestFreeAfter,
      )} bytes after ${where}`,
    });
  }
  return out;
}

export function memoryErrorViolation(
  requested: number | null,
  line: number | null,
  scriptName: string,
): BudgetViolation {
  const what = requested === null ? 'MemoryError' : `MemoryError allocating ${formatBytes(requested)} bytes`;
  const where = line === null ? scriptName : `${scriptName}:${line}`;
  return {
    budget: 'no-memory-error',
    limit: null,
    value: requested,
    seq: null,
    label: null,
    trigger: 'memory_error',
    line,
    message: `--no-memory-error: ${what} at ${where}`,
  };
}
