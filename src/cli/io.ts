/** Small helpers every command uses for reading input and parsing options. */
import { readFileSync } from 'node:fs';
import { parseSize } from '../util/size.js';
import { CliError } from './errors.js';

/** Why a file could not be read or written, in words (never Node's `EISDIR: illegal operation…`). */
export function fileErrorWhy(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EISDIR':
      return 'it is a folder, not a file';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    case 'EACCES':
    case 'EPERM':
      return 'not allowed (permissions)';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      // Node's messages start with the code (`EIO: i/o error, read`): keep the words.
      return String(err?.message ?? err).replace(/^E[A-Z]+: /, '');
  }
}

/**
 * A file's text (`-`: standard input). Latin-1 by default, one character a byte, so the bytes
 * pass through as they are; `utf8` for text whose characters matter in JavaScript (JSON).
 */
export function readTextFile(path: string, what = 'file', encoding: 'latin1' | 'utf8' = 'latin1'): string {
  try {
    return readFileSync(path === '-' ? 0 : path, encoding);
  } catch (e) {
    throw new CliError(`cannot read ${what} '${path === '-' ? 'standard input' : path}': ${fileErrorWhy(e)}`);
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

/** --word 4|8 or --block-size N: the block size to use where a capture does not show it. */
export function blockSizeOption(flags: { word?: string; blockSize?: string }): number | undefined {
  if (flags.word !== undefined && flags.blockSize !== undefined) {
    throw new CliError('--word and --block-size say the same thing: give one');
  }
  if (flags.word !== undefined) {
    const word = intOption(flags.word, '--word');
    if (word !== 4 && word !== 8) throw new CliError('--word: must be 4 (32-bit port) or 8 (64-bit port)');
    return word * 4;
  }
  if (flags.blockSize === undefined) return undefined;
  const blockSize = intOption(flags.blockSize, '--block-size');
  if (![8, 16, 32, 64].includes(blockSize)) throw new CliError('--block-size: must be 8, 16, 32 or 64');
  return blockSize;
}
