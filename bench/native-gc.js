// The native baseline: MicroPython's own py/gc.c, compiled outside this repository into a harness
// that speaks the trace format (docs/native-baseline.md). MPHEAP_NATIVE_GC names one harness, or
// several separated by ':' (a 32-bit and a 64-bit build); each says its word size.
import { spawnSync } from 'node:child_process';
import { delimiter } from 'node:path';

/** The harnesses MPHEAP_NATIVE_GC names, by word size; empty when it is unset. */
export function nativeHarnesses() {
  const byWord = new Map();
  const value = process.env.MPHEAP_NATIVE_GC;
  if (!value) return byWord;
  for (const path of value.split(delimiter).filter(Boolean)) {
    const r = spawnSync(path, ['--word-size'], { encoding: 'utf8' });
    const word = Number(r.stdout?.trim());
    if (r.status !== 0 || (word !== 4 && word !== 8)) {
      console.log(`MPHEAP_NATIVE_GC: '${path}' did not answer --word-size with 4 or 8; ignored`);
      continue;
    }
    byWord.set(word, path);
  }
  return byWord;
}

/** Says which native baselines this run has, plainly. */
export function describeNative(byWord) {
  if (byWord.size === 0) {
    const why = process.env.MPHEAP_NATIVE_GC
      ? 'no usable harness in MPHEAP_NATIVE_GC'
      : 'MPHEAP_NATIVE_GC is unset';
    console.log(
      `Native baseline: none given (${why}), so ratios below are against the in-repo\n` +
        'baselines only. Point MPHEAP_NATIVE_GC at a gc.c harness (docs/native-baseline.md) for C ratios.',
    );
    return;
  }
  for (const [word, path] of [...byWord].sort()) console.log(`Native baseline w${word}: ${path}`);
}

/**
 * Runs the trace file once for its output, then `repeat` more times, and returns the output and
 * the CPU milliseconds of each repeated run, whole and in the trace's `collect` lines.
 */
export function runNative(path, traceFile, repeat) {
  const r = spawnSync(path, ['--repeat', String(repeat), traceFile], {
    encoding: 'latin1',
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`${path} ${traceFile}: exit ${r.status}: ${r.stderr}`);
  const runs = [];
  for (const line of r.stderr.split('\n')) {
    const m = /^run (\d+) collect (\d+)$/.exec(line.trim());
    if (m) runs.push({ ms: Number(m[1]) / 1e6, collectMs: Number(m[2]) / 1e6 });
  }
  if (runs.length !== repeat) throw new Error(`${path}: expected ${repeat} 'run' lines, got ${runs.length}`);
  return { output: r.stdout, runs };
}
