import type { Cube } from '../analytics/cube.ts';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { DIMENSIONS, MEASURES } from '../analytics/coverage-series.ts';
import { seriesFor } from '../analytics/disclosure.ts';
import { GRANULARITIES } from '../analytics/periods.ts';
import type { Database } from '../db/database.ts';
import { ValidationError } from '../domain/errors.ts';
import { DATE_RULE, isIsoDate } from '../domain/reference/calendar.ts';
import { PROGRAMS, SEGMENTS, SPONSORS } from '../domain/reference/vocabulary.ts';

// GET /export/coverage.csv: the flat rows of coverageSeries as CSV, for BI
// tools and spreadsheets that cannot speak GraphQL. Same measures, filters
// and limits; lists are comma-separated (?regionCodes=17,3375&groupBy=SEGMENT).
// Without a key the same disclosure control applies: a hidden value is an
// empty cell with `suppressed` true.

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
});

export const CSV_COLUMNS = ['period', 'periodEnd', 'provinceCode', 'regencyCode', 'segment', 'program', 'sponsor', 'value', 'suppressed'] as const;

/** `minCell`: the disclosure threshold for the caller (1 for a key: raw values). */
export async function coverageCsv(db: Database, searchParams: URLSearchParams, opts: { cube?: Cube; minCell: number }): Promise<string> {
  const parsed = Params.safeParse(Object.fromEntries(searchParams));
  if (!parsed.success) {
    throw new ValidationError(parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(query)', reason: i.message })));
  }
  const { measure, granularity, from, to, groupBy, ...filter } = parsed.data;
  const { rows } = await seriesFor(db, { measure, granularity, from, to, groupBy, filter }, opts);
  return stringify(rows, { header: true, columns: [...CSV_COLUMNS], cast: { boolean: (b) => String(b) } });
}
