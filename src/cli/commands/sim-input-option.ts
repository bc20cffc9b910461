/** `--sim-input FILE` (run, fit): what the board shims read, checked before anything starts. */
import { parseSimInput, type SimInput, SimInputError } from '../../engines/shims/index.js';
import { CliError } from '../errors.js';
import { readTextFile } from '../io.js';

export function simInputOption(file: string | undefined): SimInput | null {
  if (file === undefined) return null;
  // UTF-8: a non-ASCII string in the JSON (an SSID, UART text) must reach the shims as written.
  // Its size is checked by parseSimInput, in bytes.
  const text = readTextFile(file, 'sim input', 'utf8');
  try {
    return parseSimInput(text);
  } catch (e) {
    if (e instanceof SimInputError) throw new CliError(`--sim-input: ${file}: ${e.message}`);
    throw e;
  }
}
