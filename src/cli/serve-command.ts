import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../app/app.ts';
import type { Config } from '../config/config.ts';
import { logger } from '../config/logger.ts';
import type { Database } from '../db/database.ts';
import { createYogaServer } from '../graphql/yoga.ts';
import { importFile } from '../importer/import-file.ts';
import { catchUp } from '../projections/runner.ts';
import { progressBar } from './progress.ts';
import { writeScenario } from './scenario-command.ts';
import { withDatabase } from './run.ts';

type Options = { port?: number; host: string; demo?: boolean; demoScale: number; demoSeed: number };

export const serveCommand = (options: Options) =>
  withDatabase('serve', async (db, config) => {
    const app = createApp(config, db, (a) => catchUp(a.db).then(() => undefined));
    const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    if (options.demo && n === 0) await loadDemo(db, config, options);
    const [{ head }] = await db.query<{ head: number }>('SELECT coalesce(max(position), 0)::int AS head FROM events');
    const bar = progressBar('projecting', 'events');
    bar?.start(head, 0);
    await catchUp(db, { onBatch: (p) => bar?.update(p) });
    bar?.stop();

    const yoga = createYogaServer(app);
    const server = createServer(yoga);
    const port = options.port ?? config.port;
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, options.host, resolve));
    const address = server.address();
    const url = `http://${options.host}:${typeof address === 'object' && address ? address.port : port}`;
    process.stdout.write(
      `cakupan is serving ${config.databaseUrl ? 'PostgreSQL' : `PGlite (${config.dataDir})`}, log head at position ${head}\n` +
        `  GraphQL and GraphiQL: ${url}/graphql\n` +
        `  Dashboard: ${url}/dashboard   CSV: ${url}/export/coverage.csv?measure=ACTIVE_PARTICIPANTS&granularity=YEAR&from=2013-01-01&to=2026-12-31\n` +
        `  try (more in docs/queries.md):\n` +
        `    { coverageAt(measure: ACTIVE_PARTICIPANTS, date: "2023-10-31", groupBy: [SEGMENT]) { segment value } }\n` +
        `    { coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: YEAR, from: "2017-01-01", to: "2024-12-31") { rows { periodEnd value } } }\n` +
        `    { targets { name value progress { actual ratio onTrack } } }\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => server.close(() => resolve());
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await app.prisma.$disconnect();
  });

/** Generates the national reference scenario and imports it (first start only). */
async function loadDemo(db: Database, config: Config, options: Options): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cakupan-demo-'));
  try {
    const file = path.join(dir, 'scenario.ndjson');
    process.stderr.write(`empty database: loading the reference scenario (national, scale ${options.demoScale}, seed ${options.demoSeed})\n`);
    const started = performance.now();
    const scenario = writeScenario(file, { scale: options.demoScale, seed: options.demoSeed });
    const bar = progressBar('importing', 'bytes');
    bar?.start(1, 0);
    const s = await importFile(db, config, file, {
      rejectsPath: path.join(dir, 'rejects.ndjson'),
      onProgress: (done, total) => (bar?.setTotal(total), bar?.update(done)),
    });
    bar?.stop();
    if (s.rejected) throw new Error(`the demo scenario had ${s.rejected} rejected lines (first: line ${s.rejects[0]?.line} ${JSON.stringify(s.rejects[0]?.errors)})`);
    logger.info({ events: scenario.events, appended: s.appended, seconds: Math.round((performance.now() - started) / 1000) }, 'loaded the demo scenario');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
