/**
 * The CLI run in the test's own process (no build needed), with what it writes captured.
 * `startCli` returns at once, for tests that act while the command runs (a dashboard to open, a
 * board to poke); `runCli` waits for the exit code.
 */
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  done: Promise<CliResult>;
  /** What it has written to standard error so far. */
  stderr: () => string;
  finished: () => boolean;
}

export function startCli(...args: string[]): CliRun {
  let stdout = '';
  let stderr = '';
  let finished = false;
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    stdout += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    stderr += String(s);
    return true;
  });
  process.exitCode = undefined;
  const restore = () => {
    finished = true;
    vi.restoreAllMocks();
    process.exitCode = undefined;
  };
  const done = main(['node', 'mpheap', ...args]).then(
    (code) => {
      restore();
      return { code, stdout, stderr };
    },
    (e: unknown) => {
      restore();
      throw e;
    },
  );
  return { done, stderr: () => stderr, finished: () => finished };
}

export function runCli(...args: string[]): Promise<CliResult> {
  return startCli(...args).done;
}
