import type { Database, Sql } from '../db/database.ts';
import { Cells } from './cells.ts';
import { ChangeSet } from './changes.ts';
import { employers } from './employers.ts';
import { readLog } from './log-event.ts';
import { participants } from './participants.ts';
import type { Projection } from './projection.ts';
import { reference } from './reference.ts';
import type { Batch } from './rollup-writer.ts';

export const PROJECTIONS: readonly Projection[] = [participants, employers, reference];
/** Every read model's table: each projection's own, and the roll-up cells they share. */
export const READ_MODEL_TABLES: readonly string[] = [...PROJECTIONS.flatMap((p) => p.tables), 'rollup_cells'];
const BATCH = 200_000;

/**
 * Applies the log to every projection from its checkpoint up to the head (or
 * `toPosition`), batch by batch. Each batch updates the read models and the
 * checkpoints in one transaction, under a lock, so a crash or a concurrent
 * runner never double-counts or skips.
 */
export async function catchUp(db: Database, opts: CatchUpOptions = {}): Promise<number> {
  for (;;) {
    const { position, done, from, changes } = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [PROJECTION_LOCK]);
      // a batch is atomic with its checkpoint: losing the last ones in a crash only means projecting them again
      await tx.query('SET LOCAL synchronous_commit = off');
      return applyBatch(tx, { toPosition: opts.toPosition, batchSize: opts.batchSize });
    });
    if (changes) opts.onChanges?.(from, position, changes);
    opts.onBatch?.(position);
    // an abort is honoured between batches: each batch is committed whole or not at all
    if (done || opts.signal?.aborted) return position;
  }
}

export type CatchUpOptions = {
  toPosition?: number;
  /** Events per batch (default 200,000): each batch is one transaction. */
  batchSize?: number;
  onBatch?: (position: number) => void;
  /** Each committed batch's roll-up deltas (a cube in this process applies them instead of reading them back). */
  onChanges?: (from: number, to: number, changes: ChangeSet) => void;
  signal?: AbortSignal;
};

/**
 * Applies the next batch of the log after the checkpoint (up to `batchSize`
 * events and to `toPosition`), within the caller's transaction.
 */
export async function applyBatch(tx: Sql, opts: { toPosition?: number; batchSize?: number } = {}): Promise<{ position: number; done: boolean; from: number; changes?: ChangeSet }> {
  const { toPosition, batchSize = BATCH } = opts;
  checkBatchSize(batchSize);
  const from = await checkpoint(tx);
  const events = await readLog(tx, from, batchSize, toPosition);
  if (!events.length) return { position: from, done: true, from };
  const changes = new ChangeSet();
  const batch: Batch = { fresh: from === 0, cells: await Cells.load(tx), changes };
  for (const p of PROJECTIONS) await p.apply(tx, events, batch);
  await batch.cells.flush(tx);
  const position = events.at(-1)!.position;
  // The batch's roll-up deltas for the servers' cubes (NULL when too large to
  // ship: a cube then reloads), and the prune of what every cube has had time to read.
  await tx.query('DELETE FROM read_model_changes WHERE created_at < now() - interval \'10 minutes\'');
  await tx.query('INSERT INTO read_model_changes (to_position, from_position, changes) VALUES ($1, $2, $3)', [
    position,
    from,
    changes.size <= MAX_SHIPPED_CHANGES ? changes.toText() : null,
  ]);
  // servers following the log learn that the read models moved when this commits
  await tx.query('SELECT pg_notify($1, $2)', [PROJECTED_CHANNEL, String(position)]);
  await tx.query(
    `INSERT INTO projection_checkpoints (name, position, updated_at)
     SELECT unnest($1::text[]), $2, now()
     ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at`,
    [PROJECTIONS.map((p) => p.name), position],
  );
  return { position, done: events.length < batchSize, from, changes };
}

function checkBatchSize(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`batchSize: ${n} is not a positive integer`);
  return n;
}

const PROJECTION_LOCK = 0x63616b76;
/** NOTIFY channel of each committed projection batch (payload: its position). */
export const PROJECTED_CHANNEL = 'cakupan_projected';
/** Day-level cells a batch ships to the cubes; more, and they reload from the roll-ups. */
const MAX_SHIPPED_CHANGES = 20_000;

/** All projections advance together; a missing checkpoint means "from the start". */
export async function checkpoint(tx: Sql): Promise<number> {
  const [row] = await tx.query<{ n: number; position: number | null }>(
    'SELECT count(*)::int AS n, min(position) AS position FROM projection_checkpoints WHERE name = ANY($1::text[])',
    [PROJECTIONS.map((p) => p.name)],
  );
  return row.n < PROJECTIONS.length ? 0 : (row.position ?? 0);
}

/** Empties every read model and replays the whole log. */
export async function rebuild(db: Database, opts: CatchUpOptions = {}): Promise<number> {
  // (refused before the read models are emptied)
  if (opts.batchSize !== undefined) checkBatchSize(opts.batchSize);
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [PROJECTION_LOCK]);
    // (TRUNCATE leaves no dead rows behind for the replay's copies to skip over)
    await tx.query(`TRUNCATE ${[...READ_MODEL_TABLES, 'projection_checkpoints', 'read_model_changes'].join(', ')}`);
  });
  return catchUp(db, opts);
}

export async function digests(sql: Sql): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of PROJECTIONS) out[p.name] = await p.digest(sql);
  return out;
}

export type ProjectionStatus = {
  head: number;
  projections: {
    name: string;
    position: number;
    /** When the event at `position` was recorded (null before the first event). */
    recordedAt: Date | null;
    /** When the projection last committed a batch (null if never). */
    projectedAt: Date | null;
    lagSeconds: number;
  }[];
};

/** The projection furthest behind: what every answer reflects (the read models advance together). */
export const slowestProjection = (s: ProjectionStatus) => s.projections.reduce((a, b) => (b.position < a.position ? b : a));

/**
 * The log head and where each projection stands: position, when the event it
 * stands at was recorded, when it last committed, and the age of the oldest
 * event it has not applied.
 */
export async function projectionStatus(sql: Sql): Promise<ProjectionStatus> {
  const rows = await sql.query<{ name: string; position: number; head: number; lag: number; recorded_at: Date | string | null; updated_at: Date | string | null }>(
    `SELECT p.name, coalesce(c.position, 0) AS position, h.head, c.updated_at,
            (SELECT recorded_at FROM events e WHERE e.position = c.position) AS recorded_at,
            coalesce(extract(epoch FROM now() - (SELECT recorded_at FROM events e WHERE e.position = coalesce(c.position, 0) + 1)), 0)::float8 AS lag
       FROM unnest($1::text[]) WITH ORDINALITY AS p(name, i)
       LEFT JOIN projection_checkpoints c ON c.name = p.name
      CROSS JOIN (SELECT coalesce(max(position), 0) AS head FROM events) h
      ORDER BY p.i`,
    [PROJECTIONS.map((p) => p.name)],
  );
  const date = (v: Date | string | null) => (v === null ? null : new Date(v));
  return {
    head: rows[0]?.head ?? 0,
    projections: rows.map((r) => ({ name: r.name, position: r.position, recordedAt: date(r.recorded_at), projectedAt: date(r.updated_at), lagSeconds: Math.max(0, r.lag) })),
  };
}
