import type { Sql } from '../db/database.ts';
import type { LogEvent } from './log-event.ts';
import type { Batch } from './rollup-writer.ts';

/** A read model fed from the log. `apply` runs inside the batch's transaction. */
export interface Projection {
  readonly name: string;
  /** Tables it owns, emptied on rebuild. */
  readonly tables: readonly string[];
  /** Roll-up deltas go to `batch.changes` as well (what the servers' cubes apply). */
  apply(tx: Sql, events: LogEvent[], batch: Batch): Promise<void>;
  /** A hash of its contents: equal logs give equal digests. */
  digest(sql: Sql): Promise<string>;
}

/** md5 over a table's rows in a fixed order, as text. */
export async function tableDigest(sql: Sql, table: string, orderBy: string, where = 'true', columns = '*'): Promise<string> {
  const [row] = await sql.query<{ d: string | null }>(
    `SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY ${orderBy}), '')) AS d FROM (SELECT ${columns} FROM ${table} WHERE ${where}) t`,
  );
  return row.d ?? '';
}
