// Boards: the snapshot round trip on the emulated micro:bit (QEMU, MicroPython 1.9.2) over TCP —
// send `mem_info(1)` by the raw REPL, receive the dump, decode it — in time and bytes, against
// the baseline the link itself sets: the time those bytes take on a 115200-baud serial line.
// mpheap's own share (protocol + decoding, in this process) is measured separately.
// Then the delivery of 2 KB of code: paste mode with every piece's echo checked (1.9.2 has no
// flow control), beside the unchecked plain raw-REPL write it replaced.
import { decodeText } from '../dist/decode/index.js';
import { TcpTransport } from '../dist/device/node/tcp-transport.js';
import { SerialEngine } from '../dist/device/serial-engine.js';
import { startMicrobit } from '../dist/emulator/microbit.js';
import { median } from './measure.js';

const BAUD = 115200;
const bitsPerByte = 10; // start + 8 data + stop
const wireMs = (bytes) => (bytes * bitsPerByte * 1000) / BAUD;
const ms = (n) => n.toFixed(n < 10 ? 2 : 1);

const board = await startMicrobit();
try {
  const engine = new SerialEngine(new TcpTransport('127.0.0.1', board.tcpPort));
  await engine.load();
  // Some live objects so the map is not trivially empty.
  await engine.exec('keep = [bytearray(40 + i) for i in range(60)]');

  // Sent as mpheap sends its own snapshots (the light frame).
  const CODE = "__import__('micropython').mem_info(1)";
  const runs = 15;
  const total = [];
  const decode = [];
  const cpu = [];
  let bytesIn = 0;
  let bytesOut = 0;
  for (let i = 0; i < runs + 2; i++) {
    const in0 = engine.link.bytesIn;
    const out0 = engine.link.bytesOut;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await engine.exec(CODE, { own: true });
    const t1 = performance.now();
    const { snapshots } = decodeText(r.output, 'bench');
    const t2 = performance.now();
    const used = process.cpuUsage(cpu0);
    if (snapshots.length !== 1 || !snapshots[0].complete)
      throw new Error(
        `the round trip did not yield one complete snapshot: ${JSON.stringify(r).slice(0, 400)}`,
      );
    if (i < 2) continue; // warm-up
    total.push(t2 - t0);
    decode.push(t2 - t1);
    cpu.push((used.user + used.system) / 1000);
    bytesIn = engine.link.bytesIn - in0;
    bytesOut = engine.link.bytesOut - out0;
  }
  const wire = wireMs(bytesIn + bytesOut);
  const rt = median(total);
  console.log(`snapshot round trip (mem_info(1) on a 10 KB heap, ${runs} runs, median)`);
  console.log(`  bytes: ${bytesOut} sent, ${bytesIn} received`);
  console.log(`  round trip over QEMU TCP:           ${ms(rt)} ms`);
  console.log(
    `  same bytes at ${BAUD} baud (baseline): ${ms(wire)} ms   → round trip / wire = ${(rt / wire).toFixed(2)}×`,
  );
  console.log(
    `  mpheap CPU (protocol + decode):     ${ms(median(cpu))} ms   → ${((median(cpu) / wire) * 100).toFixed(1)}% of wire time`,
  );
  console.log(`  of which decoding the dump:         ${ms(median(decode))} ms`);

  // Delivery: 2 KB of code (comments and one print), sent by paste mode with every piece's echo
  // checked before the next (what `mpheap run --port` does), beside the plain raw-REPL write of
  // the same code at the pacing mpheap used before (32 bytes / 2 ms, nothing checked).
  // On a freshly reset board: with the heap above 70 % full the REPL cannot hold 2 KB of input.
  await engine.reset();
  const code = `${Array.from({ length: 40 }, (_, i) => `# line ${String(i).padStart(2, '0')} ${'x'.repeat(38)}`).join('\n')}\nprint('ok')\n`;
  console.log(`\n${code.length} bytes of code, exec of a no-op program (median of 5)`);
  console.log(`  baseline: ${code.length} bytes at ${BAUD} baud = ${ms(wireMs(code.length))} ms`);
  const timed = async (label, run) => {
    const t = [];
    let intact = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      if ((await run()) === 'ok\r\n') intact++;
      t.push(performance.now() - t0);
    }
    const m = median(t);
    console.log(
      `  ${label.padEnd(44)} ${ms(m).padStart(6)} ms  (${(m / wireMs(code.length)).toFixed(2)}× wire)  ${intact}/5 intact`,
    );
  };
  await timed('paste mode, each 48-byte piece echoed first', async () => (await engine.exec(code)).output);
  await timed('plain raw REPL, 32 B / 2 ms, unchecked', async () => (await engine.repl.exec(code)).output);
  console.log(`  code sent again because an echo differed: ${engine.resends}`);
} finally {
  await board.stop();
}
