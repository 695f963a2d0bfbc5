// Following the log: how long after an append commits (in this process, as
// another writer would) a running `cakupan serve` on PostgreSQL answers from
// it (its dataAsOf.position reaches the appended position). N appends of one
// event each, a second apart; prints every figure's p50/p95/p99/max, and the
// same server's `{ __typename }` round trip as the floor.
// Usage: tsx bench/follow.ts [N]   (default 30)
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config/config.ts';
import { openPostgres } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { loadRegions } from '../src/domain/regions/load-regions.ts';
import { appendEvents } from '../src/eventstore/append.ts';
import { eventLineParser } from '../src/importer/event-line.ts';
import { startServe, throwawayDatabase } from './support.ts';

const n = Number(process.argv[2] ?? 30);
const config = loadConfig({ ...process.env, CAKUPAN_PSEUDONYM_SECRET: 'bench-secret-0123456789' });
const target = await throwawayDatabase('cakupan_follow');
const db = await openPostgres(target.url, 2);
await migrate(db);
await loadRegions(db);

const { url, proc: server } = await startServe({ DATABASE_URL: target.url, CAKUPAN_PSEUDONYM_SECRET: 'bench-secret-0123456789' });
const ask = async (query: string) => (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) })).json()) as { data: { dataAsOf: { position: number } } };

const parse = eventLineParser(config);
const follow: number[] = [];
const floor: number[] = [];
try {
  for (let i = 0; i < n; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = performance.now();
    await ask('{ __typename }');
    floor.push(performance.now() - t0);
    const event = parse({ eventId: randomUUID(), type: 'EmployerRegistered', effectiveOn: '2024-01-02', data: { npp: String(90_000_000 + i), name: `PT Bench ${i}`, regionCode: '3375', sizeClass: 'KECIL' } });
    const r = await appendEvents(db, [event], { atomic: true });
    const committed = performance.now();
    const position = r.headPosition;
    while ((await ask('{ dataAsOf { position } }')).data.dataAsOf.position < position) await new Promise((r) => setTimeout(r, 5));
    follow.push(performance.now() - committed);
  }
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  await db.close();
  await target.drop();
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const line = (name: string, xs: number[]) =>
  `${name.padEnd(44)} p50 ${pct(xs, 50).toFixed(1).padStart(7)} ms  p95 ${pct(xs, 95).toFixed(1).padStart(7)} ms  p99 ${pct(xs, 99).toFixed(1).padStart(7)} ms  max ${Math.max(...xs).toFixed(1).padStart(7)} ms`;
console.log(`${n} appends of one event, one a second, by another connection:`);
console.log(line('commit -> the server answers from it', follow));
console.log(line('floor: the server\'s { __typename } round trip', floor));
console.log(`ratio (p50): ${(pct(follow, 50) / pct(floor, 50)).toFixed(1)}x the floor; target: p99 under 1,000 ms`);
