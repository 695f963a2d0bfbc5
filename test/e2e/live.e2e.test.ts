import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient, type Client } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase } from '../support/database.ts';
import { nik, writeEnrolmentFile } from '../support/events.ts';
import { httpQuery, startServer, type RunningServer } from '../support/server.ts';

// Live updates over Server-Sent Events against a real server process: a
// subscriber sees the read models move when another process (`cakupan
// import`) appends to the log, and its live series is re-sent with the new
// figures, at most once a second. Checked on PostgreSQL (following the log)
// and on PGlite (the server's own mutations).

const BIN = path.resolve('bin/cakupan.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'cakupan-live-'));
// (disclosure control off: these histories hold a handful of workers, and the checks are of raw counts)
const baseEnv = { ...process.env, CAKUPAN_PSEUDONYM_SECRET: 'e2e-secret-0123456789', CAKUPAN_LOG_FORMAT: 'json', CAKUPAN_MIN_CELL: '1' };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SERIES = `subscription Live($from: Date!, $to: Date!) {
  coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: MONTH, from: $from, to: $to, groupBy: [PROVINCE]) { position rows { periodEnd provinceCode value } }
}`;
type Series = { coverageSeries: { position: number; rows: { periodEnd: string; provinceCode: string; value: number }[] } };
type Advanced = { logAdvanced: { position: number; recordedAt: string | null } };

/** An import file of `n` self-paid enrolments in one regency, effective on one day. */
const enrolments = (name: string, n: number, first: number, regency: string, on: string) => writeEnrolmentFile(path.join(dir, name), first, n, regency, on);

/** Reads a subscription into a list as payloads arrive; `next(pred)` waits for the first new one that holds. */
function collect<T>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const got: { at: number; data: T }[] = [];
  const errors: unknown[] = [];
  const iterator = client.iterate<T>({ query, variables });
  const done = (async () => {
    try {
      for await (const r of iterator) {
        if (r.errors) errors.push(...r.errors);
        else got.push({ at: performance.now(), data: r.data as T });
      }
    } catch (e) {
      errors.push(e);
    }
  })();
  return {
    got,
    errors,
    async next(pred: (d: T) => boolean, ms = 10_000): Promise<{ at: number; data: T }> {
      for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
        const hit = got.find((g) => pred(g.data));
        if (hit) return hit;
        if (errors.length) throw new Error(`subscription failed: ${JSON.stringify(errors)}`);
      }
      throw new Error(`no matching payload in ${ms} ms; got ${JSON.stringify(got.map((g) => g.data))}`);
    },
    async stop() {
      await iterator.return?.();
      await done;
    },
  };
}

describe('live updates on PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  let server: RunningServer;
  let client: Client;
  const env = () => ({ ...baseEnv, DATABASE_URL: db.url });

  beforeAll(async () => {
    db = await createPgDatabase();
    server = await startServer([], env());
    client = createClient({ url: server.url, singleConnection: false, retryAttempts: 0 });
  });
  afterAll(async () => {
    client?.dispose();
    await server?.stop();
    await db?.drop();
  });

  it('re-sends a live series and tells logAdvanced subscribers when another process imports, within a second', async () => {
    const advances = collect<Advanced>(client, 'subscription { logAdvanced { position recordedAt } }');
    const series = collect<Series>(client, SERIES, { from: '2014-01-01', to: '2014-03-31' });
    try {
      // the first answer comes at once, from where the read models stand (an empty log)
      const first = await series.next(() => true);
      expect(first.data.coverageSeries.position).toBe(0);
      expect(first.data.coverageSeries.rows.every((r) => r.value === 0)).toBe(true);

      const lags: number[] = [];
      let expected = 0;
      for (const [i, [regency, n]] of ([['3375', 40], ['1771', 25], ['3375', 10]] as const).entries()) {
        const file = enrolments(`batch-${i}.ndjson`, n, 1 + i * 100, regency, '2014-02-10');
        const imported = spawnSync(process.execPath, [BIN, 'import', file, '--rejects', path.join(dir, `rejects-${i}.ndjson`)], { env: env(), encoding: 'utf8' });
        expect(imported.status, imported.stderr).toBe(0);
        const committed = performance.now();
        expected += n;
        const moved = await series.next((d) => d.coverageSeries.position === expected);
        lags.push(moved.at - committed);
        // the live answer is what a plain query says at that position
        const query = SERIES.replace('subscription Live', 'query Now');
        expect(moved.data).toEqual(await httpQuery<Series>(server.url, query, { from: '2014-01-01', to: '2014-03-31' }));
        const adv = await advances.next((d) => d.logAdvanced.position === expected);
        expect(new Date(adv.data.logAdvanced.recordedAt!).getTime()).toBeGreaterThan(0);
      }
      const last = series.got.at(-1)!.data.coverageSeries;
      expect(last.rows.filter((r) => r.periodEnd === '2014-03-31')).toEqual([
        { periodEnd: '2014-03-31', provinceCode: '17', value: 25 },
        { periodEnd: '2014-03-31', provinceCode: '33', value: 50 },
      ]);
      // the import's own catch-up commits before it exits; the server answers within the bound
      expect(Math.max(...lags)).toBeLessThan(1000 + 1000); // the at-most-once-a-second pacing, plus the 1 s bound
      // positions only move forward, each sent once
      const positions = series.got.map((g) => g.data.coverageSeries.position);
      expect(positions).toEqual([...new Set(positions)].sort((a, b) => a - b));
      // answers are paced: never two within the interval
      const gaps = series.got.slice(1).map((g, i) => g.at - series.got[i].at);
      expect(Math.min(...gaps.slice(1))).toBeGreaterThanOrEqual(950);
      expect(series.errors).toEqual([]);
    } finally {
      await advances.stop();
      await series.stop();
    }
  });

  it('answers bad arguments of a live series with a typed error naming the field', async () => {
    const bad = collect<Series>(client, SERIES, { from: '2014-03-01', to: '2014-01-31' });
    await expect(bad.next(() => true, 5000)).rejects.toThrow(/"code":"VALIDATION".*"field":"from"/);
    await bad.stop();
  });

  it('ends its live streams when the server stops, so stopping does not wait for them', async () => {
    const live = collect<Advanced>(client, 'subscription { logAdvanced { position } }');
    await new Promise((r) => setTimeout(r, 300)); // the stream is open
    const started = performance.now();
    await server.stop();
    expect(performance.now() - started).toBeLessThan(5000);
    await live.stop();
    expect(server.process.exitCode).toBe(0);
  });
});

describe('live updates on PGlite', () => {
  it('re-sends a live series after a mutation on the same server', async () => {
    const dataDir = mkdtempSync(path.join(dir, 'pglite-'));
    const env: NodeJS.ProcessEnv = { ...baseEnv, CAKUPAN_DATA_DIR: dataDir };
    delete env.DATABASE_URL;
    const created = spawnSync(process.execPath, [BIN, 'keys', 'create', '--role', 'WRITER'], { env, encoding: 'utf8' });
    expect(created.status, created.stderr).toBe(0);
    const key = created.stdout.trim().split('\n')[1];
    const server = await startServer([], env);
    const client = createClient({ url: server.url, singleConnection: false, retryAttempts: 0 });
    const series = collect<Series>(client, SERIES, { from: '2014-01-01', to: '2014-03-31' });
    try {
      expect((await series.next(() => true)).data.coverageSeries.position).toBe(0);
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({
          query: `mutation($e: [EventInput!]!) { appendEvents(events: $e) { committed results { status error { message } } } }`,
          variables: { e: [1, 2, 3].map((n) => ({ eventId: randomUUID(), type: 'WorkerEnrolled', effectiveOn: '2014-02-10', data: { nik: nik(n, '3171'), segment: 'BPU', programs: ['JKK', 'JKM'], regionCode: '3171', sponsor: 'SELF' } })) },
        }),
      });
      const body = await res.json();
      expect(body.data.appendEvents, JSON.stringify(body)).toMatchObject({ committed: true });
      const moved = await series.next((d) => d.coverageSeries.position === 3);
      expect(moved.data.coverageSeries.rows.filter((r) => r.periodEnd === '2014-03-31')).toEqual([{ periodEnd: '2014-03-31', provinceCode: '31', value: 3 }]);
    } finally {
      await series.stop();
      client.dispose();
      await server.stop();
    }
  });
});
