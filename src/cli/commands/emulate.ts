/** `mpheap emulate microbit`: a real MicroPython board without hardware (QEMU). */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { startMicrobit } from '../../emulator/microbit.js';
import { CliError } from '../errors.js';
import { helpFooter, NO_COLOR_PLAIN_HELP } from '../help.js';
import { intOption } from '../io.js';
import { boardCliError } from './port-option.js';

export function registerEmulate(program: Command): void {
  program
    .command('emulate')
    .description(
      "Start QEMU's BBC micro:bit with Debian's MicroPython firmware (v1.9.2, a fixed 10 KB heap of " +
        '628 blocks) and offer its serial port on localhost TCP. It behaves like a small real board: ' +
        'the heap collects mid-loop, MemoryError comes early, and input sent while it is busy is ' +
        'dropped. Runs until Ctrl-C, until it is sent SIGTERM, or until the program that started it ' +
        'ends. Needs the Debian packages qemu-system-arm and firmware-microbit-micropython.',
    )
    .argument('<board>', 'the board to emulate: microbit')
    .option('--tcp <port>', 'TCP port for its serial line (default: a free one)')
    .option('--json', 'print {"port": …, "tcpPort": …, "pid": …} once it is ready')
    .option('--no-color', NO_COLOR_PLAIN_HELP)
    .addHelpText(
      'after',
      helpFooter({
        examples: [
          { command: 'mpheap emulate microbit --tcp 2217', note: 'then, in another terminal:' },
          { command: 'mpheap monitor --port socket://127.0.0.1:2217 --poll 2' },
          { command: 'mpheap run examples/fragmentation.py --port socket://127.0.0.1:2217' },
        ],
        exitCodes:
          '0 stopped (Ctrl-C or SIGTERM), 2 bad board or port, 4 QEMU or the firmware missing or failing.',
      }),
    )
    .action(async (boardName: string, flags: { tcp?: string; json?: boolean }) => {
      if (boardName !== 'microbit')
        throw new CliError(`'${boardName}': the only board mpheap can emulate is microbit`);
      const tcpPort = flags.tcp === undefined ? undefined : intOption(flags.tcp, '--tcp');
      if (tcpPort !== undefined && (tcpPort < 1 || tcpPort > 65535))
        throw new CliError('--tcp: a port is 1 to 65535');
      // Who started mpheap, read now: by the time QEMU is up that parent may be gone already.
      const parent = process.ppid;
      if (!flags.json) process.stderr.write('starting the emulated micro:bit…\n');
      const board = await startMicrobit({ tcpPort }).catch((e: unknown) => {
        throw boardCliError(e);
      });
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ port: board.portName, tcpPort: board.tcpPort, pid: board.process.pid })}\n`,
        );
      } else {
        process.stdout.write(
          `micro:bit (MicroPython 1.9.2, 10 KB heap) ready on --port ${board.portName}\n` +
            'one client at a time; Ctrl-C stops it.\n',
        );
      }
      const stop = () => void board.stop();
      const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
      for (const s of signals) process.once(s, stop);
      // `npx mpheap emulate microbit &` then `kill $!` ends npm, which does not pass SIGTERM on:
      // QEMU must not outlive the program that started mpheap, so its going away stops it too.
      const watch = watchParent(parent, stop);
      const code = await board.exited;
      clearInterval(watch);
      for (const s of signals) process.off(s, stop);
      if (code !== 0 && code !== null) throw new CliError(`QEMU exited with code ${code}`, 4);
    });
}

/** Calls `gone` once `parent`, the process that started this one, has ended (checked every second). */
function watchParent(parent: number, gone: () => void): NodeJS.Timeout | undefined {
  // Started by init (a service): nothing to watch.
  if (parent <= 1) return undefined;
  if (!parentAlive(parent)) {
    gone();
    return undefined;
  }
  const timer = setInterval(() => {
    if (parentAlive(parent)) return;
    clearInterval(timer);
    gone();
  }, 1000);
  return timer;
}

/**
 * Whether `parent` is still this process's parent. On Linux the kernel says who the parent is now
 * (a child is handed to another the moment its parent exits, before anyone reaps it); elsewhere,
 * whether that process still exists.
 */
function parentAlive(parent: number): boolean {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // `pid (name) state ppid …`: the name may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number.isInteger(ppid)) return ppid === parent;
  } catch {
    // No /proc: ask the process itself.
  }
  try {
    process.kill(parent, 0);
    return true;
  } catch (e) {
    // EPERM: it lives, under another user. ESRCH: it is gone.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
