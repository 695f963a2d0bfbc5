import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { Cube } from '../analytics/cube.ts';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import { PrismaClient } from '../generated/prisma/client.ts';
import { createMetrics, type Metrics } from '../http/metrics.ts';

/** Everything a request or a command needs, created once per process. */
export type App = {
  config: Config;
  db: Database;
  prisma: PrismaClient;
  metrics: Metrics;
  /** The roll-ups "as known now" in memory: what series are answered from (absent for a snapshot or replay view of the database). */
  cube?: Cube;
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
    lifecycle: { draining: false },
    catchUp: () => catchUp(app),
    async close() {
      await prisma.$disconnect();
      await db.close();
    },
  };
  return app;
}
