/**
 * What every command that talks to a board shares: the --port help text, opening a SerialEngine
 * for a port name, and turning link errors into CLI errors with the right exit code.
 * (`run --port` and `monitor` use it.)
 */
import { BoardTimeoutError, LinkClosedError, PortError } from '../../device/errors.js';
import { transportFor } from '../../device/node/open-port.js';
import { SerialEngine, type SerialEngineOptions } from '../../device/serial-engine.js';
import { EmulatorMissingError } from '../../emulator/microbit.js';
import { CliError, EXIT } from '../errors.js';

export const PORT_HELP =
  'board to use: /dev/ttyACM0, COM3, a0/u0/c0 (mpremote shortcuts for /dev/ttyACM0, /dev/ttyUSB0, COM0), socket://HOST:PORT, or auto';

/** A SerialEngine for the port, not loaded yet. */
export async function engineForPort(port: string, opts: SerialEngineOptions = {}): Promise<SerialEngine> {
  try {
    return new SerialEngine(await transportFor(port), opts);
  } catch (e) {
    throw boardCliError(e);
  }
}

/** Link and emulator errors as CliErrors; anything else unchanged. */
export function boardCliError(e: unknown): unknown {
  if (e instanceof PortError) return new CliError(e.message, EXIT.BAD_INPUT);
  if (e instanceof BoardTimeoutError || e instanceof LinkClosedError)
    return new CliError(e.message, EXIT.SCRIPT_FAILED);
  if (e instanceof EmulatorMissingError) return new CliError(e.message, EXIT.SCRIPT_FAILED);
  return e;
}
