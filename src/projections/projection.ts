import { createHash } from 'node:crypto';
import { copyValue } from '../db/copy-text.ts';
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

/**
 * md5 over a table's rows in a fixed order: each row as text (PostgreSQL's
 * record output), joined by newlines. The rows stream out by COPY and are
 * hashed as they arrive: aggregating them into one text value in the
 * database (as this did, `md5(string_agg(…))`, with the same digest) fails
 * past 1 GB of text: the day roll-up's rows are 280 MB of it at scale 0.02
 * (6.95 million rows), and grow with the history.
 */
export async function tableDigest(sql: Sql, table: string, orderBy: string, where = 'true', columns = '*'): Promise<string> {
  const hash = createHash('md5');
  let blocks = 0;
  await sql.copyOutBlocks(`SELECT t::text FROM (SELECT ${columns} FROM ${table} WHERE ${where}) t ORDER BY ${orderBy}`, (block) => {
    // whole lines, one row each; COPY escapes a backslash, tab or newline in a row's text with a backslash
    const lines = block.endsWith('\n') ? block.slice(0, -1) : block;
    if (blocks++) hash.update('\n');
    if (!lines.includes('\\')) hash.update(lines);
    else hash.update(lines.split('\n').map((line) => copyValue(line)).join('\n'));
  });
  return hash.digest('hex');
}
