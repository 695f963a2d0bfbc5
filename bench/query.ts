// Query latency: a 14-year monthly national series grouped by province
// (ACTIVE_PARTICIPANTS), answered from the roll-ups, against the same answer
// computed by a plain SQL GROUP BY over the log, at each log size given.
// Usage: tsx bench/query.ts [N ...]   (default 1000000 5000000; PostgreSQL)
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { coverageSeries } from '../src/analytics/coverage-series.ts';
import { loadConfig } from '../src/config/config.ts';
import { openPostgres } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { loadRegions } from '../src/domain/regions/load-regions.ts';
import { regions } from '../src/domain/regions/regions.ts';
import { importFile } from '../src/importer/import-file.ts';
import { catchUp } from '../src/projections/runner.ts';
import { fmt, throwawayDatabase } from './support.ts';
import { uuidFor } from './synthetic.ts';

const sizes = process.argv.slice(2).map(Number);
const config = loadConfig({ ...process.env, CAKUPAN_PSEUDONYM_SECRET: 'bench-secret-0123456789' });
const regencies = [...regions().values()].filter((r) => r.level === 'REGENCY' && !r.currentCode).map((r) => r.code);

// Deterministic pseudo-random history: workers enrol on any day 2013-2026 in
// any regency; a third lapse later. NIK serials make every worker distinct.
function* history(n: number): Generator<string> {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const day = (lo: number) => new Date(Date.UTC(2013, 0, 1) + Math.floor(lo + rnd() * (5113 - lo)) * 86_400_000);
  let id = 0;
  for (let w = 0; id < n; w++) {
    const regency = regencies[Math.floor(rnd() * regencies.length)];
    const nik = `${regency}01${String(1 + (w % 28)).padStart(2, '0')}${String(1 + (Math.floor(w / 28) % 12)).padStart(2, '0')}${String(60 + (Math.floor(w / 336) % 40)).padStart(2, '0')}${String(1 + Math.floor(w / 13440)).padStart(4, '0')}`;
    const start = day(0);
    const offset = Math.floor((start.getTime() - Date.UTC(2013, 0, 1)) / 86_400_000);
    yield JSON.stringify({ eventId: uuidFor(id++, 'q'), type: 'WorkerEnrolled', effectiveOn: start.toISOString().slice(0, 10), data: { nik, segment: 'BPU', programs: ['JKK', 'JKM'], regionCode: regency, sponsor: 'SELF' } });
    if (id < n && rnd() < 0.5) yield JSON.stringify({ eventId: uuidFor(id++, 'q'), type: 'WorkerLapsed', effectiveOn: day(offset + 1).toISOString().slice(0, 10), data: { nik, reason: 'NON_PAYMENT' } });
  }
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
mkdirSync('.bench', { recursive: true });

for (const n of sizes.length ? sizes : [1_000_000, 5_000_000]) {
  const file = path.resolve(`.bench/query-${n}.ndjson`);
  writeFileSync(file, ''); // streamed below in chunks to bound memory
  const { appendFileSync } = await import('node:fs');
  let chunk: string[] = [];
  for (const line of history(n)) {
    chunk.push(line);
    if (chunk.length === 100_000) {
      appendFileSync(file, chunk.join('\n') + '\n');
      chunk = [];
    }
  }
  if (chunk.length) appendFileSync(file, chunk.join('\n') + '\n');

  const target = await throwawayDatabase('cakupan_qbench');
  const db = await openPostgres(target.url);
  try {
    await migrate(db);
    await loadRegions(db);
    let t = performance.now();
    const imported = await importFile(db, config, file, { batchSize: 10_000 });
    const importS = (performance.now() - t) / 1000;
    t = performance.now();
    await catchUp(db);
    const projectS = (performance.now() - t) / 1000;
    await db.query('ANALYZE');

    const query = { measure: 'ACTIVE_PARTICIPANTS' as const, granularity: 'MONTH' as const, from: '2013-01-01', to: '2026-12-31', groupBy: ['PROVINCE' as const] };
    const fast: number[] = [];
    let answer = await coverageSeries(db, query);
    for (let i = 0; i < 30; i++) {
      t = performance.now();
      answer = await coverageSeries(db, query);
      fast.push(performance.now() - t);
    }
    // Baseline: the same balances by a plain GROUP BY over the log: +1 per
    // enrolment and -1 per lapse by effective month and province, summed
    // cumulatively (what a hand-written query on an event table does).
    const scanSql = `
      WITH deltas AS (
        SELECT date_trunc('month', effective_on)::date AS month, left(region_code, 2) AS province,
               sum(CASE type WHEN 'WorkerEnrolled' THEN 1 ELSE -1 END) AS d
          FROM events WHERE type IN ('WorkerEnrolled', 'WorkerLapsed') GROUP BY 1, 2),
      grid AS (
        SELECT m::date AS month, p.province FROM generate_series('2013-01-01'::date, '2026-12-01'::date, interval '1 month') m
         CROSS JOIN (SELECT DISTINCT province FROM deltas) p)
      SELECT (g.month + interval '1 month' - interval '1 day')::date::text AS month_end, g.province,
             (sum(coalesce(d.d, 0)) OVER (PARTITION BY g.province ORDER BY g.month)
              + coalesce((SELECT sum(d2.d) FROM deltas d2 WHERE d2.province = g.province AND d2.month < '2013-01-01'), 0))::int AS active
        FROM grid g LEFT JOIN deltas d ON d.month = g.month AND d.province = g.province
       ORDER BY 1, 2`;
    const slow: number[] = [];
    let scan: { month_end: string; province: string; active: number }[] = [];
    for (let i = 0; i < 3; i++) {
      t = performance.now();
      scan = await db.query(scanSql);
      slow.push(performance.now() - t);
    }
    const fromRollups = new Map(answer.rows.map((r) => [`${r.periodEnd}|${r.provinceCode}`, r.value]));
    const mismatches = scan.filter((r) => fromRollups.get(`${r.month_end}|${r.province}`) !== Number(r.active)).length;
    console.log(`\n${fmt(n)} events (${fmt(imported.appended)} imported in ${importS.toFixed(0)} s, projected in ${projectS.toFixed(0)} s)`);
    console.log(`  roll-up series (168 months x ${answer.series.length} provinces): p50 ${pct(fast, 50).toFixed(1)} ms, p95 ${pct(fast, 95).toFixed(1)} ms`);
    console.log(`  baseline GROUP BY over the log:               p50 ${pct(slow, 50).toFixed(0)} ms`);
    console.log(`  speed-up at p50: ${(pct(slow, 50) / pct(fast, 50)).toFixed(0)}x; answers differ in ${mismatches} of ${scan.length} cells`);
  } finally {
    await db.close();
    await target.drop();
  }
}
console.log('\ntargets: p95 < 50 ms and >= 100x faster than the log scan at 5M events');
