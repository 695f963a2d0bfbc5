import { CopyBinary } from '../db/copy-binary.ts';
import type { Sql } from '../db/database.ts';
import { PROGRAMS } from '../domain/reference/vocabulary.ts';
import { WORKER_STREAM_PREFIX } from '../domain/worker/nik.ts';
import type { Cells } from './cells.ts';
import type { LogEvent } from './log-event.ts';
import { readStream } from './log-event.ts';
import { NO_WORKER, negatedMove, refold, stepWorker, workerCell, type WorkerCell, type WorkerMove } from './movements.ts';
import { tableDigest, type Projection } from './projection.ts';
import { copyNew, copyUpsert, rollupDigests, RollupWriter } from './rollup-writer.ts';

/** Active participants as movements (the coverage roll-ups) plus each worker's current cell. */
export const participants: Projection = {
  name: 'participants',
  tables: ['coverage_days', 'coverage_vintages', 'coverage_recorded', 'proj_workers'],

  async apply(tx, events, batch) {
    const mine = events.filter((e) => e.streamId.startsWith(WORKER_STREAM_PREFIX));
    if (!mine.length) return;
    const states = batch.fresh ? new Map<string, WorkerCell>() : await loadWorkers(tx, batch.cells, streamsBefore(mine));
    // the workers proj_workers holds a row for: the others' rows are new keys
    const stored = new Set(states.keys());
    // (about 3.4 (cell, day) keys per worker event in the reference scenario: a worker counts once and per program)
    const writer = new RollupWriter('coverage', batch, Math.ceil(mine.length * 3.5));
    // retracted streams are read before the fold: the connection is then given to the recorded rows' COPY
    const histories = new Map<number, LogEvent[]>();
    for (const e of mine) if (e.type === 'EventRetracted') histories.set(e.position, await readStream(tx, e.streamId, e.position));
    writer.streamRecorded(tx);
    try {
      await foldWorkers(mine, states, writer, batch.cells, histories);
    } catch (error) {
      await writer.abort();
      throw error;
    }
    await writer.flush(tx);
    await saveWorkers(tx, batch.cells, states, stored, batch.fresh);
  },

  async digest(sql) {
    const rollups = await rollupDigests(sql, 'coverage');
    const workers = await tableDigest(
      sql,
      `(SELECT ${STREAM_ID} AS stream_id, w.active, c.region, c.segment, c.sponsor, w.programs FROM proj_workers w JOIN rollup_cells c ON c.id = w.cell) t`,
      'stream_id',
    );
    return [...rollups, workers].join(':');
  },
};

/**
 * Folds a batch's worker events (in log order) into `writer`, updating
 * `states` (each stream's cell after them). `histories` holds, for each
 * retraction's position, its stream up to it. Yields now and then, so a COPY
 * the writer streams reaches the server while the fold goes on.
 */
export async function foldWorkers(
  mine: readonly LogEvent[],
  states: Map<string, WorkerCell>,
  writer: RollupWriter,
  cells: Cells,
  histories: ReadonlyMap<number, LogEvent[]>,
): Promise<void> {
  const ids = cellIds(cells);
  let recordedMs = 0;
  const move: WorkerMove = (eff, c, program, enrolments, lapses, delta) => {
    const cell = ids(c, program);
    writer.addTo(eff, cell[0], cell[1], recordedMs, enrolments, lapses, delta);
  };
  for (let i = 0; i < mine.length; i++) {
    const e = mine[i];
    recordedMs = e.recordedMs;
    const state =
      e.type === 'EventRetracted'
        ? refold(stepWorker, NO_WORKER, histories.get(e.position)!, negatedMove, move)
        : stepWorker(states.get(e.streamId) ?? NO_WORKER, e, move);
    states.set(e.streamId, state);
    if ((i & 8191) === 8191) await new Promise(setImmediate);
  }
}

/**
 * The (regency, province) cell ids of a worker's cell and program (0 = the
 * worker once, i + 1 = PROGRAMS[i]), found once per cell key and program.
 */
function cellIds(cells: Cells): (c: WorkerCell, program: number) => [number, number] {
  const byKey = new Map<string, [number, number][]>();
  // an event's movements share its worker's cell: the last one's row is kept
  let last = '';
  let lastRow: [number, number][] = [];
  return (c, program) => {
    let row = c.key === last ? lastRow : byKey.get(c.key);
    if (!row) byKey.set(c.key, (row = []));
    last = c.key;
    lastRow = row;
    let ids = row[program];
    if (!ids) {
      const dims = [program ? PROGRAMS[program - 1] : '', c.segment, c.sponsor];
      row[program] = ids = [cells.id('coverage', c.region, dims), cells.id('coverage', c.region.slice(0, 2), dims)];
    }
    return ids;
  };
}

/**
 * The streams of a batch's events that began before it: those whose first
 * event in the batch is not their first (version 1). Only these can have a
 * state to read back; most of a batch's workers are new.
 */
function streamsBefore(events: readonly LogEvent[]): string[] {
  const first = new Map<string, number>();
  for (const e of events) if (!first.has(e.streamId)) first.set(e.streamId, e.streamVersion);
  const out: string[] = [];
  for (const [id, version] of first) if (version > 1) out.push(id);
  return out;
}

// proj_workers is keyed by the pseudonym after `worker-` (32 hex digits), as a uuid
const pseudonymOf = (streamId: string) => streamId.slice(WORKER_STREAM_PREFIX.length);
/** A proj_workers row's stream id, from its uuid (PostgreSQL prints it with hyphens). */
const STREAM_ID = `'${WORKER_STREAM_PREFIX}' || replace(w.worker::text, '-', '')`;

async function loadWorkers(tx: Sql, cells: Cells, ids: string[]): Promise<Map<string, WorkerCell>> {
  const rows = await tx.query<{ stream_id: string; active: boolean; cell: number; programs: number }>(
    `SELECT ${STREAM_ID} AS stream_id, w.active, w.cell, w.programs FROM proj_workers w WHERE w.worker = ANY($1::uuid[])`,
    [ids.map(pseudonymOf)],
  );
  return new Map(
    rows.map((r) => {
      const { region, dims } = cells.get(r.cell);
      return [r.stream_id, workerCell(region, dims[1], dims[2], r.programs, r.active)];
    }),
  );
}

/**
 * The worker stream ids of `states` in about their pseudonyms' order (by the
 * first 32 bits), so proj_workers' index entries are appended to few pages
 * instead of inserted at random ones. One native sort of numbers: the prefix
 * and the id's index packed in a double (a batch holds far fewer than 2^21 streams).
 */
function inKeyOrder(states: ReadonlyMap<string, unknown>): string[] {
  const ids = [...states.keys()];
  if (ids.length > 2 ** 21) return ids.sort();
  const at = WORKER_STREAM_PREFIX.length;
  const keys = new Float64Array(ids.length);
  for (let i = 0; i < ids.length; i++) keys[i] = (parseInt(ids[i].slice(at, at + 8), 16) || 0) * 2 ** 21 + i;
  keys.sort();
  const out = new Array<string>(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = ids[keys[i] % 2 ** 21];
  return out;
}

/**
 * Writes the batch's worker states: the workers `stored` in proj_workers
 * replace their rows (or lose them, when their enrolment was retracted), the
 * others' rows are new keys, copied straight in.
 */
async function saveWorkers(tx: Sql, cells: Cells, states: Map<string, WorkerCell>, stored: ReadonlySet<string>, fresh: boolean): Promise<void> {
  const added = new CopyBinary(Math.max(1024, (states.size - stored.size) * 64));
  const replaced = new CopyBinary(stored.size * 64);
  const gone: string[] = [];
  const cellOf = cellIds(cells);
  for (const id of fresh ? states.keys() : inKeyOrder(states)) {
    const s = states.get(id)!;
    const isStored = stored.has(id);
    // a stream whose enrolment was retracted counts nowhere
    if (!s.region) {
      if (isStored) gone.push(id);
      continue;
    }
    (isStored ? replaced : added).row(4).uuidHex(id, WORKER_STREAM_PREFIX.length).bool(s.active).int4(cellOf(s, 0)[0]).int2(s.programs);
  }
  const values = ['active', 'cell', 'programs'];
  if (gone.length) await tx.query('DELETE FROM proj_workers WHERE worker = ANY($1::uuid[])', [gone.map(pseudonymOf)]);
  await copyNew(tx, 'proj_workers', ['worker', ...values], added, fresh);
  if (replaced.length) await copyUpsert(tx, 'proj_workers', ['worker'], values, replaced, { fresh: false, update: 'replace' });
}

export type { LogEvent };
