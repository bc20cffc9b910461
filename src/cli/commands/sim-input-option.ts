/** `--sim-input FILE` (run, fit): what the board shims read, checked before anything starts. */
import {
  MAX_SIM_INPUT_BYTES,
  parseSimInput,
  type SimInput,
  SimInputError,
} from '../../engines/shims/index.js';
import { formatSize } from '../../util/size.js';
import { CliError } from '../errors.js';
import { readTextFile } from '../io.js';

export function simInputOption(file: string | undefined): SimInput | null {
  if (file === undefined) return null;
  const text = readTextFile(file, 'sim input');
  if (text.length > MAX_SIM_INPUT_BYTES)
    throw new CliError(`--sim-input: ${file} is over ${formatSize(MAX_SIM_INPUT_BYTES)}`);
  try {
    return parseSimInput(text);
  } catch (e) {
    if (e instanceof SimInputError) throw new CliError(`--sim-input: ${file}: ${e.message}`);
    throw e;
  }
}
