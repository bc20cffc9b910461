/**
 * The command table (src/cli/commands/index.ts): `mpheap --help` lists every command from it
 * without loading them, each usage there is the one the command's own definition shows, and a run
 * loads the module of the command it names and no other command's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS, chosenCommand, commandName } from '../../src/cli/commands/index.js';
import { REPO_ROOT } from '../support/shared.js';

const bin = join(REPO_ROOT, 'bin', 'mpheap.js');
const recorder = join(REPO_ROOT, 'test', 'support', 'record-modules.mjs');
const commandsDir = pathToFileURL(join(REPO_ROOT, 'dist', 'cli', 'commands')).href;

/** Runs the compiled CLI and returns its output with every module URL it resolved. */
function runRecorded(...args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'mpheap-modules-'));
  const log = join(dir, 'modules.txt');
  try {
    const r = spawnSync(process.execPath, ['--import', recorder, bin, ...args], {
      encoding: 'utf8',
      env: { ...process.env, MPHEAP_MODULE_LOG: log },
    });
    const modules = readFileSync(log, 'utf8').trim().split('\n');
    return { code: r.status, stdout: r.stdout, modules };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The command modules (as named in the table) among the resolved URLs. */
function commandModules(modules: string[]): string[] {
  const names = new Set(COMMANDS.map(commandName));
  return [
    ...new Set(
      modules
        .filter((url) => url.startsWith(`${commandsDir}/`))
        .map((url) => url.slice(commandsDir.length + 1).replace(/\.js$/, ''))
        .filter((name) => names.has(name)),
    ),
  ];
}

describe('the command table', () => {
  it('lists each command with the usage its own definition shows', async () => {
    for (const entry of COMMANDS) {
      const program = new Command('mpheap');
      (await entry.load())(program);
      const command = program.commands.find((c) => c.name() === commandName(entry));
      expect(command, commandName(entry)).toBeDefined();
      expect(program.createHelp().subcommandTerm(command as Command)).toBe(entry.usage);
    }
  });

  it('finds the command an argument list names', () => {
    expect(chosenCommand(['sim', 'x.trace'])?.usage).toBe('sim [options] <trace>');
    expect(chosenCommand(['help', 'decode'])?.usage).toBe('decode [options] [file]');
    expect(chosenCommand(['--help'])).toBeUndefined();
    expect(chosenCommand(['bogus'])).toBeUndefined();
    expect(chosenCommand([])).toBeUndefined();
  });

  it('mpheap --help lists every command and loads none of them', () => {
    const r = runRecorded('--help');
    expect(r.code).toBe(0);
    for (const entry of COMMANDS) {
      expect(r.stdout).toContain(entry.usage);
      // The summary is wrapped to the terminal width: compare its first words.
      expect(r.stdout).toContain(entry.summary.split(' ').slice(0, 3).join(' '));
    }
    expect(commandModules(r.modules)).toEqual([]);
    expect(r.modules.some((url) => url.includes('serialport'))).toBe(false);
  });

  it('mpheap --version loads no command', () => {
    const r = runRecorded('--version');
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(commandModules(r.modules)).toEqual([]);
  });

  it('each command loads its own module and no other command', () => {
    for (const entry of COMMANDS) {
      const name = commandName(entry);
      const r = runRecorded(name, '--help');
      expect(r.code, name).toBe(0);
      expect(r.stdout, name).toContain(`Usage: mpheap ${name}`);
      expect(commandModules(r.modules), name).toEqual([name]);
    }
  });

  it('mqtt, pg and better-sqlite3 load only where an option chooses them', () => {
    const loaded = (modules: string[], pkg: string) =>
      modules.some((url) => url.includes(`/node_modules/${pkg}/`));
    // --publish alone needs mqtt; --db names one store.
    for (const name of ['run', 'monitor', 'fleet', 'collect']) {
      const r = runRecorded(name, '--help');
      if (name !== 'collect') expect(loaded(r.modules, 'mqtt'), name).toBe(false);
      expect(loaded(r.modules, 'pg'), name).toBe(false);
      expect(loaded(r.modules, 'better-sqlite3'), name).toBe(false);
    }
  });

  it('opening a SQLite store loads better-sqlite3 and not pg', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpheap-modules-'));
    const log = join(dir, 'modules.txt');
    const openStore = pathToFileURL(join(REPO_ROOT, 'dist', 'fleet', 'open-store.js')).href;
    const db = JSON.stringify(join(dir, 'fleet.sqlite'));
    try {
      const r = spawnSync(
        process.execPath,
        [
          '--import',
          recorder,
          '--input-type=module',
          '-e',
          `const { openStore } = await import('${openStore}'); await (await openStore(${db})).close();`,
        ],
        { encoding: 'utf8', env: { ...process.env, MPHEAP_MODULE_LOG: log } },
      );
      expect(r.status, r.stderr).toBe(0);
      const modules = readFileSync(log, 'utf8').trim().split('\n');
      expect(modules.some((url) => url.includes('/node_modules/better-sqlite3/'))).toBe(true);
      expect(modules.some((url) => url.includes('/node_modules/pg/'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the model and the decoder start without serialport', () => {
    for (const name of ['sim', 'decode', 'linker', 'report']) {
      const r = runRecorded(name, '--help');
      expect(
        r.modules.some((url) => url.includes('serialport')),
        name,
      ).toBe(false);
    }
  });
});
