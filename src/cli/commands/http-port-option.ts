/**
 * `--web [--http-port N]`: which port the live dashboard listens on, and its listen errors in the
 * user's words. (`monitor` has its own copy of these; it can move here.)
 */
import { CliError } from '../errors.js';

/** The dashboard's TCP port with --web (0: a free one), or null without --web. */
export function httpPortOption(web: boolean | undefined, httpPort: string | undefined): number | null {
  if (httpPort !== undefined && !web) throw new CliError('--http-port: only with --web');
  if (!web) return null;
  if (httpPort === undefined) return 0;
  const n = Number(httpPort);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new CliError(`--http-port: '${httpPort}' is not a TCP port (1 to 65535)`);
  return n;
}

export function dashboardCliError(e: unknown, port: number): CliError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    return new CliError(`--http-port: ${port} is in use on 127.0.0.1; pick another or leave it out`);
  if (code === 'EACCES') return new CliError(`--http-port: not allowed to listen on ${port}`);
  return new CliError(`--web: cannot start the dashboard: ${(e as Error).message}`);
}
