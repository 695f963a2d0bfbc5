import type { Database, Sql } from '../db/database.ts';
import { applyBatch, digests, READ_MODEL_TABLES } from './runner.ts';

/** Thrown to roll the isolated rebuild back once its answer is taken. */
class Discard<T> extends Error {
  constructor(readonly value: T) {
    super('replay discarded');
  }
}

/**
 * Rebuilds every read model from position 0 up to `toPosition` in isolation
 * and runs `use` against it: inside one transaction, session-temporary tables
 * of the same shape shadow the live read models (PostgreSQL searches pg_temp
 * first), and the transaction is rolled back afterwards. The live read models
 * are never read or written.
 */
export async function withReplay<T>(db: Database, toPosition: number, use: (sql: Sql, digests: Record<string, string>) => Promise<T>): Promise<T> {
  try {
    await db.transaction(async (tx) => {
      for (const table of [...READ_MODEL_TABLES, 'projection_checkpoints', 'read_model_changes']) {
        await tx.query(`CREATE TEMP TABLE ${table} (LIKE public.${table} INCLUDING ALL) ON COMMIT DROP`);
      }
      for (;;) if ((await applyBatch(tx, { toPosition })).done) break;
      throw new Discard(await use(tx, await digests(tx)));
    });
  } catch (e) {
    if (e instanceof Discard) return e.value as T;
    throw e;
  }
  throw new Error('unreachable');
}

/** The last position recorded at or before an instant (0 for an empty cut). */
export async function positionAsOf(sql: Sql, asOf: Date): Promise<number> {
  const [row] = await sql.query<{ p: number | null }>('SELECT max(position) AS p FROM events WHERE recorded_at <= $1', [asOf]);
  return row.p ?? 0;
}
