import { setTimeout as sleep } from 'node:timers/promises';
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
  /** Where this view reads (and, for the primary, writes): the primary database, or its read replica. */
  db: Database;
  prisma: PrismaClient;
  metrics: Metrics;
  /** The roll-ups "as known now" in memory: what series are answered from (absent for a snapshot or replay view of the database). */
  cube?: Cube;
  /** Tells subscriptions when the read models move (poked after catch-ups and by the follower). */
  watch: LogWatch;
  /** Set when the server stops taking work (SIGTERM): /readiness answers 503. */
  lifecycle: { draining: boolean };
  /**
   * The app on the primary database: appends, replays (temporary tables) and
   * anything else that writes go through it. The app itself when there is no replica.
   */
  primary: App;
  /** Brings the read models up to the head of the log; called after every append (and then waits, bounded, for the replica). */
  catchUp(): Promise<void>;
  close(): Promise<void>;
};

/** An app as created for a process: with its cube, and the view queries read through. */
export type ProcessApp = App & {
  cube: Cube;
  /** The view queries and subscriptions read through: on the replica when there is one, else the app itself. */
  reads: App;
  /**
   * Waits (at most the configured bound) until the read side has applied the
   * log up to `position`; true at once without a replica. Read-your-writes for
   * mutations and for requests that name a position.
   */
  readsReached(position: number): Promise<boolean>;
};

const prismaFor = (db: Database) =>
  // Prisma shares the PGlite instance (one process per data directory) or
  // opens its own pool to the same PostgreSQL database.
  new PrismaClient({ adapter: db.pglite ? (new PrismaPGlite(db.pglite) as unknown as PrismaPg) : new PrismaPg({ connectionString: db.url! }) });

export function createApp(config: Config, db: Database, catchUp: (app: ProcessApp) => Promise<void> = async () => {}, replica?: Database): ProcessApp {
  const prisma = prismaFor(db);
  const readDb = replica ?? db;
  const waitMs = config.replica?.waitMs ?? 0;
  const app: ProcessApp = {
    config,
    db,
    prisma,
    metrics: createMetrics(db),
    // the cube and the watch follow the database queries read, so what they publish is what a query answers
    cube: new Cube(readDb),
    watch: new LogWatch(() => readModelsAt(readDb)),
    lifecycle: { draining: false },
    primary: undefined as unknown as App,
    reads: undefined as unknown as App,
    catchUp: async () => {
      await catchUp(app);
      if (replica) await app.readsReached(await checkpoint(db));
      app.watch.poke();
    },
    async readsReached(position) {
      if (!replica) return true;
      for (const end = performance.now() + waitMs; ; await sleep(10)) {
        // an unreachable replica counts as behind: the caller reads the primary
        if ((await checkpoint(replica).catch(() => -1)) >= position) return true;
        if (performance.now() >= end) return false;
      }
    },
    async close() {
      app.watch.close();
      await prisma.$disconnect();
      if (app.reads !== app) await app.reads.prisma.$disconnect();
      await db.close();
      await replica?.close();
    },
  };
  // With a replica, the cube holds what the replica holds: a request that falls back to the primary answers by SQL there
  app.primary = replica ? { ...app, cube: undefined } : app;
  app.primary.primary = app.primary;
  app.reads = replica ? { ...app, db: replica, prisma: prismaFor(replica) } : app;
  return app;
}

/** Where the read models stand: their committed position and when the event there was recorded. */
async function readModelsAt(db: Database): Promise<{ position: number; recordedAt: Date | null }> {
  const position = await checkpoint(db);
  if (position === 0) return { position, recordedAt: null };
  const [row] = await db.query<{ recorded_at: Date | string }>('SELECT recorded_at FROM events WHERE position = $1', [position]);
  return { position, recordedAt: row ? new Date(row.recorded_at) : null };
}
