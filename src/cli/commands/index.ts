/**
 * Every command, in the order `mpheap --help` lists them. Add one entry per new command.
 *
 * Only the command a run names is loaded (its module, and what that module imports: serialport,
 * the engines, the web views...), so `mpheap --version`, `mpheap --help` and each command start
 * without the others' modules. That is why the usage and summary that `mpheap --help` prints
 * live here rather than in the command's module; test/cli/commands.test.ts checks that each
 * usage is what the module's own definition shows.
 */
import type { Command } from 'commander';

export interface CommandEntry {
  /** As `mpheap --help` lists it: the name, then `[options]` and the arguments. */
  usage: string;
  summary: string;
  /** Loads the command's module and returns the function that defines it on the program. */
  load: () => Promise<(program: Command) => void>;
}

// The main job first, then reading what a board printed, then the board tools and the model.
export const COMMANDS: readonly CommandEntry[] = [
  {
    usage: 'run [options] <script>',
    summary: 'run a script on real MicroPython and record what it does to the heap',
    load: async () => (await import('./run.js')).registerRun,
  },
  {
    usage: 'decode [options] [file]',
    summary: 'decode micropython.mem_info(1) output: heap map, figures, verdict',
    load: async () => (await import('./decode.js')).registerDecode,
  },
  {
    usage: 'monitor [options]',
    summary: 'watch a running board: its output, and every heap map it prints, live',
    load: async () => (await import('./monitor.js')).registerMonitor,
  },
  {
    usage: 'report [options] <input>',
    summary: 'write a self-contained HTML report: heap map, timeline, diff, per-type figures',
    load: async () => (await import('./report.js')).registerReport,
  },
  {
    usage: 'sim [options] <trace>',
    summary: 'run a heap trace on the block-exact model of py/gc.c',
    load: async () => (await import('./sim.js')).registerSim,
  },
  {
    usage: 'linker [options] [scripts...]',
    summary: "size the heap from a port's GNU ld linker scripts and .map file",
    load: async () => (await import('./linker.js')).registerLinker,
  },
  {
    usage: 'collect [options]',
    summary: 'store the records a fleet of boards publishes over MQTT in SQLite or PostgreSQL',
    load: async () => (await import('./collect.js')).registerCollect,
  },
  {
    usage: 'fleet [options]',
    summary: "a fleet's heap health from the collected records: worst devices, trends, report",
    load: async () => (await import('./fleet.js')).registerFleet,
  },
  {
    usage: 'agent',
    summary: 'put mpheap_agent (heap records for a fleet) onto a board',
    load: async () => (await import('./agent.js')).registerAgent,
  },
  {
    usage: 'emulate [options] <board>',
    summary: 'start an emulated micro:bit running MicroPython (QEMU) and print its --port',
    load: async () => (await import('./emulate.js')).registerEmulate,
  },
  {
    usage: 'fit [options] <script>',
    summary: 'find the smallest heap a script runs in to the end, and which boards it fits',
    load: async () => (await import('./fit.js')).registerFit,
  },
  {
    usage: 'boards [options]',
    summary: "list the boards' heap profiles (run --board, fit), with where each figure comes from",
    load: async () => (await import('./boards.js')).registerBoards,
  },
  {
    usage: 'devices [options]',
    summary: 'list serial ports and which look like MicroPython boards',
    load: async () => (await import('./devices.js')).registerDevices,
  },
];

export function commandName(entry: CommandEntry): string {
  return entry.usage.split(' ')[0];
}

/** The command an argument list names (`mpheap NAME ...` or `mpheap help NAME`), if any. */
export function chosenCommand(args: readonly string[]): CommandEntry | undefined {
  const name = args[0] === 'help' ? args[1] : args[0];
  return COMMANDS.find((entry) => commandName(entry) === name);
}

/**
 * Defines every command on the program: the one `args` (argv without node and script) names in
 * full, the others only by name and summary, which is all `mpheap --help` needs of them.
 */
export async function registerCommands(program: Command, args: readonly string[]): Promise<void> {
  const chosen = chosenCommand(args);
  const usages = new Map<string, string>();
  for (const entry of COMMANDS) {
    const name = commandName(entry);
    usages.set(name, entry.usage);
    if (entry === chosen) (await entry.load())(program);
    else program.command(name);
    program.commands.find((c) => c.name() === name)?.summary(entry.summary);
  }
  const help = program.createHelp();
  program.configureHelp({
    ...program.configureHelp(),
    subcommandTerm: (cmd) => usages.get(cmd.name()) ?? help.subcommandTerm(cmd),
  });
}
