/**
 * The real services the fleet tests use: Debian's mosquitto (a private instance on a free port,
 * with persistence in a temporary folder, restartable) and Debian's PostgreSQL (the machine's
 * cluster, started with pg_ctlcluster when it is down; a test role and database made once).
 * Works as root (CI) and as the postgres-capable user of a developer machine.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort } from '../../src/emulator/microbit.js';

export interface Broker {
  port: number;
  url: string;
  /** Stops it (SIGTERM: mosquitto writes its persistence file) and starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
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

export async function startBroker(): Promise<Broker> {
  const dir = mkdtempSync(join(tmpdir(), 'mpheap-mosquitto-'));
  const port = await freeTcpPort();
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
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      '',
    ].join('\n'),
  );
  let child: ChildProcess | null = null;
  const launch = async () => {
    child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
    await waitForPort(port, 10_000);
  };
  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await launch();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    restart: async () => {
      await stop();
      await launch();
    },
    stop,
  };
}

export const PG_TEST_URL = 'postgres://mpheap_test:mpheap_test@127.0.0.1:5432/mpheap_test';

function asPostgres(cmd: string, args: string[]): string {
  const root = process.getuid?.() === 0;
  const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Starts the machine's PostgreSQL cluster when it is down; makes the test role and database. */
export function ensurePostgres(): string {
  const clusters = execFileSync('pg_lsclusters', ['-h'], { encoding: 'utf8' }).trim().split('\n');
  if (!clusters[0]) throw new Error('no PostgreSQL cluster: apt-get install postgresql');
  const [version, name, , status] = clusters[0].split(/\s+/);
  if (status !== 'online') {
    if (process.getuid?.() === 0)
      execFileSync('pg_ctlcluster', [version, name, 'start'], { stdio: 'ignore' });
    else asPostgres('pg_ctlcluster', [version, name, 'start']);
  }
  const sql = (q: string) => asPostgres('psql', ['-v', 'ON_ERROR_STOP=1', '-qtAc', q]).trim();
  if (sql("SELECT 1 FROM pg_roles WHERE rolname = 'mpheap_test'") !== '1')
    sql("CREATE ROLE mpheap_test LOGIN PASSWORD 'mpheap_test'");
  if (sql("SELECT 1 FROM pg_database WHERE datname = 'mpheap_test'") !== '1')
    sql('CREATE DATABASE mpheap_test OWNER mpheap_test');
  return PG_TEST_URL;
}
