import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase } from '../support/database.ts';
import { startServer, type RunningServer } from '../support/server.ts';

const BIN = path.resolve('bin/cakupan.js');
const SAMPLE = path.resolve('test/fixtures/events.sample.ndjson');
const sampleEvents = readFileSync(SAMPLE, 'utf8').split('\n').filter((l) => l.trim()).length;
// (disclosure control off: these histories hold a handful of workers, and the checks are of raw counts)
const baseEnv = { ...process.env, CAKUPAN_PSEUDONYM_SECRET: 'e2e-secret-0123456789', CAKUPAN_LOG_FORMAT: 'json', CAKUPAN_MIN_CELL: '1' };
const exited = (child: { exitCode: number | null; once(e: 'exit', f: (code: number | null) => void): unknown }) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
/** Polls `check` every 100 ms for at most `ms`; true once it holds. */
async function until(check: () => Promise<boolean>, ms = 15_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (await check()) return true;
  return check();
}
/** The JSON log lines a process wrote to stderr. */
const logLines = (output: string) =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{"level"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('a server on PostgreSQL, scraped and probed', () => {
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  let server: RunningServer;
  let base: string;
  const env = () => ({ ...baseEnv, DATABASE_URL: db.url, CAKUPAN_READY_MAX_LAG: '3' });

  beforeAll(async () => {
    db = await createPgDatabase();
    server = await startServer([], env());
    base = server.url.replace(/\/graphql$/, '');
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('answers /health and /readiness, and /readiness fails while the read models trail the log by more than the bound', async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/readiness`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, database: 'ok', head: 0, lag: 0, maxLag: 3 });
    // hold the projection back: the follower's catch-up waits for this lock
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE rollup_cells IN ACCESS EXCLUSIVE MODE');
      const imported = spawnSync(process.execPath, [BIN, 'import', SAMPLE, '--no-project', '--rejects', path.join(os.tmpdir(), `ops-rejects-${process.pid}.ndjson`)], { env: env(), encoding: 'utf8' });
      expect(imported.status, imported.stderr).toBe(0);
      expect(imported.stdout).toContain('read models at position 0, not projected (--no-project)');
      const stale = await fetch(`${base}/readiness`);
      expect(stale.status).toBe(503);
      expect(await stale.json()).toMatchObject({ ready: false, head: sampleEvents, lag: sampleEvents, reason: `the read models trail the log by ${sampleEvents} events (more than 3)` });
      await locker.query('COMMIT');
      expect(await until(async () => (await fetch(`${base}/readiness`)).status === 200)).toBe(true);
    } finally {
      await locker.end();
    }
  });

  it('exports Prometheus metrics: requests and latency by operation, errors by code, imports, log head and projection lag, process', async () => {
    await until(async () => (await fetch(`${base}/readiness`)).status === 200);
    const key = spawnSync(process.execPath, [BIN, 'keys', 'create', '--role', 'WRITER'], { env: env(), encoding: 'utf8' }).stdout.trim().split('\n')[1];
    expect(key).toMatch(/^ck_/);
    await post(server.url, { query: 'query NationalYears { coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: YEAR, from: "2013-01-01", to: "2014-12-31") { rows { value } } }' });
    await post(server.url, { query: '{ coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: YEAR, from: "2014-01-01", to: "2013-12-31") { rows { value } } }' });
    const register = {
      query: 'mutation Register($e: EventInput!) { appendEvents(events: [$e]) { results { status } } }',
      variables: { e: { eventId: '6f1c1f47-63a4-4c8e-9d43-0b7bb5e1a001', type: 'EmployerRegistered', effectiveOn: '2024-01-02', data: { npp: '99000001', name: 'PT Metrik', regionCode: '3375', sizeClass: 'KECIL' } } },
    };
    for (let i = 0; i < 2; i++) await post(server.url, register, { authorization: `Bearer ${key}` });
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    expect(value('cakupan_http_requests_total{method="POST",operation="NationalYears",status="200"}')).toBe(1);
    expect(value('cakupan_http_request_duration_seconds_count{operation="NationalYears"}')).toBe(1);
    expect(value('cakupan_graphql_errors_total{code="VALIDATION"}')).toBe(1);
    expect(value('cakupan_import_events_total{outcome="appended"}')).toBe(1);
    expect(value('cakupan_import_events_total{outcome="duplicate"}')).toBe(1);
    // the mutation brought the read models up to the head, the CLI import's events included
    expect(value('cakupan_log_head_position')).toBe(sampleEvents + 1);
    expect(value('cakupan_projection_position{projection="participants"}')).toBe(sampleEvents + 1);
    expect(value('cakupan_projection_lag_events{projection="participants"}')).toBe(0);
    expect(value('cakupan_projection_lag_seconds{projection="participants"}')).toBe(0);
    expect(value('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('gives every response a request id (the caller’s if sane) and logs one access line per request, never the variables', async () => {
    const nik = '3375011203850001';
    const mine = await post(server.url, { query: 'query Probe { __typename }', variables: { nik } }, { 'x-request-id': 'bi-refresh-42' });
    expect(mine.headers.get('x-request-id')).toBe('bi-refresh-42');
    const theirs = await post(server.url, { query: '{ __typename }' }, { 'x-request-id': 'no spaces\tor tabs' });
    expect(theirs.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((r) => setTimeout(r, 100));
    const access = logLines(server.output()).find((l) => l.reqId === 'bi-refresh-42' && l.msg === 'request');
    expect(access).toMatchObject({ level: 30, method: 'POST', path: '/graphql', operation: 'Probe', status: 200 });
    expect(typeof access!.ms).toBe('number');
    expect(server.output()).not.toContain(nik);
  });

  it('logs an expected error at info with its code, not at error', async () => {
    await post(server.url, { query: '{ coverageAt(measure: ACTIVE_PARTICIPANTS, date: "2023-02-30") { value } }' }, { 'x-request-id': 'bad-date' });
    await new Promise((r) => setTimeout(r, 100));
    const line = logLines(server.output()).find((l) => l.reqId === 'bad-date' && l.code);
    expect(line).toMatchObject({ level: 30, code: 'VALIDATION' });
    expect(String(line!.msg)).toContain('must be a real calendar date');
  });
});

describe('servers on one PostgreSQL database, following the log', () => {
  it('reflect what another process appends, and a survivor takes over projecting when the projector is killed', async () => {
    const db = await createPgDatabase();
    const env = { ...baseEnv, DATABASE_URL: db.url, CAKUPAN_FOLLOW_POLL_MS: '200' };
    const servers = [await startServer([], env), await startServer([], env)];
    const asOf = async (s: RunningServer) => {
      const r = await (await post(s.url, { query: '{ dataAsOf { position logHeadPosition } }' })).json();
      return r.data.dataAsOf as { position: number; logHeadPosition: number };
    };
    const isProjector = (s: RunningServer) => s.output().includes('this server is the projector');
    try {
      expect(await until(async () => servers.filter(isProjector).length === 1)).toBe(true);
      const imported = spawnSync(process.execPath, [BIN, 'import', SAMPLE, '--no-project', '--rejects', path.join(os.tmpdir(), `follow-rejects-${process.pid}.ndjson`)], { env, encoding: 'utf8' });
      expect(imported.status, imported.stderr).toBe(0);
      for (const s of servers) expect(await until(async () => (await asOf(s)).position === sampleEvents)).toBe(true);
      // each server answers series from its own cube: the projector's in-process, the other's from read_model_changes
      const series = '{ coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: MONTH, from: "2013-01-01", to: "2013-03-31") { position rows { value } } }';
      const seriesOf = async (s: RunningServer) => (await (await post(s.url, { query: series })).json()).data.coverageSeries as { position: number; rows: { value: number }[] };
      for (const s of servers) expect(await until(async () => (await seriesOf(s)).position === sampleEvents)).toBe(true);
      const [a, b] = await Promise.all(servers.map(seriesOf));
      expect(a.rows[0]).toEqual({ value: 1 });
      expect(b).toEqual(a);
      const active = '{ coverageAt(measure: ACTIVE_PARTICIPANTS, date: "2013-01-31") { value } }';
      const answers = await Promise.all(servers.map(async (s) => (await post(s.url, { query: active })).json()));
      expect(answers[0]).toEqual({ data: { coverageAt: [{ value: 1 }] } });
      expect(answers[1]).toEqual(answers[0]);

      const [leader, survivor] = isProjector(servers[0]) ? servers : [servers[1], servers[0]];
      leader.process.kill('SIGKILL');
      await exited(leader.process);
      expect(isProjector(survivor)).toBe(false);
      // a plain SQL append, as any other writer: the survivor takes the lock and projects it
      const more = path.join(os.tmpdir(), `follow-more-${process.pid}.ndjson`);
      writeFileSync(more, JSON.stringify({ eventId: '6f1c1f47-63a4-4c8e-9d43-0b7bb5e1a0f0', type: 'EmployerRegistered', effectiveOn: '2024-01-02', data: { npp: '99000002', name: 'PT Pengikut', regionCode: '3375', sizeClass: 'KECIL' } }) + '\n');
      expect(spawnSync(process.execPath, [BIN, 'import', more, '--no-project', '--rejects', `${more}.rejects`], { env, encoding: 'utf8' }).status).toBe(0);
      expect(await until(async () => (await asOf(survivor)).position === sampleEvents + 1)).toBe(true);
      expect(isProjector(survivor)).toBe(true);
    } finally {
      for (const s of servers) await s.stop();
      await db.drop();
    }
  });
});

describe('stopping a server', () => {
  it('drains an in-flight request on SIGTERM, refuses new connections, then exits 0', async () => {
    const db = await createPgDatabase();
    const server = await startServer([], { ...baseEnv, DATABASE_URL: db.url });
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      // a real slow request: an as-of cut first reads when the log's events were recorded (SQL, not the cube), and waits for a table lock this test holds
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
      const slow = post(server.url, { query: '{ coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: DAY, from: "2014-01-01", to: "2014-01-05", asOf: "2020-01-01T00:00:00Z", filter: { regionCodes: ["3375"] }) { rows { value } } }' });
      await new Promise((r) => setTimeout(r, 500));
      server.process.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 1000));
      expect(server.process.exitCode).toBeNull(); // still draining
      await expect(fetch(`${server.url.replace(/\/graphql$/, '')}/health`)).rejects.toThrow(); // no new connections
      await locker.query('COMMIT');
      const res = await slow;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ data: { coverageSeries: { rows: Array.from({ length: 5 }, () => ({ value: 0 })) } } });
      expect(await exited(server.process)).toBe(0);
      expect(server.output()).toMatch(/"msg":"stopped"/);
    } finally {
      await locker.end();
      await server.stop();
      await db.drop();
    }
  });

  it('takes over the PGlite lock of a server killed with kill -9, with a warning', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cakupan-ops-'));
    try {
      const env = { ...baseEnv, CAKUPAN_DATA_DIR: dir };
      const first = await startServer([], env);
      first.process.kill('SIGKILL');
      await exited(first.process);
      const lock = JSON.parse(readFileSync(path.join(dir, 'cakupan.lock'), 'utf8'));
      expect(lock).toEqual({ pid: first.process.pid, holder: 'serve' });
      const second = await startServer([], env);
      const warning = logLines(second.output()).find((l) => l.level === 40 && String(l.msg).startsWith('taking over a stale lock'));
      expect(warning).toMatchObject({ pid: first.process.pid, holder: 'serve' });
      second.process.kill('SIGTERM');
      expect(await exited(second.process)).toBe(0);
      expect(existsSync(path.join(dir, 'cakupan.lock'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('under `npm start`, SIGTERM to npm stops the server, exits 0 and releases the data directory', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cakupan-npm-start-'));
    try {
      const npm = spawn('npm', ['start', '--', '--demo-scale', '0.0001'], { env: { ...baseEnv, CAKUPAN_DATA_DIR: dir, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      npm.stdout.on('data', (d) => (out += d));
      npm.stderr.on('data', (d) => (out += d));
      const url = await new Promise<string>((resolve, reject) => {
        npm.stdout.on('data', () => {
          const m = /GraphiQL: (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]);
        });
        npm.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${out}`)));
      });
      expect((await post(url, { query: '{ __typename }' })).status).toBe(200);
      expect(existsSync(path.join(dir, 'cakupan.lock'))).toBe(true);
      npm.kill('SIGTERM');
      expect(await exited(npm)).toBe(0);
      expect(out).toMatch(/"msg":"stopped"/);
      expect(existsSync(path.join(dir, 'cakupan.lock'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('configuration', () => {
  it('reports a bad variable by name through the one schema, without a stack trace', () => {
    const r = spawnSync(process.execPath, [BIN, 'project'], { env: { ...baseEnv, CAKUPAN_LOG_LEVEL: 'verbose', PORT: 'eighty' }, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'cakupan project: invalid configuration: CAKUPAN_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; PORT must be a port number\n',
    );
  });

  it('binds the interface HOST names, and --host wins over it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cakupan-host-'));
    try {
      const byEnv = await startServer([], { ...baseEnv, CAKUPAN_DATA_DIR: dir, HOST: '127.0.0.2' });
      expect(byEnv.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+\/graphql$/);
      await byEnv.stop();
      const byFlag = await startServer(['--host', '127.0.0.3'], { ...baseEnv, CAKUPAN_DATA_DIR: dir, HOST: '127.0.0.2' });
      expect(byFlag.url).toMatch(/^http:\/\/127\.0\.0\.3:\d+\/graphql$/);
      expect((await post(byFlag.url, { query: '{ __typename }' })).status).toBe(200);
      await byFlag.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists the variables a command reads in its help', () => {
    const r = spawnSync(process.execPath, [BIN, 'serve', '--help'], { env: baseEnv, encoding: 'utf8' });
    expect(r.stdout).toMatch(/Environment \(serve\):\n {2}DATABASE_URL /);
    for (const v of ['HOST', 'PORT', 'CAKUPAN_READY_MAX_LAG', 'CAKUPAN_SHUTDOWN_TIMEOUT_MS', 'CAKUPAN_JWT_SECRET']) expect(r.stdout).toContain(`\n  ${v} `);
    const verify = spawnSync(process.execPath, [BIN, 'verify', '--help'], { env: baseEnv, encoding: 'utf8' });
    expect(verify.stdout).toContain('\n  CAKUPAN_LOG_LEVEL ');
    expect(verify.stdout).not.toContain('\n  HOST ');
  });
});
