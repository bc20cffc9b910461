/** `mpheap agent install --port DEV`: put mpheap_agent on a board over the raw REPL and try it. */
import type { Command } from 'commander';
import type { SerialEngine } from '../../device/serial-engine.js';
import { agentFiles, type InstallProgress, installAgent } from '../../fleet/agent-files.js';
import { type FleetRecord, parseRecord } from '../../fleet/record.js';
import { formatBytes } from '../../util/size.js';
import { CliError, EXIT } from '../errors.js';
import { helpFooter } from '../help.js';
import { boardCliError, engineForPort, PORT_HELP } from './port-option.js';

interface InstallFlags {
  port: string;
  check: boolean;
  json?: boolean;
}

export function registerAgent(program: Command): void {
  const agent = program
    .command('agent')
    .summary('put mpheap_agent (heap-health records for a fleet) on a board')
    .description(
      'mpheap_agent is a small MicroPython program (agent/ in mpheap) that samples ' +
        'the heap without allocating and sends one checksummed record per sample, to ' +
        "the console or to MQTT, for 'mpheap collect' and 'mpheap fleet'. It runs on " +
        'MicroPython 1.9.2 and later.',
    );
  agent
    .command('install')
    .summary("write mpheap_agent's files onto a board over the raw REPL, check them, try the agent")
    .description(
      "Write the agent's modules (mpheap_agent*.py, comment lines taken out: about " +
        "7 KB) onto the board's filesystem over the raw REPL. Nothing else on the " +
        'board changes: main.py stays as it is.\n\n' +
        'A busy board drops input it cannot hold, so each piece of a file is checked ' +
        'on the board (length and Fletcher-16) before it is written, and sent again ' +
        'when it arrived damaged; each file is then read back and compared.\n\n' +
        'Then, unless --no-check, the board is soft-reset and the agent started once ' +
        '(boot number 1: the boot count kept on the board is not touched). The record ' +
        'it makes is shown; it says whether the agent found the allocation table ' +
        '(largest free block, 1-/2-block counts) on this firmware. A soft reset ' +
        'afterwards frees what it used.\n\n' +
        'MQTT (networked boards) needs umqtt.simple on the board: ' +
        "mip.install('umqtt.simple'), or mpremote mip install umqtt.simple. A board " +
        "without a network prints its records; 'mpheap monitor --port DEV --publish " +
        "mqtt://…' forwards them. Boards with mip and a network can install the " +
        "agent themselves: mip.install('github:…/agent'), see agent/README.md.\n\n" +
        'On the micro:bit (1.8 KB of C stack) call start() at most two functions ' +
        'deep and tick() at most two; deeper, they raise RuntimeError and say why.',
    )
    .requiredOption('--port <dev>', PORT_HELP)
    .option('--no-check', 'do not start the agent once after installing')
    .option('--json', 'print what was installed (and the check record) as JSON')
    .addHelpText(
      'after',
      helpFooter({
        examples: [
          { command: 'mpheap agent install --port a0' },
          {
            command:
              'mpheap emulate microbit --tcp 2217 & mpheap agent install --port socket://127.0.0.1:2217',
            note: 'onto the emulated micro:bit',
          },
        ],
        sections: [
          {
            title: 'Then, in the main.py of the board',
            // Code: one line each (wrapText keeps the line breaks).
            body: [
              '  import mpheap_agent',
              "  mpheap_agent.start('pump-7', every=60)             # records on the console",
              "  # mpheap_agent.start('pump-7', mqtt='192.168.1.10')  # or to MQTT",
              '  while True:',
              '      work()',
              '      mpheap_agent.tick()      # a record every `every` seconds',
            ].join('\n'),
          },
          {
            title: 'and on the computer',
            body: [
              '  mpheap monitor --port a0 --publish mqtt://127.0.0.1',
              '  mpheap collect --mqtt mqtt://127.0.0.1 --db fleet.sqlite',
            ].join('\n'),
          },
        ],
        exitCodes:
          '0 installed (and the check made a record), 2 bad option or port, 4 the board failed, a ' +
          'file did not arrive whole, or the check made no record.',
      }),
    )
    .action(async (flags: InstallFlags) => {
      process.exitCode = await installCommand(flags);
    });
}

async function installCommand(flags: InstallFlags): Promise<number> {
  const say = (text: string) => flags.json || process.stderr.write(`${text}\n`);
  // Soft-reset first: the installation needs free heap, whatever the board was running.
  const engine = await engineForPort(flags.port, { softReset: true });
  let files: InstallProgress[];
  let check: FleetRecord | null = null;
  try {
    await engine.load().catch((e: unknown) => {
      throw boardCliError(e);
    });
    // Read once: the total said here is of the very files installed.
    const agent = agentFiles();
    const total = agent.reduce((n, f) => n + f.source.length, 0);
    say(`installing mpheap_agent (${formatBytes(total)} bytes) on ${engine.info.description}`);
    files = await installAgent(
      engine,
      (p) =>
        say(
          `  ${p.file.padEnd(24)} ${formatBytes(p.bytes).padStart(6)} bytes, checked` +
            `${p.resent ? ` (${p.resent} piece${p.resent === 1 ? '' : 's'} sent again)` : ''}`,
        ),
      agent,
    ).catch((e: unknown) => {
      const board = boardCliError(e);
      throw board instanceof CliError ? board : new CliError((e as Error).message, EXIT.SCRIPT_FAILED);
    });
    if (flags.check) check = await tryAgent(engine);
  } finally {
    await engine.close();
  }
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ port: flags.port, board: engine.info.description, files, check }, null, 2)}\n`,
    );
  } else if (check) {
    const largest =
      check.largestFree === null
        ? 'largest free block unknown (no allocation table found on this firmware)'
        : `largest free block ${formatBytes(check.largestFree)} bytes (from the ${check.largestFrom === 'firmware' ? "firmware's gc.mem_maxfree()" : 'allocation table'})`;
    say(`checked: the agent made a record: ${formatBytes(check.free)} bytes free, ${largest}`);
  }
  say(
    "next: in the board's main.py, `import mpheap_agent` and `mpheap_agent.start('DEVICE-ID')`," +
      ' then mpheap_agent.tick() in its loop (mpheap agent install --help shows it whole)',
  );
  return EXIT.OK;
}

/** Starts the agent once from a fresh interpreter and returns the record it printed. */
async function tryAgent(engine: SerialEngine): Promise<FleetRecord> {
  try {
    await engine.reset();
    const r = await engine.exec("import mpheap_agent\nmpheap_agent.start('install-check', boot=1)", {
      timeoutMs: 30_000,
    });
    const line = r.output.split(/\r?\n/).find((l) => l.startsWith('mph1 '));
    if (r.error || !line)
      throw new CliError(
        `the agent is installed but did not run: ${r.error ? `${r.error.type}: ${r.error.message}` : `it printed no record (${JSON.stringify(r.output.slice(0, 200))})`}`,
        EXIT.SCRIPT_FAILED,
      );
    const parsed = parseRecord(line);
    if (!parsed.ok)
      throw new CliError(`the agent's record did not check out: ${parsed.reason}`, EXIT.SCRIPT_FAILED);
    return parsed.record;
  } catch (e) {
    const board = boardCliError(e);
    throw board instanceof CliError ? board : e;
  } finally {
    // Leave the board as a fresh start would, not holding the agent's buffers.
    await engine.reset().catch(() => {});
  }
}
