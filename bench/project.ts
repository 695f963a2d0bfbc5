// Projection speed: `cakupan rebuild` and a catch-up of new events, against
// the floor of one narrow read of the log (the columns a projection needs, in
// position order) on the same engine in the same run: `psql \copy` on
// PostgreSQL, COPY TO '/dev/blob' on PGlite. Prints events/s, the ratio to
// that floor (the issue's ceiling is 4x), the import rate of the same run, the
// read models' rows and sizes, and this process's peak memory.
// Usage: tsx bench/project.ts [--scale 0.001] [--engine postgres|pglite|both]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeScenario } from '../src/cli/scenario-command.ts';
import { loadConfig } from '../src/config/config.ts';
import { openPglite, openPostgres, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { loadRegions } from '../src/domain/regions/load-regions.ts';
import { importFile } from '../src/importer/import-file.ts';
import { catchUp, rebuild } from '../src/projections/runner.ts';
import { fmt, rate, throwawayDatabase } from './support.ts';

const { values } = parseArgs({ options: { scale: { type: 'string', default: '0.001' }, engine: { type: 'string', default: 'both' } } });
const scale = Number(values.scale);
const engines = values.engine === 'both' ? ['postgres', 'pglite'] : [values.engine!];
const config = loadConfig({ ...process.env, CAKUPAN_PSEUDONYM_SECRET: 'bench-secret-0123456789' });
const dir = mkdtempSync(path.join(os.tmpdir(), 'cakupan-bench-project-'));
const NARROW = `SELECT position, type, stream_id, effective_on, recorded_at, region_code, data->>'segment', data->>'sponsor', data->'programs' FROM events ORDER BY position`;
const TABLES = ['rollup_cells', 'coverage_days', 'coverage_vintages', 'coverage_recorded', 'employer_days', 'employer_vintages', 'employer_recorded', 'proj_workers'];
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

console.log(`projection benchmark: scale ${scale} (${os.cpus().length} cores, Node ${process.version})`);
try {
  const file = path.join(dir, 'scenario.ndjson');
  const { events } = writeScenario(file, { scale, seed: 1, progress: false });
  // the catch-up measured: the last half of the history, after the first half is projected
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const half = Math.floor(lines.length / 2);
  writeFileSync(path.join(dir, 'first.ndjson'), lines.slice(0, half).join('\n') + '\n');
  writeFileSync(path.join(dir, 'second.ndjson'), lines.slice(half).join('\n') + '\n');
  console.log(`history: ${fmt(events)} events`);

  for (const engine of engines) {
    const pgDb = engine === 'postgres' ? await throwawayDatabase('cakupan_bench_project') : undefined;
    const db: Database = pgDb ? await openPostgres(pgDb.url) : await openPglite(path.join(dir, `data-${Date.now()}`));
    try {
      await migrate(db);
      await loadRegions(db);
      let t = performance.now();
      const first = await importFile(db, config, path.join(dir, 'first.ndjson'));
      await catchUp(db);
      t = performance.now();
      const second = await importFile(db, config, path.join(dir, 'second.ndjson'));
      const importMs = performance.now() - t;
      t = performance.now();
      await catchUp(db);
      const catchUpMs = performance.now() - t;

      // the floor: one narrow read of the whole log
      t = performance.now();
      if (pgDb) {
        const r = spawnSync('psql', [pgDb.url, '-q', '-c', `\\copy (${NARROW}) TO '/dev/null'`], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
      } else await db.copyOut(NARROW);
      const floorMs = performance.now() - t;

      t = performance.now();
      await rebuild(db);
      const rebuildMs = performance.now() - t;

      const total = first.appended + second.appended;
      console.log(`\n${engine}`);
      console.log(`  import      ${fmt(second.appended)} events in ${seconds(importMs)} (${fmt(rate(second.appended, importMs))} events/s)`);
      console.log(`  narrow read ${fmt(total)} events in ${seconds(floorMs)} (${pgDb ? 'psql \\copy' : "COPY TO '/dev/blob'"})`);
      console.log(`  rebuild     ${fmt(total)} events in ${seconds(rebuildMs)} (${fmt(rate(total, rebuildMs))} events/s): ${(rebuildMs / floorMs).toFixed(1)}x the narrow read (ceiling 4x)`);
      console.log(`  catch-up    ${fmt(second.appended)} events in ${seconds(catchUpMs)} (${fmt(rate(second.appended, catchUpMs))} events/s)`);
      const sizes = await db.query<{ t: string; n: number; bytes: number }>(
        TABLES.map((t) => `SELECT '${t}' AS t, (SELECT count(*) FROM ${t})::int AS n, pg_total_relation_size('${t}')::float8 AS bytes`).join(' UNION ALL '),
      );
      const [{ log }] = await db.query<{ log: number }>(`SELECT pg_total_relation_size('events')::float8 AS log`);
      console.log(`  read models ${sizes.map((s) => `${s.t} ${fmt(s.n)} rows ${(s.bytes / 1e6).toFixed(1)} MB`).join(', ')}; the log ${(log / 1e6).toFixed(1)} MB`);
    } finally {
      await db.close();
      await pgDb?.drop();
    }
  }
  console.log(`\npeak memory (this process, both engines): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
