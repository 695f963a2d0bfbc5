import type { Sql } from '../db/database.ts';
import { FACTS, type Fact } from '../projections/cells.ts';
import { jakartaMonth } from '../projections/log-event.ts';
import { isMonthEnd, monthStart, nextMonth } from './periods.ts';

/** Which roll-up rows to sum, and by which key columns. */
export type BucketSpec = {
  fact: Fact;
  /** the measure column */
  column: string;
  /** rollup_cells column per key dimension, in key order. */
  keys: string[];
  /** Extra WHERE conditions on rollup_cells' columns, using $n placeholders numbered after the engine's own. */
  where: (param: (value: unknown) => string) => string[];
  /** Read regency cells' day rows for every month instead of province cells' month rows. */
  regencyLevel: boolean;
  asOf?: Date;
};

/** Cumulative sums per key, answerable at any of the requested dates. */
export type Prefix = Map<string, { keyValues: (string | null)[]; dates: string[]; sums: number[] }>;

/**
 * Sums of a roll-up measure for every key, up to each date in `xs`, from the
 * roll-ups only. As known now: at province level, months that end before a
 * requested date come from the province cells' month rows (all vintages);
 * months holding a requested date that is not a month end come from the day
 * rows. At regency level everything comes from the day rows, summed per month.
 * An as-of cut reads, at province level, the vintages recorded in months
 * before its own Asia/Jakarta month, plus the rows recorded since that month
 * began up to the instant (exact recorded time); at regency level, and for
 * day figures, the rows with exact recorded time up to the instant.
 */
export async function prefixSums(sql: Sql, spec: BucketSpec, xs: string[]): Promise<Prefix> {
  const params: unknown[] = [];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const tables = FACTS[spec.fact];
  const minX = xs.reduce((a, b) => (a < b ? a : b));
  const maxX = xs.reduce((a, b) => (a > b ? a : b));
  const dailyMonths = [...new Set(xs.filter((x) => !isMonthEnd(x)).map(monthStart))];
  const lo = monthStart(minX);
  const keys = spec.keys.map((k, i) => `c.${k} AS k${i}`).join(', ');
  const filters = spec.where(param);
  const sum = `sum(f.${spec.column})::float8 AS v`;
  const select = (bucket: string, table: string, conds: string[], byBucket: boolean) =>
    `SELECT ${bucket} AS b${keys ? ', ' + keys : ''}, ${sum} FROM ${table} f JOIN rollup_cells c ON c.id = f.cell
      WHERE ${[...conds, ...filters].join(' AND ') || 'true'}
      GROUP BY ${[...(byBucket ? [bucket] : []), ...spec.keys.map((k) => `c.${k}`)].join(', ') || '()'}`;
  // (every placeholder must appear in the SQL, so conditions are built only when used)
  const loP = param(lo);
  const maxP = param(maxX);
  // Day rows are read only for the months that need them, as eff ranges.
  const dayRanges = (col: string) => dailyMonths.map((m) => `(f.${col} >= ${param(m)} AND f.${col} < ${param(nextMonth(m))})`);
  const inDailyMonth = (col: string) => (dailyMonths.length ? `(${dayRanges(col).join(' OR ')})` : 'false');
  const monthEndOf = (col: string) => `(date_trunc('month', f.${col}) + interval '1 month' - interval '1 day')::date`;
  const opening = `'0001-01-01'::date`;
  const asOf = spec.asOf;
  // as known now: day rows; as of an instant: rows with their exact recorded time up to it
  const dayTable = asOf ? tables.recorded : tables.days;
  const dayCut = () => (asOf ? [`f.rec <= ${param(asOf)}`] : []);
  const parts: string[] = [];
  if (spec.regencyLevel) {
    parts.push(select(opening, dayTable, [`f.eff < ${loP}`, ...dayCut()], false));
    parts.push(select(monthEndOf('eff'), dayTable, [`f.eff >= ${loP}`, `f.eff <= ${maxP}`, `NOT ${inDailyMonth('eff')}`, ...dayCut()], true));
  } else {
    const vintage = asOf ? jakartaMonth(asOf) : undefined;
    const before = vintage ? [`f.vintage < ${param(vintage.month)}`] : [];
    parts.push(select(opening, tables.vintages, [`f.month < ${loP}`, ...before], false));
    parts.push(select(monthEndOf('month'), tables.vintages, [`f.month >= ${loP}`, `f.month <= ${maxP}`, `NOT ${inDailyMonth('month')}`, ...before], true));
    if (vintage) {
      // what was recorded since the cut's month began, up to the instant
      parts.push(select('f.eff', tables.recorded, [`f.rec >= ${param(vintage.start)}`, `f.rec <= ${param(asOf)}`, `f.eff <= ${maxP}`, `NOT ${inDailyMonth('eff')}`], true));
    }
  }
  if (dailyMonths.length) parts.push(select('f.eff', dayTable, [inDailyMonth('eff'), `f.eff <= ${maxP}`, ...dayCut()], true));
  const rows = await sql.query<Record<string, unknown> & { b: string; v: number }>(parts.join('\nUNION ALL\n'), params);

  const prefix: Prefix = new Map();
  rows.sort((a, b) => (a.b < b.b ? -1 : a.b > b.b ? 1 : 0));
  for (const r of rows) {
    const keyValues = spec.keys.map((_, i) => (r[`k${i}`] as string | null) ?? null);
    const id = keyValues.join('|');
    let p = prefix.get(id);
    if (!p) prefix.set(id, (p = { keyValues, dates: [], sums: [] }));
    const running = (p.sums.at(-1) ?? 0) + Number(r.v);
    if (p.dates.at(-1) === r.b) p.sums[p.sums.length - 1] = running;
    else {
      p.dates.push(r.b);
      p.sums.push(running);
    }
  }
  return prefix;
}

/** The cumulative sum at date x (0 before the first bucket). */
export function sumAt(p: { dates: string[]; sums: number[] } | undefined, x: string): number {
  if (!p) return 0;
  let lo = 0;
  let hi = p.dates.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (p.dates[mid] <= x) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found < 0 ? 0 : p.sums[found];
}
