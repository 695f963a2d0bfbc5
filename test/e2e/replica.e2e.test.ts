import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, createStandby, type Cluster } from '../support/cluster.ts';
import { nik, writeEnrolmentFile } from '../support/events.ts';
import { startServer, type RunningServer } from '../support/server.ts';

// Reads from a real PostgreSQL hot standby: a primary cluster of the test's
// own is streamed by pg_basebackup to a standby on another port, and a server
// is pointed at both (DATABASE_URL, DATABASE_REPLICA_URL). Its answers follow
// the primary through the replica; while the standby's replay is paused they
// stay where the replica is, a request naming a newer position falls back to
// the primary after the bounded wait, and a mutation's writer sees its write.

const BIN = path.resolve('bin/cakupan.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'cakupan-replica-'));
const WAIT_MS = 600;
let primary: Cluster;
let standby: Cluster;
let server: RunningServer;
let standbyAdmin: pg.Client;
const env = () => ({
  ...process.env,
  DATABASE_URL: primary.url('cakupan'),
  DATABASE_REPLICA_URL: standby.url('cakupan'),
  CAKUPAN_REPLICA_WAIT_MS: String(WAIT_MS),
  CAKUPAN_PSEUDONYM_SECRET: 'e2e-secret-0123456789',
  CAKUPAN_LOG_FORMAT: 'json',
});

beforeAll(async () => {
  primary = await createCluster({ database: 'cakupan' });
  standby = await createStandby(primary);
  standbyAdmin = new pg.Client({ connectionString: standby.url() });
  await standbyAdmin.connect();
  expect((await standbyAdmin.query('SELECT pg_is_in_recovery() AS r')).rows[0].r).toBe(true);
  server = await startServer([], env());
}, 180_000);
afterAll(async () => {
  await server?.stop();
  await standbyAdmin?.end();
  standby?.destroy();
  primary?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function importEnrolments(name: string, first: number, n: number): number {
  const file = writeEnrolmentFile(path.join(dir, name), first, n, '5171', '2018-07-02');
  const r = spawnSync(process.execPath, [BIN, 'import', file, '--rejects', path.join(dir, 'rejects.ndjson')], { env: env(), encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return performance.now();
}

const QUERY = '{ dataAsOf { position } coverageAt(measure: ACTIVE_PARTICIPANTS, date: "2018-12-31", filter: { regionCodes: ["51"] }) { value } }';
type Answer = { dataAsOf: { position: number }; coverageAt: { value: number }[] };
async function ask(headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: QUERY }) });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}
async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 10))) if (await check()) return true;
  return false;
}

describe('a server reading a streaming replica', () => {
  it('reads the standby and follows the primary through it within the bound', async () => {
    expect(server.output()).toContain('queries read the replica');
    const committed = importEnrolments('first.ndjson', 1, 20);
    expect(await until(async () => (await ask()).dataAsOf.position === 20, 5000)).toBe(true);
    const lag = performance.now() - committed;
    expect(lag).toBeLessThan(1000);
    expect((await ask()).coverageAt).toEqual([{ value: 20 }]);
    // the server's queries are sessions on the standby
    const sessions = await standbyAdmin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'cakupan' AND backend_type = 'client backend'");
    expect(sessions.rows[0].n).toBeGreaterThan(0);
  });

  it('stays with the replica while it lags, and answers a request naming a newer position from the primary after the bounded wait', async () => {
    await standbyAdmin.query('SELECT pg_wal_replay_pause()');
    try {
      importEnrolments('second.ndjson', 100, 5);
      await new Promise((r) => setTimeout(r, 1500)); // the follower has noticed by now
      expect(await ask()).toEqual({ dataAsOf: { position: 20 }, coverageAt: [{ value: 20 }] });
      const t0 = performance.now();
      expect(await ask({ 'x-cakupan-min-position': '25' })).toEqual({ dataAsOf: { position: 25 }, coverageAt: [{ value: 25 }] });
      expect(performance.now() - t0).toBeGreaterThanOrEqual(WAIT_MS);
      // a position the replica has already applied is read there, without waiting
      const t1 = performance.now();
      expect((await ask({ 'x-cakupan-min-position': '20' })).dataAsOf.position).toBe(20);
      expect(performance.now() - t1).toBeLessThan(WAIT_MS);
      const bad = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-cakupan-min-position': 'soon' }, body: JSON.stringify({ query: QUERY }) });
      expect((await bad.json()).errors[0]).toMatchObject({ extensions: { code: 'VALIDATION', issues: [{ field: 'x-cakupan-min-position' }] } });
    } finally {
      await standbyAdmin.query('SELECT pg_wal_replay_resume()');
    }
    expect(await until(async () => (await ask()).dataAsOf.position === 25, 3000)).toBe(true);
  });

  it("reflects a mutation in its writer's next answers (read-your-writes)", async () => {
    const created = spawnSync(process.execPath, [BIN, 'keys', 'create', '--role', 'WRITER'], { env: env(), encoding: 'utf8' });
    expect(created.status, created.stderr).toBe(0);
    const key = created.stdout.trim().split('\n')[1];
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        query: 'mutation($e: [EventInput!]!) { appendEvents(events: $e) { committed headPosition } }',
        variables: { e: [{ eventId: randomUUID(), type: 'WorkerEnrolled', effectiveOn: '2018-07-02', data: { nik: nik(500, '5171'), segment: 'BPU', programs: ['JKK', 'JKM'], regionCode: '5171', sponsor: 'SELF' } }] },
      }),
    });
    const body = await res.json();
    expect(body.data.appendEvents, JSON.stringify(body)).toEqual({ committed: true, headPosition: 26 });
    // the mutation returned once the replica had its position: the next plain query (replica) shows it
    expect(await ask()).toEqual({ dataAsOf: { position: 26 }, coverageAt: [{ value: 26 }] });
  });
});
