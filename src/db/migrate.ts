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
export async function migrate(db: Database): Promise<string[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
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
    await db.transaction(async (tx) => {
      await tx.exec(script);
      await tx.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
         VALUES ($1, $2, now(), $3, now(), 1)`,
        [randomUUID(), checksum, name],
      );
    });
    ran.push(name);
  }
  return ran;
}
