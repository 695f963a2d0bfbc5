import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, type Cluster } from '../support/cluster.ts';
import { writeEnrolmentFile } from '../support/events.ts';
import { startServer, type RunningServer } from '../support/server.ts';

// PostgreSQL goes down under two running servers (a cluster of the test's
// own, so the rest of the suite is not disturbed): while it is down they
// answer promptly with a typed UNAVAILABLE error (never hang) and report not
// ready; once it is back they reconnect by themselves, one of them takes the
// projector lock again, and both follow what a CLI import appends.

const BIN = path.resolve('bin/cakupan.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'cakupan-restart-'));
let cluster: Cluster;
let servers: RunningServer[] = [];
let url: string;
const env = () => ({ ...process.env, DATABASE_URL: url, CAKUPAN_PSEUDONYM_SECRET: 'e2e-secret-0123456789', CAKUPAN_LOG_FORMAT: 'json', CAKUPAN_FOLLOW_POLL_MS: '250' });

beforeAll(async () => {
  cluster = await createCluster({ database: 'cakupan' });
  url = cluster.url('cakupan');
  servers = await Promise.all([startServer([], env()), startServer([], env())]);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function importEnrolments(name: string, first: number, n: number): void {
  const file = writeEnrolmentFile(path.join(dir, name), first, n, '1771', '2016-05-02');
  const r = spawnSync(process.execPath, [BIN, 'import', file, '--no-project', '--rejects', path.join(dir, 'rejects.ndjson')], { env: env(), encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

type Answer = { status: number; ms: number; body: { data?: { dataAsOf: { position: number } } | null; errors?: { message: string; extensions: { code: string } }[] } };
async function ask(server: RunningServer): Promise<Answer> {
  const t0 = performance.now();
  const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ dataAsOf { position } }' }), signal: AbortSignal.timeout(30_000) });
  return { status: res.status, body: await res.json(), ms: performance.now() - t0 };
}
async function positions(): Promise<(number | undefined)[]> {
  return Promise.all(servers.map(async (s) => (await ask(s)).body.data?.dataAsOf.position));
}
async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (await check().catch(() => false)) return true;
  return false;
}

describe('PostgreSQL restarted under running servers', () => {
  it('answers UNAVAILABLE while it is down, then reconnects and resumes following', async () => {
    importEnrolments('before.ndjson', 1, 20);
    expect(await until(async () => (await positions()).every((p) => p === 20), 10_000)).toBe(true);

    cluster.stop();
    for (const s of servers) {
      const down = await ask(s);
      expect(down.ms).toBeLessThan(6000);
      expect(down.body.errors?.[0]?.extensions.code).toBe('UNAVAILABLE');
      expect(down.body.errors?.[0]?.message).toBe('the database is unavailable; retry with back-off');
      const ready = await fetch(s.url.replace(/\/graphql$/, '/readiness'));
      expect(ready.status).toBe(503);
      expect((await fetch(s.url.replace(/\/graphql$/, '/health'))).status).toBe(200);
    }
    // a little while down: the followers' reconnect attempts fail and are retried
    await new Promise((r) => setTimeout(r, 1500));
    for (const s of servers) expect(s.process.exitCode).toBeNull();

    cluster.start();
    expect(await until(async () => (await positions()).every((p) => p === 20), 15_000)).toBe(true);
    // following resumed: a projector holds the lock again, and both servers see the next import
    importEnrolments('after.ndjson', 100, 7);
    expect(await until(async () => (await positions()).every((p) => p === 27), 10_000)).toBe(true);
    const answer = await fetch(servers[1].url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ coverageAt(measure: ACTIVE_PARTICIPANTS, date: "2016-12-31", filter: { regionCodes: ["17"] }) { value } }' }),
    });
    expect((await answer.json()).data.coverageAt).toEqual([{ value: 27 }]);
    const logs = servers.map((s) => s.output()).join('\n');
    expect(logs).toContain('following the log');
    expect(logs).not.toMatch(/"level":60/); // nothing fatal
  });
});
