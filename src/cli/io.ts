/** Small helpers every command uses for reading input and parsing options. */
import { readFileSync } from 'node:fs';
import { parseSize } from '../util/size.js';
import { CliError } from './errors.js';

export function readTextFile(path: string, what = 'file'): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'latin1');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new CliError(
      `cannot read ${what} '${path}': ${err.code === 'ENOENT' ? 'no such file' : err.message}`,
    );
  }
}

export function sizeOption(value: string, option: string): number {
  try {
    return parseSize(value);
  } catch (e) {
    throw new CliError(`${option}: ${(e as Error).message}`);
  }
}

export function intOption(value: string, option: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new CliError(`${option}: '${value}' is not a whole number`);
  return Number(value);
}

export function wordOption(value: string): 4 | 8 {
  if (value === '4' || value === '8') return Number(value) as 4 | 8;
  throw new CliError(`--word: '${value}' must be 4 (32-bit, 16-byte blocks) or 8 (64-bit, 32-byte blocks)`);
}
