import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp, type App } from '../app/app.ts';
import type { Config } from '../config/config.ts';
import { logger } from '../config/logger.ts';
import { createYogaServer } from '../graphql/yoga.ts';
import { importFile } from '../importer/import-file.ts';
import { openPostgres } from '../db/database.ts';
import { followLog } from '../projections/follower.ts';
import type { ChangeSet } from '../projections/changes.ts';
import { catchUp, projectionStatus } from '../projections/runner.ts';
import { progressBar } from './progress.ts';
import { writeScenario } from './scenario-command.ts';
import { withDatabase } from './run.ts';

type Options = { port?: number; host?: string; demo?: boolean; demoScale: number; demoSeed: number };

export const serveCommand = (options: Options) =>
  withDatabase('serve', async (db, config) => {
    // From here on SIGTERM/SIGINT stop the server cleanly (a second one exits at once).
    const stop = stopSignal();
    // queries read a streaming replica when one is configured; the projector and every write stay on the primary
    const replica = config.replica ? await openPostgres(config.replica.url) : undefined;
    const app = createApp(
      config,
      db,
      async (a) => {
        await catchUp(a.db, { onChanges: follow });
        a.cube.invalidate();
      },
      replica,
    );
    // the batches this process projects reach its cube directly, not through read_model_changes;
    // with a replica the cube holds what the replica holds (answers and dataAsOf agree), so it reads them there
    const follow = (from: number, to: number, changes: ChangeSet) => (replica ? undefined : app.cube.follow(from, to, changes));
    try {
      await ensureDemo(app, config, options);
      const { head } = await projectionStatus(db);
      // series are answered from memory: the cube is loaded where the read
      // models stand (nothing to read on a first start) and follows the
      // start-up projection batch by batch
      const loading = performance.now();
      app.cube.watch();
      await app.cube.current();
      logger.info({ position: app.cube.position, ms: Math.round(performance.now() - loading) }, 'loaded the in-memory cube');
      const bar = progressBar('projecting', 'events');
      bar?.start(head, 0);
      // a stop between batches leaves the read models at a committed batch
      await catchUp(db, { onBatch: (p) => bar?.update(p), signal: stop, onChanges: follow });
      bar?.stop();
      if (stop.aborted) {
        logger.info('stopped before serving');
        return 0;
      }
      // one position check before listening: the start-up batches came in-process,
      // but another server may have projected meanwhile (then the cube follows it)
      app.cube.invalidate();
      await app.cube.current();
      const server = createServer(createYogaServer(app));
      // Idle keep-alive connections are closed by the client first (undici: 4 s;
      // load balancers: 60 s), never by the server while a client reuses one,
      // which would fail that request with "other side closed".
      server.keepAliveTimeout = 65_000;
      server.headersTimeout = 66_000;
      const port = options.port ?? config.port;
      const host = options.host ?? config.host;
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
      const address = server.address();
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${typeof address === 'object' && address ? address.port : port}`;
      process.stdout.write(
        `cakupan is serving ${config.databaseUrl ? `PostgreSQL${replica ? ' (queries read the replica DATABASE_REPLICA_URL)' : ''}` : `PGlite (${config.dataDir})`}, log head at position ${head}\n` +
          `  GraphQL and GraphiQL: ${url}/graphql\n` +
          `  Dashboard: ${url}/dashboard   CSV: ${url}/export/coverage.csv?measure=ACTIVE_PARTICIPANTS&granularity=YEAR&from=2013-01-01&to=2026-12-31\n` +
          `  Operations: ${url}/metrics (Prometheus)  ${url}/readiness  ${url}/health\n` +
          `  try (more in docs/queries.md):\n` +
          `    { coverageAt(measure: ACTIVE_PARTICIPANTS, date: "2023-10-31", groupBy: [SEGMENT]) { segment value } }\n` +
          `    { coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: YEAR, from: "2017-01-01", to: "2024-12-31") { rows { periodEnd value } } }\n` +
          `    { targets { name value progress { actual ratio onTrack } } }\n`,
      );
      // PostgreSQL: follow the log, whoever appends; one server projects (PGlite has one process)
      const onProjected = async (position?: number) => {
        // a replica replays the batch a moment after the primary commits it: the cube checks the replica
        // on each answer until it holds the batch, and the wait (bounded) lets subscriptions move with it
        if (position) app.cube.expect(position);
        if (replica && position) await app.readsReached(position);
        app.cube.invalidate();
        app.watch.poke(); // live subscriptions re-answer when the position moved
      };
      const follower = db.engine === 'postgres' ? followLog(db, { pollMs: config.followPollMs, onProjected, onChanges: follow }) : undefined;
      await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
      app.lifecycle.draining = true;
      app.watch.close(); // live streams end, so draining does not wait for them
      await drain(server, config.shutdownTimeoutMs);
      await follower?.stop();
      return 0;
    } finally {
      await app.prisma.$disconnect();
      if (replica) {
        await app.reads.prisma.$disconnect();
        await replica.close();
      }
    }
  });

/** Aborts on the first SIGTERM or SIGINT; a second one exits at once. */
function stopSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      logger.warn({ signal }, 'second signal: exiting without draining');
      process.exit(130);
    }
    logger.info({ signal }, 'stopping: draining in-flight requests');
    controller.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return controller.signal;
}

/**
 * Stops taking connections and waits for in-flight requests (a mutation's
 * projection catch-up is part of its request) for at most `timeoutMs`, then
 * cuts whatever is left.
 */
async function drain(server: Server, timeoutMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // keep-alive connections go idle once their response is sent: close them as they do
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([closed.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)))]);
  clearInterval(idle);
  clearTimeout(timer);
  if (timedOut) {
    logger.warn({ timeoutMs }, 'in-flight requests did not finish in time: closing their connections');
    server.closeAllConnections();
    await closed;
  }
  logger.info('stopped');
}

type DemoLoad = { state: 'LOADING' | 'LOADED'; detail: { scale: number; seed: number; events?: number } };

/**
 * The demo on `--demo`: loaded on an empty log, and resumed after a load that
 * was interrupted (marked LOADING in service_loads before its first batch,
 * LOADED after its last), so no server serves part of it as if it were whole.
 * A log that holds other data is left alone.
 */
async function ensureDemo(app: App, config: Config, options: Options): Promise<void> {
  const [load] = await app.db.query<DemoLoad>("SELECT state, detail FROM service_loads WHERE name = 'demo'");
  if (!options.demo) {
    if (load?.state === 'LOADING') logger.warn('the demo load was interrupted: the log holds part of the demo (`cakupan serve --demo` resumes it)');
    return;
  }
  if (load?.state === 'LOADED') return;
  // positions are gap-free from 1: head 0 is an empty log (no count(*) over the log)
  const { head } = await projectionStatus(app.db);
  if (!load && head > 0) return;
  // an interrupted load is resumed with the scenario it started (the import skips what it appended)
  const demo = load ? { demoScale: load.detail.scale, demoSeed: load.detail.seed } : options;
  if (load && (demo.demoScale !== options.demoScale || demo.demoSeed !== options.demoSeed)) {
    logger.warn({ scale: demo.demoScale, seed: demo.demoSeed }, 'resuming the interrupted demo load with the scale and seed it started with');
  }
  process.stderr.write(
    load
      ? `the demo load was interrupted at log position ${head}: resuming it (national, scale ${demo.demoScale}, seed ${demo.demoSeed})\n`
      : `empty database: loading the reference scenario (national, scale ${demo.demoScale}, seed ${demo.demoSeed})\n`,
  );
  await markDemo(app, 'LOADING', { scale: demo.demoScale, seed: demo.demoSeed });
  const events = await loadDemo(app, config, demo);
  await markDemo(app, 'LOADED', { scale: demo.demoScale, seed: demo.demoSeed, events });
}

async function markDemo(app: App, state: DemoLoad['state'], detail: DemoLoad['detail']): Promise<void> {
  await app.db.query(
    `INSERT INTO service_loads (name, state, detail, updated_at) VALUES ('demo', $1, $2::jsonb, now())
     ON CONFLICT (name) DO UPDATE SET state = EXCLUDED.state, detail = EXCLUDED.detail, updated_at = EXCLUDED.updated_at`,
    [state, JSON.stringify(detail)],
  );
}

/** Generates the national reference scenario and imports it; returns its number of events. */
async function loadDemo(app: App, config: Config, options: Pick<Options, 'demoScale' | 'demoSeed'>): Promise<number> {
  const db = app.db;
  const dir = mkdtempSync(path.join(tmpdir(), 'cakupan-demo-'));
  try {
    const file = path.join(dir, 'scenario.ndjson');
    const started = performance.now();
    const scenario = writeScenario(file, { scale: options.demoScale, seed: options.demoSeed });
    const bar = progressBar('importing', 'bytes');
    bar?.start(1, 0);
    const s = await importFile(db, config, file, {
      rejectsPath: path.join(dir, 'rejects.ndjson'),
      onProgress: (done, total) => (bar?.setTotal(total), bar?.update(done)),
    });
    bar?.stop();
    app.metrics.imported.inc({ outcome: 'appended' }, s.appended);
    app.metrics.imported.inc({ outcome: 'duplicate' }, s.duplicates);
    app.metrics.imported.inc({ outcome: 'rejected' }, s.rejected);
    if (s.rejected) throw new Error(`the demo scenario had ${s.rejected} rejected lines (first: line ${s.rejects[0]?.line} ${JSON.stringify(s.rejects[0]?.errors)})`);
    logger.info({ events: scenario.events, appended: s.appended, alreadyInTheLog: s.duplicates, seconds: Math.round((performance.now() - started) / 1000) }, 'loaded the demo scenario');
    return scenario.events;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
