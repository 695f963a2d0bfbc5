// Query cost against the number of recording days. The demo history is
// loaded twice on PostgreSQL: once by `cakupan import` (recorded within
// seconds), and again recorded over 365 distinct days (an in-process clock
// for benchmarks and tests only; in production recorded time is the
// database's). On each, the same series are timed in process: as known now
// from the in-memory cube and by SQL over the roll-ups, and as of instants
// along the recorded year (SQL: monthly vintages plus what was recorded
// since; from the cube, its rows by recording day). Prints p50/p95 per
// variant, the ratio of the 365-day history to the one-day history (target:
// within 1.5x), and of as-of to as-known-now (target: at most 3x). As the
// cube's own load is not timed in the as-known-now figures, the load of its
// rows by recording day (on a server's first as-of cut in the past) is timed
// apart, before the as-of rounds. Other query shapes are asked first (as
// known now, and as of after that load), so the rounds time the cube rather
// than the JIT compiling it; each figure still includes its own shapes'
// first sums (5 shapes in 50 rounds: the p95 is one of them).
// Usage: tsx bench/recorded.ts [--rounds 50]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { coverageSeries } from '../src/analytics/coverage-series.ts';
import { Cube } from '../src/analytics/cube.ts';
import { writeScenario } from '../src/cli/scenario-command.ts';
import { loadConfig } from '../src/config/config.ts';
import { openPostgres, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { loadRegions } from '../src/domain/regions/load-regions.ts';
import { appendEvents } from '../src/eventstore/append.ts';
import { eventLineParser } from '../src/importer/event-line.ts';
import { importFile } from '../src/importer/import-file.ts';
import { catchUp } from '../src/projections/runner.ts';
import { fmt, SERIES_QUERIES as QUERIES, throwawayDatabase, timed, WARM_UP_QUERIES as WARM_UP } from './support.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '50' } } });
const rounds = Number(values.rounds);
const config = loadConfig({ ...process.env, CAKUPAN_PSEUDONYM_SECRET: 'bench-secret-0123456789' });
const dir = mkdtempSync(path.join(os.tmpdir(), 'cakupan-bench-recorded-'));
const DAY = 86_400_000;
const START = Date.parse('2025-11-01T02:00:00Z');

type Figures = Record<'cube' | 'sql' | 'asOf' | 'asOfSql', { p50: number; p95: number }> & { cutLoad: number; cubeLoad: number };

async function measure(db: Database, asOfs: Date[]): Promise<Figures> {
  const cube = new Cube(db);
  let t = performance.now();
  await cube.current();
  const cubeLoad = performance.now() - t;
  for (const q of WARM_UP) await coverageSeries(db, q, { cube });
  let i = 0;
  const next = () => QUERIES[i++ % QUERIES.length];
  const cubeFigures = await timed(rounds, () => coverageSeries(db, next(), { cube }));
  const sql = await timed(rounds, () => coverageSeries(db, next()));
  // the first cut in the past loads the cube's rows by recording day (once per server)
  t = performance.now();
  await coverageSeries(db, { ...QUERIES[0], asOf: new Date(START) }, { cube });
  const cutLoad = performance.now() - t;
  for (const [k, q] of WARM_UP.entries()) await coverageSeries(db, { ...q, asOf: asOfs[(k * 5) % asOfs.length] }, { cube });
  return {
    cube: cubeFigures,
    sql,
    cubeLoad,
    cutLoad,
    // as a server answers: from the cube (what it holds, or its rows by recording day)
    asOf: await timed(rounds, () => coverageSeries(db, { ...next(), asOf: asOfs[i % asOfs.length] }, { cube })),
    // without a cube: SQL over the monthly vintages plus what was recorded since
    asOfSql: await timed(rounds, () => coverageSeries(db, { ...next(), asOf: asOfs[i % asOfs.length] })),
  };
}

async function sizes(db: Database): Promise<string> {
  const rows = await db.query<{ t: string; n: number }>(
    ['coverage_days', 'coverage_vintages', 'coverage_recorded'].map((t) => `SELECT '${t}' AS t, (SELECT count(*) FROM ${t})::int AS n`).join(' UNION ALL '),
  );
  return rows.map((r) => `${r.t} ${fmt(r.n)}`).join(', ');
}

try {
  const file = path.join(dir, 'demo.ndjson');
  const { events } = writeScenario(file, { scale: 0.001, seed: 1, progress: false });
  console.log(`recorded-time benchmark: the demo history (${fmt(events)} events) on PostgreSQL, ${rounds} rounds per figure (${os.cpus().length} cores, Node ${process.version})`);
  const results: Record<string, Figures> = {};
  for (const variant of ['imported at once', 'recorded over 365 days'] as const) {
    const pgDb = await throwawayDatabase('cakupan_bench_recorded');
    const db = await openPostgres(pgDb.url);
    try {
      await migrate(db);
      await loadRegions(db);
      let asOfs: Date[];
      if (variant === 'imported at once') {
        await importFile(db, config, file);
        const [{ at }] = await db.query<{ at: Date }>('SELECT max(recorded_at) AS at FROM events');
        asOfs = [new Date(at.getTime() + 1000)];
      } else {
        const parse = eventLineParser(config);
        const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
        const perDay = Math.ceil(lines.length / 365);
        for (let d = 0; d < 365; d++) {
          const at = new Date(START + d * DAY);
          const batch = lines.slice(d * perDay, (d + 1) * perDay).map((l) => parse(JSON.parse(l)));
          if (batch.length) await appendEvents(db, batch, { atomic: true, clock: () => at });
        }
        // cuts along the recorded year, at times of day between two days' appends
        asOfs = Array.from({ length: 12 }, (_, k) => new Date(START + (15 + 30 * k) * DAY + 5 * 3600_000));
      }
      const [{ days }] = await db.query<{ days: number }>("SELECT count(DISTINCT date_trunc('day', recorded_at))::int AS days FROM events");
      await catchUp(db);
      results[variant] = await measure(db, asOfs);
      console.log(`\n${variant}: ${days} recording day(s); ${await sizes(db)} rows`);
    } finally {
      await db.close();
      await pgDb.drop();
    }
  }
  const ms = (x: number) => x.toFixed(2);
  console.log('\n| series, in process | imported at once p50 / p95 ms | recorded over 365 days p50 / p95 ms | p95 ratio (target <= 1.5) |');
  console.log('|---|---|---|---|');
  for (const [k, label] of [
    ['cube', 'as known now, in-memory cube'],
    ['sql', 'as known now, SQL over the roll-ups'],
    ['asOf', 'as of an instant, in-memory cube (imported at once: after the last append; 365 days: cuts along the recorded year)'],
    ['asOfSql', 'as of an instant, SQL over vintages + recorded since'],
  ] as const) {
    const a = results['imported at once'][k];
    const b = results['recorded over 365 days'][k];
    console.log(`| ${label} | ${ms(a.p50)} / ${ms(a.p95)} | ${ms(b.p50)} / ${ms(b.p95)} | ${(b.p95 / a.p95).toFixed(2)} |`);
  }
  const r = results['recorded over 365 days'];
  console.log(`\nas-of p95 against as known now, 365 days: the cube ${(r.asOf.p95 / r.cube.p95).toFixed(2)}x the cube, SQL ${(r.asOfSql.p95 / r.sql.p95).toFixed(2)}x SQL (target <= 3x)`);
  for (const [variant, f] of Object.entries(results)) {
    console.log(`${variant}: the cube loaded in ${(f.cubeLoad / 1000).toFixed(2)} s; its rows by recording day, on the first cut in the past, in ${(f.cutLoad / 1000).toFixed(2)} s`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
