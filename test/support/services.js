// The real services the fleet tests and the fleet bench use, each a private instance on a free
// port with its data in a temporary folder, started and stopped by whoever uses it: Debian's
// mosquitto (persistence on, restartable) and Debian's PostgreSQL server. Works as root (CI) and
// as an ordinary user. Plain JavaScript (types in services.d.ts) so that bench/, which runs
// without a build step for tests, can use the same code.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const asRoot = () => process.getuid?.() === 0;

/** A TCP port nobody listens on right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = connect({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on 127.0.0.1:${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export async function startBroker() {
  const dir = mkdtempSync(join(tmpdir(), 'mpheap-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${dir}/`,
      // Keep every queued QoS 1 message for an absent persistent session (the default is 1000).
      'max_queued_messages 0',
      'max_inflight_messages 100',
      // Running as root, mosquitto would switch to its own user, who cannot write the folder.
      ...(asRoot() ? ['user root'] : []),
      '',
    ].join('\n'),
  );
  let child = null;
  const launch = async () => {
    child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
    await waitForPort(port, 10_000);
  };
  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await launch();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    pid: () => child?.pid ?? null,
    restart: async () => {
      await stop();
      await launch();
    },
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Debian's PostgreSQL server programs (/usr/lib/postgresql/VERSION/bin), the newest version. */
function postgresBin() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error('no PostgreSQL server: apt-get install postgresql');
  return join(root, versions[0], 'bin');
}

/**
 * A private PostgreSQL server: nothing of the machine's own cluster is touched, and destroy()
 * removes it. As root (CI) it runs as the `postgres` user Debian's package made, since
 * PostgreSQL refuses to run as root. fsync off unless asked (tests), on for the bench.
 */
export async function startPostgres(opts = {}) {
  const bin = postgresBin();
  const root = asRoot();
  const dir = mkdtempSync(join(tmpdir(), 'mpheap-pg-'));
  if (root) execFileSync('chown', ['postgres:postgres', dir]);
  const as = (cmd, args) =>
    execFileSync(
      root ? 'runuser' : join(bin, cmd),
      root ? ['-u', 'postgres', '--', join(bin, cmd), ...args] : args,
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  const data = join(dir, 'data');
  as('initdb', ['-D', data, '-U', 'mpheap', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    `-c fsync=${opts.fsync ? 'on' : 'off'}`,
    '-c max_connections=50',
  ].join(' ');
  const start = async () => {
    as('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
    await waitForPort(port, 10_000);
  };
  const stop = async () => {
    as('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  };
  await start();
  as('createdb', ['-h', dir, '-p', String(port), '-U', 'mpheap', 'mpheap']);
  let running = true;
  return {
    url: `postgres://mpheap@127.0.0.1:${port}/mpheap`,
    port,
    stop: async () => {
      await stop();
      running = false;
    },
    start: async () => {
      await start();
      running = true;
    },
    destroy: async () => {
      if (running) await stop().catch(() => {});
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
