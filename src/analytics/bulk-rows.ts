import { createHash } from 'node:crypto';
import type { Sql } from '../db/database.ts';
import { CakupanError, ErrorCode, ValidationError } from '../domain/errors.ts';
import { keyValuesOf, recordedAround, seriesPeriods, type CoverageQuery, type CoverageRow } from './coverage-series.ts';
import type { Cube } from './cube.ts';
import { seriesFor } from './disclosure.ts';
import type { Period } from './periods.ts';

// The flat rows of a series without a point cap: the regency panel (about
// 85,000 monthly points) and larger, read in chunks of whole periods so that
// memory stays bounded whatever the answer's size. coverageRows pages them by
// cursor and the CSV export streams them; both give exactly the rows
// coverageSeries would (same order: by period, then group key), with the same
// disclosure control.
//
// All chunks of one answer come from one read-model position. The groups are
// fixed first (those of the last period, whose read reaches every group the
// range has); when the log moves between two chunks (or two pages), the rest
// is read as of the instant the first chunk's position was recorded, which
// counts exactly the same events; when that cut is not exact (two commits in
// one millisecond), the read is refused rather than mixed.

/** Points per chunk (groups x periods); a chunk is at least one period. */
export const CHUNK_POINTS = 20_000;
/** The largest page coverageRows serves. */
export const MAX_PAGE = 10_000;

type Options = { cube?: Cube; minCell: number; /** points per chunk (default CHUNK_POINTS) */ chunkPoints?: number };

/** What every chunk of one answer shares. */
export type BulkAnswer = {
  q: CoverageQuery;
  periods: Period[];
  /** key values (groupBy order) of every group, in row order; empty: the one all-null group coverageSeries answers with */
  groups: (string | null)[][];
  groupCount: number;
  /** the read-model position the answer reflects */
  position: number;
  /** where the log moved on: the instant the rows are read as of, standing for `position` */
  pinnedAsOf?: Date;
  minCell: number | null;
  totalRows: number;
};

/**
 * Fixes an answer's groups and position. `at`: the position an earlier page
 * was read at, for a later page (read as of that position when the log has
 * moved since).
 */
export async function bulkAnswer(sql: Sql, q: CoverageQuery, opts: Options, at?: number): Promise<BulkAnswer> {
  const { main } = seriesPeriods(q);
  let pinnedAsOf: Date | undefined;
  for (let tries = 0; ; tries++) {
    const lastPeriod = { ...q, from: main.at(-1)!.start < q.from ? q.from : main.at(-1)!.start, asOf: q.asOf ?? pinnedAsOf };
    const last = await seriesFor(sql, lastPeriod, { ...opts, maxPoints: Infinity });
    const position = at ?? last.position;
    if (at === undefined || q.asOf || pinnedAsOf || last.position === at) {
      const groupBy = q.groupBy ?? [];
      const onlyFallback = groupBy.length > 0 && last.series.length === 1 && last.series[0].points.every((p) => p.value === 0) && keyValuesOf(groupBy, last.series[0].key).every((v) => v === null);
      const groups = onlyFallback ? [] : last.series.map((s) => keyValuesOf(groupBy, s.key));
      const groupCount = last.series.length;
      return { q, periods: main, groups, groupCount, position, pinnedAsOf, minCell: last.minCell, totalRows: groupCount * main.length };
    }
    if (tries > 0) throw moved(at);
    pinnedAsOf = await pinOf(sql, at);
  }
}

/** The rows of periods [from, to) of an answer (a chunk or a page's periods). */
export async function bulkRows(sql: Sql, a: BulkAnswer, opts: Options, from: number, to: number): Promise<{ rows: CoverageRow[]; suppressed: number }> {
  if (from >= to) return { rows: [], suppressed: 0 };
  const chunk = { ...a.q, from: from === 0 ? a.q.from : a.periods[from].start, to: a.periods[to - 1].end };
  const read = (asOf?: Date | null) => seriesFor(sql, { ...chunk, asOf }, { ...opts, groups: a.groups, maxPoints: Infinity });
  let s = await read(a.q.asOf ?? a.pinnedAsOf);
  if (!a.q.asOf && !a.pinnedAsOf && s.position !== a.position) {
    // the log moved since the answer began: the rest is read as it stood
    a.pinnedAsOf = await pinOf(sql, a.position);
    s = await read(a.pinnedAsOf);
  }
  if (s.series.length !== a.groupCount) throw new Error(`a chunk answered ${s.series.length} groups, the answer has ${a.groupCount}`);
  return { rows: s.rows, suppressed: s.suppressedCount };
}

/** Periods per chunk for an answer (at least one). */
export const periodsPerChunk = (a: BulkAnswer, points = CHUNK_POINTS) => Math.max(1, Math.floor(points / Math.max(1, a.groupCount)));

/** Every row of an answer, a chunk at a time (the caller pulls: nothing is read ahead). */
export async function* bulkChunks(sql: Sql, a: BulkAnswer, opts: Options): AsyncGenerator<CoverageRow[]> {
  const step = periodsPerChunk(a, opts.chunkPoints);
  for (let i = 0; i < a.periods.length; i += step) {
    yield (await bulkRows(sql, a, opts, i, Math.min(a.periods.length, i + step))).rows;
  }
}

/**
 * The instant standing for a position: when the event there was recorded,
 * provided the next event was recorded later (recorded time never decreases
 * along the log, so "as of" that instant counts exactly the events up to it).
 */
async function pinOf(sql: Sql, position: number): Promise<Date> {
  if (position === 0) return new Date(0);
  const { last, next } = await recordedAround(sql, position);
  if (last && (next === null || next > last)) return last;
  throw moved(position);
}

const moved = (position: number) =>
  new CakupanError(ErrorCode.UNAVAILABLE, `the log moved on from position ${position} while these rows were read, and the rows as they stood there cannot be read exactly; start again (or pass asOf to pin the answer)`);

/** A page cursor: the row offset, the position read at, and a digest of the query (a cursor is valid for its own query only). */
type Cursor = { o: number; p: number; q: string };

export const queryDigest = (q: CoverageQuery) =>
  createHash('sha256')
    .update(JSON.stringify([q.measure, q.granularity, q.from, q.to, q.filter ?? null, q.groupBy ?? null, q.asOf?.toISOString() ?? null, q.compare ?? null]))
    .digest('base64url')
    .slice(0, 16);

export const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

export function decodeCursor(after: string, q: CoverageQuery): Cursor {
  let c: Partial<Cursor> | undefined;
  try {
    c = JSON.parse(Buffer.from(after, 'base64url').toString());
  } catch {
    c = undefined;
  }
  if (!c || !Number.isInteger(c.o) || c.o! < 0 || !Number.isInteger(c.p) || c.p! < 0 || typeof c.q !== 'string') {
    throw new ValidationError([{ field: 'after', reason: 'is not a cursor from coverageRows' }]);
  }
  if (c.q !== queryDigest(q)) throw new ValidationError([{ field: 'after', reason: 'was made for other arguments: a cursor continues the query that gave it' }]);
  return c as Cursor;
}
