import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import pg from 'pg';

// A PostgreSQL cluster of a test's own (initdb in a temporary directory, on a
// free port), for tests that restart PostgreSQL or stream it to a standby: the
// shared cluster the rest of the suite runs on is never touched. As root (CI),
// the server runs as the `postgres` user, as PostgreSQL requires.

const VERSION = process.env.CAKUPAN_PG_VERSION ?? (existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort().at(-1) : undefined);
const BIN = process.env.CAKUPAN_PG_BIN ?? (VERSION ? `/usr/lib/postgresql/${VERSION}/bin` : '');
const asRoot = process.getuid?.() === 0;

function run(tool: string, args: string[]): string {
  const file = path.join(BIN, tool);
  if (!existsSync(file)) throw new Error(`no ${tool} at ${file}: install the PostgreSQL server package, or set CAKUPAN_PG_BIN`);
  return asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', file, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) : execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A port nobody listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export type Cluster = {
  port: number;
  dir: string;
  /** A connection URL to `database` on this cluster (as the postgres superuser). */
  url(database?: string): string;
  start(): void;
  /** Fast shutdown: open sessions are cut, as on a real outage. */
  stop(): void;
  restart(): void;
  /** Stops the cluster and deletes its directory. */
  destroy(): void;
};

function ownedTempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  return dir;
}

function cluster(dir: string, port: number): Cluster {
  const data = path.join(dir, 'data');
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=32MB`;
  const c: Cluster = {
    port,
    dir,
    url: (database = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    start: () => void run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start']),
    stop: () => void run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
    restart: () => void run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-m', 'fast', '-w', 'restart']),
    destroy: () => {
      try {
        c.stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return c;
}

/** A new primary cluster, started (trust auth; replication connections allowed from loopback), with an empty `database` when named. */
export async function createCluster(opts: { database?: string } = {}): Promise<Cluster> {
  const dir = ownedTempDir('cakupan-pg-');
  run('initdb', ['-D', path.join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '--no-sync']);
  const c = cluster(dir, await freePort());
  c.start();
  if (opts.database) {
    const admin = new pg.Client({ connectionString: c.url() });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${opts.database}`);
    } finally {
      await admin.end();
    }
  }
  return c;
}

/** A hot standby of `primary`, made with pg_basebackup and streaming from it, started. */
export async function createStandby(primary: Cluster): Promise<Cluster> {
  const dir = ownedTempDir('cakupan-standby-');
  run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', path.join(dir, 'data'), '-R', '-X', 'stream', '--checkpoint=fast', '--no-sync']);
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()));
  const c = cluster(dir, await freePort());
  c.start();
  return c;
}
