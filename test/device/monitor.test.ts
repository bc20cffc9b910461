/**
 * `BoardMonitor` on the emulated micro:bit: it decodes the dumps a running program prints, and
 * when QEMU is killed and started again mid-monitor it keeps every snapshot already captured (in
 * the recording too), marks the gap, reconnects and picks up again (here by polling the prompt).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BoardMonitor } from '../../src/device/monitor.js';
import { TcpTransport } from '../../src/device/node/tcp-transport.js';
import { SerialEngine } from '../../src/device/serial-engine.js';
import { type RunningEmulator, startMicrobit } from '../../src/emulator/microbit.js';
import { parseRecording, RecordingWriter } from '../../src/recording/recording.js';
import type { HeapSnapshot } from '../../src/snapshot/snapshot.js';

const boards: RunningEmulator[] = [];
const dir = mkdtempSync(join(tmpdir(), 'mpheap-monitor-'));

afterAll(async () => {
  for (const b of boards) await b.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A program for the board: fills the heap step by step and prints mem_info(1) after each. */
const PROGRAM = [
  'import micropython, time',
  'def grow(n):',
  '    keep = []',
  '    for i in range(n):',
  '        keep.append(bytearray(200))',
  "        print('step', i)",
  '        micropython.mem_info(1)',
  '        time.sleep_ms(100)',
].join('\n');

describe('monitor on the emulated micro:bit', () => {
  it('decodes dumps printed by a running program, and survives QEMU being killed and restarted', async () => {
    const first = await startMicrobit();
    boards.push(first);
    // Define the program (raw REPL), then leave the board at its friendly prompt.
    const engine = new SerialEngine(new TcpTransport('127.0.0.1', first.tcpPort));
    await engine.load();
    expect((await engine.exec(PROGRAM)).error).toBeNull();
    await engine.close();

    const recordingPath = join(dir, 'monitor.ndjson');
    const recording = new RecordingWriter(recordingPath, { startedAt: Date.now(), command: ['monitor'] });
    const snapshots: HeapSnapshot[] = [];
    const events: string[] = [];
    let output = '';
    const monitor = new BoardMonitor({
      connect: () => new TcpTransport('127.0.0.1', first.tcpPort),
      source: `serial:${first.portName}`,
      pollMs: 1000,
      retryMs: 200,
      onSnapshot: (s) => {
        snapshots.push(s);
        recording.snapshot(s);
      },
      onOutput: (t) => {
        output += t;
        recording.output(t);
      },
      onEvent: (e, fields) => {
        events.push(e);
        recording.event(e, fields);
      },
    });
    await monitor.start();
    await monitor.send('grow(4)\r');
    await monitor.until(() => snapshots.length >= 4, 20_000, 'four dumps');

    const grown = snapshots.slice(0, 4);
    expect(grown.map((s) => s.complete)).toEqual([true, true, true, true]);
    expect(grown.map((s) => s.gc?.total)).toEqual([10048, 10048, 10048, 10048]);
    // Each step keeps one more 200-byte bytearray: used grows by at least 13 blocks a step.
    for (let i = 1; i < 4; i++)
      expect((grown[i].gc?.used ?? 0) - (grown[i - 1].gc?.used ?? 0)).toBeGreaterThanOrEqual(208);
    expect(grown.map((s) => s.areas[0]?.map.length)).toEqual([628, 628, 628, 628]);
    expect(output).toContain('step 3');

    // Pull the plug: QEMU dies. The monitor keeps what it has and waits for the port.
    const before = snapshots.length;
    await first.stop();
    await monitor.until(() => events.includes('gap'), 10_000, 'the gap');
    expect(monitor.connected).toBe(false);

    // The board comes back on the same port; the monitor reconnects and samples the idle prompt.
    const second = await startMicrobit({ tcpPort: first.tcpPort, waitForPrompt: false });
    boards.push(second);
    await monitor.until(() => events.includes('reconnect'), 20_000, 'the reconnect');
    await monitor.until(() => snapshots.some((s) => s.trigger === 'poll'), 20_000, 'a polled snapshot');
    const summary = await monitor.stop();
    recording.close();

    const polled = snapshots.find((s) => s.trigger === 'poll');
    expect(polled?.complete).toBe(true);
    // A fresh board: nothing of grow()'s bytearrays is left.
    expect(polled?.gc?.used).toBeLessThan(grown[0].gc?.used ?? 0);
    expect(summary.gaps).toBe(1);
    expect(summary.snapshots).toBe(snapshots.length);
    expect(snapshots.length).toBeGreaterThan(before);
    expect(snapshots.map((s) => s.seq)).toEqual(snapshots.map((_, i) => i));

    // The recording holds every snapshot, and the gap between them.
    const rec = parseRecording(readFileSync(recordingPath, 'utf8'));
    expect(rec.warnings).toEqual([]);
    expect(rec.snapshots.map((s) => s.gc?.used)).toEqual(snapshots.map((s) => s.gc?.used));
    expect(rec.events.map((e) => e.event)).toEqual(['gap', 'reconnect']);
  });
});
