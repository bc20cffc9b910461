/**
 * A real MicroPython board without hardware: QEMU's BBC micro:bit machine running Debian's
 * MicroPython firmware (1.9.2, 10 KB heap), its UART offered as a TCP server on localhost.
 *
 *   qemu-system-arm -M microbit -device loader,file=firmware.hex -nographic -monitor none
 *                   -serial tcp:127.0.0.1:PORT,server=on,wait=off
 *
 * `wait=off` lets the board boot with nobody connected (its boot banner is then lost, so we ask
 * for a prompt instead); QEMU accepts one client at a time and the next after it disconnects.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';

export const QEMU_BINARY = 'qemu-system-arm';
export const MICROBIT_FIRMWARE = '/usr/share/firmware-microbit-micropython/firmware.hex';

export class EmulatorMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmulatorMissingError';
  }
}

/** Throws naming the Debian packages to install when QEMU or the firmware is missing. */
export function checkEmulatorInstalled(qemu = QEMU_BINARY, firmware = MICROBIT_FIRMWARE): void {
  const missing: string[] = [];
  const probe = spawnSync(qemu, ['--version'], { stdio: 'ignore' });
  if (probe.error) missing.push(`${qemu} (Debian package qemu-system-arm)`);
  if (!existsSync(firmware))
    missing.push(`the MicroPython firmware ${firmware} (Debian package firmware-microbit-micropython)`);
  if (missing.length > 0) {
    const packages = [
      !probe.error ? null : 'qemu-system-arm',
      existsSync(firmware) ? null : 'firmware-microbit-micropython',
    ]
      .filter(Boolean)
      .join(' ');
    throw new EmulatorMissingError(
      `cannot emulate the micro:bit: missing ${missing.join(' and ')}.\nInstall with: sudo apt-get install ${packages}`,
    );
  }
}

/** A TCP port nobody listens on right now. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface EmulatorOptions {
  /** TCP port for the board's UART; default: a free one. */
  tcpPort?: number;
  /** How long booting may take before we give up. Default 20 s (a loaded 2-core machine is slow). */
  bootTimeoutMs?: number;
  /**
   * true (default): wait until the firmware shows its prompt. false: only until QEMU listens, for
   * when another client (a monitor waiting to reconnect) may take the one connection QEMU serves.
   */
  waitForPrompt?: boolean;
  qemu?: string;
  firmware?: string;
}

export interface RunningEmulator {
  tcpPort: number;
  /** What to pass to --port: `socket://127.0.0.1:PORT`. */
  portName: string;
  process: ChildProcess;
  /** Resolves with QEMU's exit code when it ends. */
  exited: Promise<number | null>;
  /** Stops QEMU (SIGTERM, then SIGKILL) and resolves when it is gone. */
  stop(): Promise<void>;
}

export async function startMicrobit(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const qemu = opts.qemu ?? QEMU_BINARY;
  const firmware = opts.firmware ?? MICROBIT_FIRMWARE;
  checkEmulatorInstalled(qemu, firmware);
  const tcpPort = opts.tcpPort ?? (await freeTcpPort());
  const child = spawn(
    qemu,
    [
      '-M',
      'microbit',
      '-device',
      `loader,file=${firmware}`,
      '-nographic',
      '-monitor',
      'none',
      '-serial',
      `tcp:127.0.0.1:${tcpPort},server=on,wait=off,nodelay=on`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    });
  });
  const stop = async () => {
    if (exitCode !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitUntilReady(tcpPort, opts.waitForPrompt ?? true, opts.bootTimeoutMs ?? 20_000, () =>
      exitCode !== undefined ? `QEMU exited (code ${exitCode}): ${stderr.trim() || 'no message'}` : null,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { tcpPort, portName: `socket://127.0.0.1:${tcpPort}`, process: child, exited, stop };
}

/**
 * Connects, presses Enter until the friendly REPL's `>>> ` comes back, and disconnects: then the
 * firmware has booted and the UART is ready for the real client.
 */
async function waitUntilReady(
  tcpPort: number,
  prompt: boolean,
  timeoutMs: number,
  failed: () => string | null,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const why = failed();
    if (why) throw new Error(`the emulated micro:bit did not start: ${why}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: tcpPort });
      let seen = '';
      let poke: ReturnType<typeof setInterval> | undefined;
      const done = (result: boolean) => {
        clearInterval(poke);
        clearTimeout(giveUp);
        socket.destroy();
        resolve(result);
      };
      const giveUp = setTimeout(() => done(false), Math.max(0, Math.min(3000, deadline - Date.now())));
      socket.once('error', () => done(false));
      socket.on('data', (d: Buffer) => {
        seen += d.toString('latin1');
        if (seen.includes('>>> ')) done(true);
      });
      socket.once('connect', () => {
        if (!prompt) return done(true);
        socket.write('\r');
        poke = setInterval(() => socket.write('\r'), 500);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `the emulated micro:bit did not ${prompt ? 'show its prompt' : 'listen'} in ${timeoutMs / 1000} s`,
  );
}
