/**
 * The board commands through the real CLI entry (in-process): `monitor` against the emulated
 * micro:bit with --poll, --record and --duration; clear errors for a dead port and a missing
 * emulator; `devices --json`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkEmulatorInstalled, freeTcpPort } from '../../src/emulator/microbit.js';
import { parseRecording } from '../../src/recording/recording.js';
import { runCli as cli } from '../support/cli.js';
import { microbitForTests } from '../support/microbit.js';
import { REPO_ROOT } from '../support/shared.js';

const emu = microbitForTests('mpheap-cli-');

afterEach(() => {
  vi.restoreAllMocks();
});

describe('mpheap monitor', () => {
  it('samples an idle board with --poll and records every snapshot', async () => {
    const record = join(emu.dir, 'poll.ndjson');
    const r = await cli(
      'monitor',
      '--port',
      emu.board.portName,
      '--poll',
      '0.5',
      '--duration',
      '4',
      '--record',
      record,
      '--json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.snapshots).toBeGreaterThanOrEqual(2);
    expect(summary.gaps).toBe(0);
    expect(summary.last.usedBytes + summary.last.freeBytes).toBe(10048);
    const rec = parseRecording(readFileSync(record, 'utf8'));
    expect(rec.snapshots.length).toBe(summary.snapshots);
    expect(
      rec.snapshots.every((s) => s.trigger === 'poll' && s.complete && s.areas[0].map.length === 628),
    ).toBe(true);
    expect(rec.events.map((e) => e.event)).toEqual(['end']);
    // Polls leave nothing behind: an idle board shows the same heap at every poll (each used to
    // add 240 bytes of the previous polls' code), with the same bytecode objects.
    const used = rec.snapshots.map((s) => s.gc?.used);
    expect(new Set(used).size).toBe(1);
    const functions = rec.snapshots.map((s) => s.areas[0].map.filter((c) => c === 0x42).length);
    expect(new Set(functions).size).toBe(1);
  });

  it('says clearly when nothing listens on the port', async () => {
    const port = await freeTcpPort();
    const r = await cli('monitor', '--port', `socket://127.0.0.1:${port}`, '--duration', '1');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `mpheap: cannot connect to socket://127.0.0.1:${port}: nothing listens there (is the emulator running? start one with \`mpheap emulate microbit\`)\n`,
    );
  });

  it('rejects a bad --poll', async () => {
    const r = await cli('monitor', '--port', emu.board.portName, '--poll', 'often');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("mpheap: --poll: 'often' is not a positive number of seconds\n");
  });
});

describe('mpheap emulate and devices', () => {
  it('names the Debian packages when QEMU and the firmware are missing', () => {
    expect(() => checkEmulatorInstalled('/nonexistent/qemu-system-arm', '/nonexistent/firmware.hex')).toThrow(
      'cannot emulate the micro:bit: missing /nonexistent/qemu-system-arm (Debian package qemu-system-arm) and the MicroPython firmware /nonexistent/firmware.hex (Debian package firmware-microbit-micropython).\nInstall with: sudo apt-get install qemu-system-arm firmware-microbit-micropython',
    );
  });

  it('refuses boards it cannot emulate', async () => {
    const r = await cli('emulate', 'esp32');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("mpheap: 'esp32': the only board mpheap can emulate is microbit\n");
  });

  it('stops QEMU when the program that started it goes away without passing SIGTERM on', async () => {
    // As `npx mpheap emulate microbit &` then `kill $!`: npm dies, mpheap is left without its
    // parent. Here a shell stands for npm (it waits for mpheap) and is killed outright.
    const bin = join(REPO_ROOT, 'bin', 'mpheap.js');
    const shell = spawn('sh', ['-c', `"${process.execPath}" "${bin}" emulate microbit --json; true`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const closed = new Promise<void>((done) => shell.stdout.once('close', done));
    const line = await new Promise<string>((resolve, reject) => {
      let text = '';
      shell.stdout.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('\n')) resolve(text);
      });
      shell.once('exit', () => reject(new Error('the shell ended before mpheap was ready')));
    });
    const { pid } = JSON.parse(line) as { pid: number };
    const alive = (p: number) => {
      try {
        process.kill(p, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive(pid)).toBe(true);
    shell.kill('SIGKILL');
    // mpheap notices within a second, stops QEMU and exits (its stdout, the pipe, then closes).
    await closed;
    const until = Date.now() + 5000;
    while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
  });

  it('lists serial ports as JSON', async () => {
    const r = await cli('devices', '--json');
    const list = JSON.parse(r.stdout);
    expect(Array.isArray(list.ports)).toBe(true);
    expect(r.code).toBe(list.ports.length === 0 ? 1 : 0);
    for (const p of list.ports) expect(['micropython', 'usb-serial', 'unknown']).toContain(p.likelihood);
  });
});
