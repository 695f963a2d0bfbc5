import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { Cube } from '../analytics/cube.ts';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import { PrismaClient } from '../generated/prisma/client.ts';
import { createMetrics, type Metrics } from '../http/metrics.ts';
import { checkpoint } from '../projections/runner.ts';
import { LogWatch } from './log-watch.ts';

/** Everything a request or a command needs, created once per process. */
export type App = {
  config: Config;
  db: Database;
  prisma: PrismaClient;
  metrics: Metrics;
  /** The roll-ups "as known now" in memory: what series are answered from (absent for a snapshot or replay view of the database). */
  cube?: Cube;
  /** Tells subscriptions when the read models move (poked after catch-ups and by the follower). */
  watch: LogWatch;
  /** Set when the server stops taking work (SIGTERM): /readiness answers 503. */
  lifecycle: { draining: boolean };
  /** Brings the read models up to the head of the log; called after every append. */
  catchUp(): Promise<void>;
  close(): Promise<void>;
};

/** An app as created for a process: with its cube. */
export type ProcessApp = App & { cube: Cube };

export function createApp(config: Config, db: Database, catchUp: (app: ProcessApp) => Promise<void> = async () => {}): ProcessApp {
  // Prisma shares the PGlite instance (one process per data directory) or
  // opens its own pool to the same PostgreSQL database.
  const adapter = db.pglite
    ? (new PrismaPGlite(db.pglite) as unknown as PrismaPg)
    : new PrismaPg({ connectionString: db.url! });
  const prisma = new PrismaClient({ adapter });
  const app: ProcessApp = {
    config,
    db,
    prisma,
    metrics: createMetrics(db),
    cube: new Cube(db),
    watch: new LogWatch(() => readModelsAt(db)),
    lifecycle: { draining: false },
    catchUp: async () => {
      await catchUp(app);
      app.watch.poke();
    },
    async close() {
      app.watch.close();
      await prisma.$disconnect();
      await db.close();
    },
  };
  return app;
}

/** Where the read models stand: their committed position and when the event there was recorded. */
async function readModelsAt(db: Database): Promise<{ position: number; recordedAt: Date | null }> {
  const position = await checkpoint(db);
  if (position === 0) return { position, recordedAt: null };
  const [row] = await db.query<{ recorded_at: Date | string }>('SELECT recorded_at FROM events WHERE position = $1', [position]);
  return { position, recordedAt: row ? new Date(row.recorded_at) : null };
}
