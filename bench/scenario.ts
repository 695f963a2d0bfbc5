// Loading the reference scenario: generate, import, project, timed per step,
// on PGlite (what `npm start` does) or PostgreSQL; then the log's and the
// read models' sizes, the process's peak memory, and the series of
// bench/recorded.ts timed in process on that database (the in-memory cube, as
// a server answers; its load timed apart). The budgets: 2 minutes at the demo
// scale on PGlite, 15 minutes for the whole load at scale 0.1 (12.4 million
// events) on PostgreSQL; the line printed last is the total against its budget.
// On PostgreSQL the log is projected alongside the import, as `cakupan import`
// does (a projector thread); the project step is then the time from the
// import's end to the read models at the head.
// Usage: tsx bench/scenario.ts [--scale 0.001] [--engine pglite|postgres] [--rounds 50] [--keep] [--after]
//   --keep leaves the PostgreSQL database (its URL is printed) for a look afterwards.
//   --after projects after the import instead (the steps apart, as on PGlite).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { coverageSeries } from '../src/analytics/coverage-series.ts';
import { Cube } from '../src/analytics/cube.ts';
import { writeScenario } from '../src/cli/scenario-command.ts';
import { loadConfig } from '../src/config/config.ts';
import { openPglite, openPostgres } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { loadRegions } from '../src/domain/regions/load-regions.ts';
import { importFile } from '../src/importer/import-file.ts';
import { ProjectorThread } from '../src/projections/projector-thread.ts';
import { catchUp, READ_MODEL_TABLES } from '../src/projections/runner.ts';
import { fmt, rate, SERIES_QUERIES, throwawayDatabase, timed, WARM_UP_QUERIES } from './support.ts';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '0.001' },
    engine: { type: 'string', default: 'pglite' },
    rounds: { type: 'string', default: '50' },
    keep: { type: 'boolean', default: false },
    after: { type: 'boolean', default: false },
  },
});
const scale = Number(values.scale);
const config = loadConfig({ ...process.env, CAKUPAN_PSEUDONYM_SECRET: 'bench-secret-0123456789' });
const dir = mkdtempSync(path.join(os.tmpdir(), 'cakupan-bench-scenario-'));
const pgDb = values.engine === 'postgres' ? await throwawayDatabase('cakupan_bench_scenario') : undefined;
console.log(`scenario benchmark: scale ${scale}, ${values.engine} (${os.cpus().length} cores, Node ${process.version})`);

try {
  const file = path.join(dir, 'scenario.ndjson');
  let t = performance.now();
  const summary = writeScenario(file, { scale, seed: 1, progress: false });
  const generateMs = performance.now() - t;
  console.log(`generate  ${fmt(summary.events)} events (${(statSync(file).size / 1e6).toFixed(0)} MB) in ${(generateMs / 1000).toFixed(1)} s`);

  const db = pgDb ? await openPostgres(pgDb.url) : await openPglite(path.join(dir, 'data'));
  try {
    await migrate(db);
    await loadRegions(db);
    t = performance.now();
    const alongside = pgDb && !values.after ? new ProjectorThread(pgDb.url) : undefined;
    const importing = importFile(db, config, file);
    const imported = await (alongside ? alongside.during(importing) : importing);
    const importMs = performance.now() - t;
    if (imported.rejected) throw new Error(`${imported.rejected} lines rejected, first: ${JSON.stringify(imported.rejects[0])}`);
    console.log(`import    ${fmt(imported.appended)} events in ${(importMs / 1000).toFixed(1)} s (${fmt(rate(imported.appended, importMs))} events/s)`);
    t = performance.now();
    const projectedBefore = alongside?.position ?? 0;
    if (alongside) await alongside.finish();
    else await catchUp(db);
    const projectMs = performance.now() - t;
    console.log(
      alongside
        ? `project   alongside the import (${fmt(projectedBefore)} events projected when it ended), at the head ${(projectMs / 1000).toFixed(1)} s after it; ` +
            `import and project ${((importMs + projectMs) / 1000).toFixed(1)} s (${fmt(rate(imported.appended, importMs + projectMs))} events/s)`
        : `project   in ${(projectMs / 1000).toFixed(1)} s (${fmt(rate(imported.appended, projectMs))} events/s)`,
    );
    const total = (generateMs + importMs + projectMs) / 1000;
    const peakMb = process.resourceUsage().maxRSS / 1024;
    console.log(`peak memory of this process (generate, import, project): ${peakMb.toFixed(0)} MB resident`);
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
    const tables = await db.query<{ t: string; rows: number; bytes: number }>(
      ['events', ...READ_MODEL_TABLES].map((t) => `SELECT '${t}' AS t, (SELECT count(*) FROM ${t})::int8 AS rows, pg_total_relation_size('${t}')::int8 AS bytes`).join(' UNION ALL '),
    );
    const [log, ...models] = tables.map((r) => ({ ...r, rows: Number(r.rows), bytes: Number(r.bytes) }));
    console.log(`log       ${fmt(log.rows)} events, ${mb(log.bytes)} (table and indexes)`);
    console.log(`read models ${mb(models.reduce((a, r) => a + r.bytes, 0))}: ${models.map((r) => `${r.t} ${fmt(r.rows)} rows ${mb(r.bytes)}`).join(', ')}`);
    // the series as a server answers them: from the in-memory cube, loaded once (timed apart), after a warm-up of other shapes
    const cube = new Cube(db);
    t = performance.now();
    await cube.current();
    const cubeMs = performance.now() - t;
    for (const q of WARM_UP_QUERIES) await coverageSeries(db, q, { cube });
    let i = 0;
    const series = await timed(Number(values.rounds), () => coverageSeries(db, SERIES_QUERIES[i++ % SERIES_QUERIES.length], { cube }));
    const rssMb = process.memoryUsage().rss / 1e6;
    console.log(
      `series    p50 ${series.p50.toFixed(2)} ms, p95 ${series.p95.toFixed(2)} ms over ${values.rounds} rounds of ${SERIES_QUERIES.length} shapes ` +
        `(in-memory cube loaded in ${(cubeMs / 1000).toFixed(1)} s; process ${rssMb.toFixed(0)} MB resident with it)`,
    );
    const budget = scale <= 0.001 ? 120 : scale === 0.1 ? 900 : undefined;
    console.log(`total     ${total.toFixed(1)} s (generate + import + project)${budget ? `; against the ${budget} s budget: ${(budget / total).toFixed(2)}x` : ''}`);
  } finally {
    await db.close();
  }
} finally {
  if (values.keep && pgDb) console.log(`kept the database: ${pgDb.url}`);
  else await pgDb?.drop();
  rmSync(dir, { recursive: true, force: true });
}
