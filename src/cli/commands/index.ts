/** Every command, in the order `mpheap --help` lists them. Add one line per new command. */
import type { Command } from 'commander';
import { registerAgent } from './agent.js';
import { registerCollect } from './collect.js';
import { registerDecode } from './decode.js';
import { registerDevices } from './devices.js';
import { registerEmulate } from './emulate.js';
import { registerFleet } from './fleet.js';
import { registerLinker } from './linker.js';
import { registerMonitor } from './monitor.js';
import { registerReport } from './report.js';
import { registerRun } from './run.js';
import { registerSim } from './sim.js';

export function registerCommands(program: Command): void {
  // The main job first, then reading what a board printed, then the board tools and the model.
  registerRun(program);
  registerDecode(program);
  registerMonitor(program);
  registerReport(program);
  registerSim(program);
  registerLinker(program);
  registerCollect(program);
  registerFleet(program);
  registerAgent(program);
  registerEmulate(program);
  registerDevices(program);
}
