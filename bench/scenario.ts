// Loading the reference scenario: generate, import, project, timed per step,
// on PGlite (what `npm start` does) or PostgreSQL. The budget is
// "under 2 minutes on PGlite at the demo scale"; the line printed last is the
// measured total against that budget, and the import rate against the raw
// `cakupan import` rate of bench/append.ts is the baseline to compare with.
// Usage: tsx bench/scenario.ts [--scale 0.001] [--engine pglite|postgres]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeScenario } from '../src/cli/scenario-command.ts';
import { loadConfig } from '../src/config/config.ts';
import { openPglite, openPostgres } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { loadRegions } from '../src/domain/regions/load-regions.ts';
import { importFile } from '../src/importer/import-file.ts';
import { catchUp } from '../src/projections/runner.ts';
import { fmt, rate, throwawayDatabase } from './support.ts';

const { values } = parseArgs({ options: { scale: { type: 'string', default: '0.001' }, engine: { type: 'string', default: 'pglite' } } });
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
    const imported = await importFile(db, config, file);
    const importMs = performance.now() - t;
    if (imported.rejected) throw new Error(`${imported.rejected} lines rejected, first: ${JSON.stringify(imported.rejects[0])}`);
    console.log(`import    ${fmt(imported.appended)} events in ${(importMs / 1000).toFixed(1)} s (${fmt(rate(imported.appended, importMs))} events/s)`);
    t = performance.now();
    await catchUp(db);
    const projectMs = performance.now() - t;
    console.log(`project   in ${(projectMs / 1000).toFixed(1)} s (${fmt(rate(imported.appended, projectMs))} events/s)`);
    const total = (generateMs + importMs + projectMs) / 1000;
    console.log(`total     ${total.toFixed(1)} s; against the 120 s demo budget: ${(120 / total).toFixed(2)}x`);
  } finally {
    await db.close();
  }
} finally {
  await pgDb?.drop();
  rmSync(dir, { recursive: true, force: true });
}
