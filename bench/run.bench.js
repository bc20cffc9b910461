// mpheap run on the MicroPython WebAssembly engine.
// 1. The cost of one snapshot on a 112 KiB heap that is half full (a map that does not compress
//    into "lines all free"): the same loop with and without `mpheap.snap()` in it, the difference
//    per snapshot; and the decoder's share alone (decodeText of one dump).
// 2. The wall time of `mpheap run` on an example (engine start, helper module, start and end
//    snapshots, decoding, recording) beside the bare engine running the same script in the same
//    process (engine start, helper module, one exec): the ratio, without and with --step.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeText } from '../dist/decode/index.js';
import { HELPER_MODULE_NAME, HELPER_MODULE_SOURCE } from '../dist/engines/python/helper-module.js';
import { WasmEngine } from '../dist/engines/wasm/wasm-engine.js';
import { RecordingWriter } from '../dist/recording/recording.js';
import { runScript } from '../dist/run/session.js';
import { median } from './measure.js';

const ms = (n) => n.toFixed(n < 10 ? 2 : 1);
const dir = mkdtempSync(join(tmpdir(), 'mpheap-bench-run-'));
const HEAP = 112 * 1024;

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

// ── 1. one snapshot on a 112 KiB heap ──────────────────────────────────────────────────────
{
  const engine = new WasmEngine({ heapSize: HEAP });
  await engine.load();
  await engine.provideModule(HELPER_MODULE_NAME, HELPER_MODULE_SOURCE);
  // About half the heap in live objects of mixed sizes.
  await engine.exec('import mpheap\nkeep = [bytearray(16 + (i * 37) % 200) for i in range(420)]');
  const N = 50;
  const withSnaps = `for i in range(${N}):\n    mpheap.snap("s")\n`;
  const without = `for i in range(${N}):\n    str(i)\n`;
  const tWith = [];
  const tWithout = [];
  let dump = '';
  for (let round = 0; round < 7; round++) {
    tWithout.push(await timed(() => engine.exec(without)));
    tWith.push(
      await timed(async () => {
        const r = await engine.exec(withSnaps);
        const { snapshots } = decodeText(r.output, 'bench');
        if (snapshots.length !== N) throw new Error(`expected ${N} snapshots, got ${snapshots.length}`);
        dump = r.output.slice(0, r.output.indexOf('#mpheap', 10));
      }),
    );
  }
  const perSnap = (median(tWith) - median(tWithout)) / N;
  const decodeRuns = [];
  for (let i = 0; i < 200; i++) decodeRuns.push(await timed(async () => decodeText(dump, 'bench')));
  const decodeMs = median(decodeRuns);
  const { snapshots } = decodeText(dump, 'bench');
  const s = snapshots[0];
  console.log(
    `one snapshot, ${HEAP / 1024} KiB heap, ${s.gc.used.toLocaleString('en-US')} bytes used, ${dump.length.toLocaleString('en-US')} bytes of mem_info(1) text:`,
  );
  console.log('| what | ms per snapshot |');
  console.log('|---|---|');
  console.log(`| print the dump in the engine, stream it to the host, decode it | ${ms(perSnap)} |`);
  console.log(`| decoding alone (decodeText of one dump) | ${ms(decodeMs)} |`);
  console.log(`| decoder share | ${((decodeMs / perSnap) * 100).toFixed(0)} % |`);
  await engine.close();
}

// ── 2. mpheap run vs the bare engine on the same script ─────────────────────────────────────
const examples = ['json_parser.py', 'sensor_logger.py'];
console.log('\nwall time, median of 7 (engine start included in both):');
console.log('| example | bare engine ms | mpheap run ms | ratio | mpheap run --step ms | ratio |');
console.log('|---|---|---|---|---|---|');
for (const name of examples) {
  const script = readFileSync(new URL(`../examples/${name}`, import.meta.url), 'utf8');
  const bare = [];
  const run = [];
  const step = [];
  for (let round = 0; round < 8; round++) {
    bare.push(
      await timed(async () => {
        const e = new WasmEngine({ heapSize: HEAP });
        await e.load();
        await e.provideModule(HELPER_MODULE_NAME, HELPER_MODULE_SOURCE);
        const r = await e.exec(script);
        if (r.error) throw new Error(r.error.traceback);
        await e.close();
      }),
    );
    for (const [list, stepMode] of [
      [run, false],
      [step, true],
    ]) {
      list.push(
        await timed(async () => {
          const e = new WasmEngine({ heapSize: HEAP });
          await e.load();
          const rec = new RecordingWriter(join(dir, `${name}.ndjson`), { startedAt: Date.now() });
          const r = await runScript(e, script, { recording: rec, step: stepMode });
          rec.close();
          if (r.exit !== 'ok') throw new Error(`${name}: ${r.exit}`);
          await e.close();
        }),
      );
    }
  }
  // The first round warms up the JIT and the file cache: leave it out.
  const [b, r, st] = [bare, run, step].map((xs) => median(xs.slice(1)));
  console.log(
    `| ${name} | ${ms(b)} | ${ms(r)} | ${(r / b).toFixed(2)}× | ${ms(st)} | ${(st / b).toFixed(2)}× |`,
  );
}
rmSync(dir, { recursive: true, force: true });
