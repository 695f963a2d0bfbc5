import type { Cube } from '../analytics/cube.ts';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { bulkAnswer, bulkChunks } from '../analytics/bulk-rows.ts';
import { DIMENSIONS, MEASURES, type CoverageRow } from '../analytics/coverage-series.ts';
import { GRANULARITIES } from '../analytics/periods.ts';
import type { Database } from '../db/database.ts';
import { ValidationError } from '../domain/errors.ts';
import { DATE_RULE, isIsoDate } from '../domain/reference/calendar.ts';
import { PROGRAMS, SEGMENTS, SPONSORS } from '../domain/reference/vocabulary.ts';

// GET /export/coverage.csv: the flat rows of coverageSeries as CSV, for BI
// tools and spreadsheets that cannot speak GraphQL. Same measures, filters,
// asOf and compare; lists are comma-separated (?regionCodes=17,3375&groupBy=SEGMENT).
// There is no point cap: rows are read a chunk of whole periods at a time
// (analytics/bulk-rows.ts) as the client reads, so memory stays bounded and a
// slow reader holds the server back rather than filling its memory. Every
// chunk reflects one log position (the x-cakupan-position header). Without a
// key the same disclosure control applies: a hidden value is an empty cell
// with `suppressed` true.

const date = z.string().refine(isIsoDate, DATE_RULE);
const list = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(z.enum(values)))
    .optional();
const Params = z.strictObject({
  measure: z.enum(MEASURES),
  granularity: z.enum(GRANULARITIES),
  from: date,
  to: date,
  regionCodes: z.string().transform((s) => s.split(',').filter(Boolean)).optional(),
  segments: list(SEGMENTS),
  programs: list(PROGRAMS),
  sponsors: list(SPONSORS),
  groupBy: list(DIMENSIONS),
  asOf: z.iso
    .datetime({ offset: true, message: 'must be ISO-8601 with a time and offset (e.g. 2024-01-31T17:00:00+07:00)' })
    .transform((s) => new Date(s))
    .optional(),
  compare: z.enum(['PREVIOUS_PERIOD', 'PREVIOUS_YEAR']).optional(),
});

export const CSV_COLUMNS = [
  'period',
  'periodEnd',
  'provinceCode',
  'provinceName',
  'regencyCode',
  'regencyName',
  'segment',
  'program',
  'sponsor',
  'value',
  'suppressed',
  'compareValue',
  'denominator',
] as const satisfies readonly (keyof CoverageRow)[];

/**
 * The CSV of a series as a stream, once its arguments are checked and its
 * groups and position fixed (a bad request fails here, before any byte is
 * sent). `minCell`: the disclosure threshold for the caller (1 for a key: raw values).
 */
export async function coverageCsv(db: Database, searchParams: URLSearchParams, opts: { cube?: Cube; minCell: number; chunkPoints?: number }): Promise<{ body: ReadableStream<Uint8Array>; position: number; rows: number }> {
  const parsed = Params.safeParse(Object.fromEntries(searchParams));
  if (!parsed.success) {
    throw new ValidationError(parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(query)', reason: i.message })));
  }
  const { measure, granularity, from, to, groupBy, asOf, compare, ...filter } = parsed.data;
  const answer = await bulkAnswer(db, { measure, granularity, from, to, groupBy, filter, asOf, compare }, opts);
  const chunks = bulkChunks(db, answer, opts);
  const encoder = new TextEncoder();
  let header = true;
  const body = new ReadableStream<Uint8Array>(
    {
      // called only while the consumer's queue has room: one chunk is read ahead at most
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) return controller.close();
        controller.enqueue(encoder.encode(stringify(next.value, { header, columns: [...CSV_COLUMNS], cast: { boolean: (b) => String(b) } })));
        header = false;
      },
      async cancel() {
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
  return { body, position: answer.position, rows: answer.totalRows };
}
