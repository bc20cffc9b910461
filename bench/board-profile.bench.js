// `mpheap run --profile` on a board (probes between statements), on the emulated micro:bit
// (QEMU, MicroPython 1.9.2): what the probes cost, against the same script run without them in
// the same process. The script times its own work on the board (time.ticks_ms, so the raw REPL
// and mpheap's own execs are not in it); the whole run's wall time (setup, snapshots, reading
// the table) is given beside it. mpheap's own heap is what the run measured on the board.
import { TcpTransport } from '../dist/device/node/tcp-transport.js';
import { SerialEngine } from '../dist/device/serial-engine.js';
import { startMicrobit } from '../dist/emulator/microbit.js';
import { runScript } from '../dist/run/session.js';
import { median } from './measure.js';

const timed = (body) =>
  [
    'import time',
    body,
    't0 = time.ticks_ms()',
    'main()',
    "print('ms', time.ticks_diff(time.ticks_ms(), t0))",
    '',
  ].join('\n');

const SCRIPTS = {
  // One cheap statement per pass: the probe's cost at its most visible.
  'tight loop, 3,000 passes': timed(
    ['def main():', '    t = 0', '    for i in range(3000):', '        t += i * 2', '    return t'].join(
      '\n',
    ),
  ),
  // Statements that allocate (and collect now and then): a more usual script.
  'allocating loop, 300 passes': timed(
    [
      'def main():',
      '    keep = []',
      '    for i in range(300):',
      "        line = 'reading %d: %s' % (i, [i, i * 2])",
      '        buf = bytearray(32)',
      '        if i % 30 == 0:',
      '            keep.append(buf)',
      '    return keep',
    ].join('\n'),
  ),
};

/**
 * One run on a freshly reset board. The emulated board drops input when the host is loaded (no
 * flow control on 1.9.2): a run that lost bytes on the way (a syntax or name error these scripts
 * cannot raise, or code the board never acknowledged) is run again, and counted.
 */
let resent = 0;
async function runOnce(script, profile) {
  for (let attempt = 1; ; attempt++) {
    // Gentler than the default pacing, for the same reason.
    const engine = new SerialEngine(new TcpTransport('127.0.0.1', board.tcpPort), {
      kind: 'microbit',
      softReset: true,
      pacing: { chunkBytes: 16, gapMs: 4 },
    });
    try {
      await engine.load();
      const t0 = performance.now();
      const r = await runScript(engine, script, { profile: profile ? {} : undefined });
      const ms = performance.now() - t0;
      if (!(r.error && /SyntaxError|NameError|IndentationError/.test(r.error.type))) return { r, ms };
    } catch (e) {
      if (attempt === 3) throw e;
    } finally {
      await engine.close();
    }
    resent++;
  }
}

const board = await startMicrobit();
try {
  const runs = 5;
  console.log(`board profile (probes) on the emulated micro:bit, median of ${runs} runs each`);
  console.log(
    '  script                        on-board ms: plain  probed  ratio   whole run ms: plain  probed  ratio',
  );
  for (const [name, script] of Object.entries(SCRIPTS)) {
    const board_ = { plain: [], probed: [] };
    const wall = { plain: [], probed: [] };
    let footprint = null;
    let intervals = null;
    for (let i = 0; i < runs; i++) {
      for (const mode of ['plain', 'probed']) {
        const { r, ms: took } = await runOnce(script, mode === 'probed');
        wall[mode].push(took);
        const ms = /ms (\d+)/.exec(r.output);
        if (r.error || !ms) throw new Error(`${name} (${mode}): ${r.error?.message ?? r.output}`);
        board_[mode].push(Number(ms[1]));
        if (mode === 'probed') {
          if (!r.profile?.board) throw new Error(`${name}: no profile`);
          footprint = r.profile.board.footprint;
          intervals = `${r.profile.board.leftOut} of ${r.profile.board.intervals} intervals left out`;
        }
      }
    }
    const [bp, bq, wp, wq] = [board_.plain, board_.probed, wall.plain, wall.probed].map(median);
    console.log(
      `  ${name.padEnd(29)} ${String(bp).padStart(18)} ${String(bq).padStart(7)} ${(bq / bp).toFixed(1).padStart(6)}×` +
        ` ${wp.toFixed(0).padStart(19)} ${wq.toFixed(0).padStart(7)} ${(wq / wp).toFixed(1).padStart(6)}×`,
    );
    console.log(`      mpheap's own heap: ${JSON.stringify(footprint)}; ${intervals}`);
  }
  console.log(`  runs sent again after bytes were lost on the way: ${resent}`);
} finally {
  await board.stop();
}
