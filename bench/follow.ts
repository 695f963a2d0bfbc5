// Following the log: how long after an append commits a running `cakupan
// serve` on PostgreSQL answers from it, for each way events arrive:
//   - appendEvents by another connection (as any writer would);
//   - `cakupan import --no-project` from another process (the projector
//     among the servers projects it);
//   - the appendEvents mutation on another server;
// and how long until a live `coverageSeries` subscription (SSE) receives the
// new answer. Two servers share one throwaway database; answers are read on
// server B. The lag is measured from the event's recorded_at (the appending
// transaction's clock, on this machine), so it slightly overstates the lag
// from the commit. One append a second per figure; prints p50/p95/p99/max
// and the same server's `{ __typename }` round trip as the floor.
// Usage: tsx bench/follow.ts [N]   (default 20 of each)
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-sse';
import { loadConfig } from '../src/config/config.ts';
import { openPostgres } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { loadRegions } from '../src/domain/regions/load-regions.ts';
import { appendEvents } from '../src/eventstore/append.ts';
import { createApiKey } from '../src/graphql/auth.ts';
import { eventLineParser } from '../src/importer/event-line.ts';
import { startServe, throwawayDatabase } from './support.ts';

const n = Number(process.argv[2] ?? 20);
const SECRET = 'bench-secret-0123456789';
const config = loadConfig({ ...process.env, CAKUPAN_PSEUDONYM_SECRET: SECRET });
const target = await throwawayDatabase('cakupan_follow');
const db = await openPostgres(target.url, 2);
await migrate(db);
await loadRegions(db);
const { key } = await createApiKey(db, 'WRITER', 'bench');
const env = { DATABASE_URL: target.url, CAKUPAN_PSEUDONYM_SECRET: SECRET };
const [a, b] = await Promise.all([startServe(env), startServe(env)]);
const dir = mkdtempSync(path.join(os.tmpdir(), 'cakupan-follow-'));

const post = async (url: string, query: string, variables?: unknown, headers: Record<string, string> = {}) =>
  (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) })).json()) as {
    data: Record<string, any>;
    errors?: unknown[];
  };
const recordedAt = async (position: number) => (await db.query<{ t: Date }>('SELECT recorded_at AS t FROM events WHERE position = $1', [position]))[0].t.getTime();
const head = async () => (await db.query<{ p: number }>('SELECT coalesce(max(position), 0) AS p FROM events'))[0].p;
/** Wall-clock time at which server B first answers from `position`. */
async function answeredAt(position: number): Promise<number> {
  while ((await post(b.url, '{ dataAsOf { position } }')).data.dataAsOf.position < position) await new Promise((r) => setTimeout(r, 5));
  return Date.now();
}

const parse = eventLineParser(config);
let i = 0;
const nextEvent = () => {
  i++;
  return { eventId: randomUUID(), type: 'EmployerRegistered', effectiveOn: '2024-01-02', data: { npp: String(90_000_000 + i), name: `PT Bench ${i}`, regionCode: '3375', sizeClass: 'KECIL' } };
};

// a live series on server B, stamped on arrival
const sse = createClient({ url: b.url, singleConnection: false, retryAttempts: 0 });
const arrivals = new Map<number, number>();
const live = sse.iterate<{ coverageSeries: { position: number } }>({
  query: 'subscription { coverageSeries(measure: ACTIVE_EMPLOYERS, granularity: YEAR, from: "2024-01-01", to: "2024-12-31") { position } }',
});
const listening = (async () => {
  for await (const r of live) if (r.data) arrivals.set(r.data.coverageSeries.position, Date.now());
})();

const figures: Record<string, number[]> = { append: [], import: [], mutation: [], live: [], floor: [] };
try {
  for (let k = 0; k < n; k++) {
    for (const how of ['append', 'import', 'mutation'] as const) {
      await new Promise((r) => setTimeout(r, 1000));
      const t0 = performance.now();
      await post(b.url, '{ __typename }');
      figures.floor.push(performance.now() - t0);
      if (how === 'append') {
        await appendEvents(db, [parse(nextEvent())], { atomic: true });
      } else if (how === 'import') {
        const file = path.join(dir, 'one.ndjson');
        writeFileSync(file, JSON.stringify(nextEvent()) + '\n');
        const r = spawnSync(process.execPath, ['bin/cakupan.js', 'import', file, '--no-project', '--no-progress'], { env: { ...process.env, ...env, CAKUPAN_LOG_LEVEL: 'warn' }, encoding: 'utf8' });
        if (r.status !== 0) throw new Error(r.stderr);
      } else {
        const r = await post(a.url, 'mutation($e: [EventInput!]!) { appendEvents(events: $e) { committed } }', { e: [nextEvent()] }, { authorization: `Bearer ${key}` });
        if (!r.data?.appendEvents.committed) throw new Error(JSON.stringify(r));
      }
      const position = await head();
      const recorded = await recordedAt(position);
      figures[how].push((await answeredAt(position)) - recorded);
      for (const end = Date.now() + 3000; !arrivals.has(position) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 5));
      if (arrivals.has(position)) figures.live.push(arrivals.get(position)! - recorded);
    }
  }
} finally {
  await live.return?.();
  sse.dispose();
  await listening.catch(() => {});
  for (const s of [a, b]) {
    s.proc.kill('SIGTERM');
    await new Promise((r) => s.proc.once('exit', r));
  }
  await db.close();
  await target.drop();
  rmSync(dir, { recursive: true, force: true });
}

const pct = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const line = (name: string, xs: number[]) =>
  `${name.padEnd(58)} p50 ${pct(xs, 50).toFixed(0).padStart(5)} ms  p95 ${pct(xs, 95).toFixed(0).padStart(5)} ms  p99 ${pct(xs, 99).toFixed(0).padStart(5)} ms  max ${Math.max(...xs).toFixed(0).padStart(5)} ms  (n=${xs.length})`;
console.log(`recorded -> server B answers from it (dataAsOf.position), ${n} of each, one a second:`);
console.log(line('appendEvents by another connection', figures.append));
console.log(line('cakupan import --no-project (another process)', figures.import));
console.log(line('appendEvents mutation on server A', figures.mutation));
console.log(line('live coverageSeries on server B receives it (all three)', figures.live));
console.log(line("floor: server B's { __typename } round trip", figures.floor));
console.log(`target: p99 under 1,000 ms; live answers are paced at most one a second (the pacing is part of the live figure)`);
