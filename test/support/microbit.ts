/**
 * The emulated micro:bit a test file runs against: started before its tests, stopped after them,
 * with a temporary folder that goes with it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type RunningEmulator, startMicrobit } from '../../src/emulator/microbit.js';

export interface TestMicrobit {
  /** The running board (read inside tests: it starts in beforeAll). */
  readonly board: RunningEmulator;
  /** A temporary folder, removed after the file's tests. */
  readonly dir: string;
}

export function microbitForTests(folderPrefix: string): TestMicrobit {
  const dir = mkdtempSync(join(tmpdir(), folderPrefix));
  let running: RunningEmulator | undefined;
  beforeAll(async () => {
    running = await startMicrobit();
  });
  afterAll(async () => {
    await running?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    get board(): RunningEmulator {
      if (!running) throw new Error('the emulated micro:bit did not start');
      return running;
    },
  };
}
