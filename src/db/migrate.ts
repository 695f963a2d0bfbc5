import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations/', import.meta.url));

// Applies prisma/migrations in order and records them in `_prisma_migrations`
// exactly as `prisma migrate deploy` does (same table, same sha256 checksum),
// so either tool sees the other's work. We apply them ourselves because the
// Prisma 6.19 CLI on PGlite opens the data directory twice and does not exit
// after a no-op deploy; on PostgreSQL `prisma migrate deploy` works as well.
//
// Several processes may start on one empty database at once (servers behind a
// load balancer): each migration runs under a transaction-scoped advisory
// lock and is skipped when another process has applied it meanwhile.
const MIGRATION_LOCK = 0x63616b6d;

export async function migrate(db: Database): Promise<string[]> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
  });
  const applied = await db.query<{ migration_name: string; checksum: string }>(
    `SELECT migration_name, checksum FROM "_prisma_migrations"
      WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  const done = new Map(applied.map((r) => [r.migration_name, r.checksum]));
  const names = (await readdir(MIGRATIONS_DIR, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const ran: string[] = [];
  for (const name of names) {
    const script = await readFile(path.join(MIGRATIONS_DIR, name, 'migration.sql'), 'utf8');
    const checksum = createHash('sha256').update(script).digest('hex');
    const previous = done.get(name);
    if (previous !== undefined) {
      if (previous !== checksum) throw new Error(`migration ${name} was modified after it was applied`);
      continue;
    }
    const applied = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const [row] = await tx.query<{ checksum: string }>(
        `SELECT checksum FROM "_prisma_migrations" WHERE migration_name = $1 AND finished_at IS NOT NULL AND rolled_back_at IS NULL`,
        [name],
      );
      if (row) {
        if (row.checksum !== checksum) throw new Error(`migration ${name} was modified after it was applied`);
        return false; // another process applied it while this one waited
      }
      await tx.exec(script);
      await tx.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
         VALUES ($1, $2, now(), $3, now(), 1)`,
        [randomUUID(), checksum, name],
      );
      return true;
    });
    if (applied) ran.push(name);
  }
  return ran;
}
