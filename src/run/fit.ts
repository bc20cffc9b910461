/**
 * `mpheap fit`: the smallest fixed heap in which a script runs to the end.
 *
 * Each probe is a fresh engine with a fixed heap of the size tried, running the whole script
 * (runScript, no recording). The search doubles a heap until the script runs, then halves the
 * gap between the largest size that failed and the smallest that ran down to `granularity`
 * bytes. Then it checks the answer the way a user would: a run at N ends well, a run 1 KiB below
 * N fails. Heap needs are not always monotone (a different size lays objects out differently),
 * so when the run below N still succeeds the search goes on below it.
 */
import type { Engine } from '../engines/engine.js';
import { type RunOptions, type RunResult, runScript } from './session.js';

export interface FitOptions {
  /** Smallest heap the engine accepts (bytes). */
  minHeap: number;
  /** Give up above this (bytes). */
  maxHeap: number;
  /** First size tried (bytes). */
  startHeap?: number;
  /** Stop when the smallest size that ran is within this of the largest that failed. */
  granularity?: number;
  /** The user-facing check: a run this far below the answer must fail. */
  checkBelow?: number;
  /** Watchdog per probe (ms). */
  timeoutMs: number;
  scriptName: string;
  /** Told of each probe as it ends. */
  onProbe?: (p: FitProbe) => void;
  /** Board shims for the script (RunOptions.shims): they take their share of every heap tried. */
  shims?: RunOptions['shims'];
}

export interface FitProbe {
  heapBytes: number;
  /** True when the script ran to the end (no exception, no timeout). */
  ok: boolean;
  /** `GC: total` at the start of the probe. */
  poolBytes: number | null;
  /** Why it did not run to the end: `MemoryError: …`, `timeout`, … */
  failure: string | null;
  /** The bytes in use at the start snapshot (before the script's own code). */
  startUsedBytes: number | null;
  /** Of them, the bytes the board shims hold (null: the script imports none). */
  shimsBytes: number | null;
}

export type FitResult =
  | {
      found: true;
      /** The smallest heap (same unit as `run --heap`) in which the script ran to the end. */
      minHeapBytes: number;
      /** Its GC pool (`GC: total`). */
      minPoolBytes: number | null;
      /** The largest heap tried that failed (null: it ran in the smallest heap the engine takes). */
      largestFailingBytes: number | null;
      granularityBytes: number;
      /** The check: the run at minHeapBytes and the one checkBelow under it. */
      check: { ranAt: number; failedBelow: number | null };
      probes: FitProbe[];
    }
  | { found: false; reason: string; probes: FitProbe[] };

export async function findSmallestHeap(
  script: string,
  makeEngine: (heapBytes: number) => Engine,
  opts: FitOptions,
): Promise<FitResult> {
  const granularity = opts.granularity ?? 256;
  const checkBelow = opts.checkBelow ?? 1024;
  const probes: FitProbe[] = [];
  const seen = new Map<number, FitProbe>();
  const probe = async (heapBytes: number): Promise<FitProbe> => {
    const known = seen.get(heapBytes);
    if (known) return known;
    const p = await runProbe(script, makeEngine(heapBytes), heapBytes, opts);
    seen.set(heapBytes, p);
    probes.push(p);
    opts.onProbe?.(p);
    return p;
  };
  const align = (n: number) => Math.max(opts.minHeap, Math.round(n / 16) * 16);

  // First: does it run to the end at all, with room to spare? A failure no heap size cures (an
  // exception of its own, a loop that never ends) is the script's, not the heap's.
  const roomy = align(Math.min(opts.maxHeap, 1024 * 1024));
  let first = await probe(roomy);
  if (!first.ok && isHeapFailure(first.failure) && roomy < opts.maxHeap)
    first = await probe(align(opts.maxHeap));
  if (!first.ok) {
    const why = isHeapFailure(first.failure)
      ? `it does not run to the end even in ${first.heapBytes} bytes: ${first.failure}`
      : `the script does not run to the end even with room to spare: ${first.failure}`;
    return { found: false, reason: why, probes };
  }

  // Up from a small heap until it runs.
  let hi = align(Math.min(first.heapBytes, opts.startHeap ?? 16 * 1024));
  let lo: number | null = null;
  while (!(await probe(hi)).ok) {
    lo = hi;
    hi = align(Math.min(first.heapBytes, hi * 2));
  }
  // It ran at the first size: go down until it fails, or to the engine's smallest heap.
  if (lo === null) lo = await lowestFailing(hi);

  // Halve the gap; then check below, and search on below if that ran too.
  for (let round = 0; round < 8; round++) {
    while (lo !== null && hi - lo > granularity) {
      const mid = align(lo + (hi - lo) / 2);
      if (mid <= lo || mid >= hi) break;
      if ((await probe(mid)).ok) hi = mid;
      else lo = mid;
    }
    const below = hi - checkBelow;
    if (below < opts.minHeap) return done(hi, lo, null);
    const b = await probe(align(below));
    if (!b.ok) return done(hi, lo, b.heapBytes);
    // Not monotone here: a smaller heap ran again. The answer is below.
    hi = b.heapBytes;
    if (lo !== null && lo >= hi) lo = null;
    if (lo === null) lo = await lowestFailing(hi);
    if (lo === null) return done(hi, null, null);
  }
  return {
    found: false,
    reason: 'the heap it needs does not settle: larger and smaller heaps keep alternating',
    probes,
  };

  async function lowestFailing(from: number): Promise<number | null> {
    let down = from;
    while (down > opts.minHeap) {
      const next = align(Math.max(opts.minHeap, Math.floor(down / 2)));
      const p = await probe(next);
      if (!p.ok) return next;
      hi = next;
      down = next;
    }
    return null;
  }

  function done(n: number, failing: number | null, failedBelow: number | null): FitResult {
    return {
      found: true,
      minHeapBytes: n,
      minPoolBytes: seen.get(n)?.poolBytes ?? null,
      largestFailingBytes: failing,
      granularityBytes: granularity,
      check: { ranAt: n, failedBelow },
      probes,
    };
  }
}

async function runProbe(
  script: string,
  engine: Engine,
  heapBytes: number,
  opts: FitOptions,
): Promise<FitProbe> {
  let r: RunResult;
  try {
    await engine.load();
    r = await runScript(engine, script, {
      scriptName: opts.scriptName,
      timeoutMs: opts.timeoutMs,
      shims: opts.shims,
    });
  } finally {
    await engine.close();
  }
  const start = r.snapshots.find((s) => s.trigger === 'start');
  return {
    heapBytes,
    ok: r.exit === 'ok',
    poolBytes: start?.gc?.total ?? null,
    failure:
      r.exit === 'ok'
        ? null
        : r.timedOut
          ? 'timeout'
          : r.error
            ? `${r.error.type}: ${r.error.message}`
            : r.exit,
    startUsedBytes: start?.gc?.used ?? null,
    shimsBytes: r.shims?.bytes ?? null,
  };
}

/** Failures a bigger heap may cure. */
function isHeapFailure(failure: string | null): boolean {
  return failure !== null && /^(MemoryError|MicroPythonFatal)/.test(failure);
}
