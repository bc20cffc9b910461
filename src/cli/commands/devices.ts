/** `mpheap devices`: the serial ports of this machine, with USB ids and which look like MicroPython. */
import type { Command } from 'commander';
import pc from 'picocolors';
import { listPorts } from '../../device/node/open-port.js';
import { pickAutoPort } from '../../device/ports.js';
import { escapeControls } from '../../util/text.js';
import { wantColor } from '../../views/terminal/index.js';
import { EXIT } from '../errors.js';
import { helpFooter, NO_COLOR_HELP } from '../help.js';

export function registerDevices(program: Command): void {
  program
    .command('devices')
    .description(
      'List the serial ports of this machine with their USB vendor:product ids and what those ids ' +
        "say. `--port auto` picks the first port marked 'micropython' (a board with native USB: " +
        "Pico, pyboard, ESP32-S2/S3, micro:bit), else the first 'usb-serial' bridge (CP210x, CH340, " +
        'FTDI: most ESP32/ESP8266 boards).',
    )
    .option('--json', 'print the list as JSON')
    .option('--no-color', NO_COLOR_HELP)
    .addHelpText(
      'after',
      helpFooter({
        examples: [
          { command: 'mpheap devices' },
          { command: 'mpheap devices --json' },
          { command: 'mpheap monitor --port auto', note: 'watch the port marked ← auto' },
        ],
        exitCodes: '0 ports found, 1 no serial port at all.',
      }),
    )
    .action(async (flags: { json?: boolean; color?: boolean }) => {
      const ports = await listPorts();
      const auto = pickAutoPort(ports);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ ports, auto: auto?.path ?? null }, null, 2)}\n`);
      } else if (ports.length === 0) {
        process.stdout.write('no serial ports found (is the board plugged in, with a data cable?)\n');
      } else {
        const c = pc.createColors(wantColor(flags.color));
        for (const p of ports) {
          const id = p.vendorId ? `${p.vendorId}:${p.productId ?? '????'}` : 'no USB id';
          const mark = p.path === auto?.path ? c.green(' ← auto') : '';
          const what = p.what ?? p.manufacturer ?? '';
          // What a USB descriptor says is the board's own text: control bytes escaped.
          const line = `${p.path.padEnd(16)} ${id.padEnd(10)} ${p.likelihood.padEnd(11)} ${what}`;
          process.stdout.write(`${escapeControls(line)}${mark}\n`);
        }
      }
      process.exitCode = ports.length === 0 ? EXIT.NOTHING_FOUND : EXIT.OK;
    });
}
