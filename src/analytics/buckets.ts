import type { Sql } from '../db/database.ts';
import { jakartaDayStart } from '../projections/log-event.ts';
import { isMonthEnd, monthStart, nextMonth } from './periods.ts';

/** Which roll-up rows to sum, and by which key columns. */
export type BucketSpec = {
  table: 'coverage_rollup' | 'employer_rollup';
  column: string;
  /** SQL column per key dimension, in key order. */
  keys: string[];
  /** Extra WHERE conditions using $n placeholders numbered after the engine's own. */
  where: (param: (value: unknown) => string) => string[];
  /** Read regency-level day rows (D) for every month instead of province-level month rows (P). */
  regencyLevel: boolean;
  asOf?: Date;
};

/** Cumulative sums per key, answerable at any of the requested dates. */
export type Prefix = Map<string, { keyValues: (string | null)[]; dates: string[]; sums: number[] }>;

/**
 * Sums of a roll-up column for every key, up to each date in `xs`, computed
 * from roll-ups only: at province level, months that end before a requested
 * date come from month rows, months holding a requested date that is not a
 * month end come from day rows, and everything before the first month is one
 * opening sum; an as-of cut takes month rows recorded before its Asia/Jakarta
 * day and day rows recorded on that day up to the instant. At regency level
 * everything comes from day rows (exact recorded time), summed per month.
 */
export async function prefixSums(sql: Sql, spec: BucketSpec, xs: string[]): Promise<Prefix> {
  const params: unknown[] = [];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const minX = xs.reduce((a, b) => (a < b ? a : b));
  const maxX = xs.reduce((a, b) => (a > b ? a : b));
  const dailyMonths = [...new Set(xs.filter((x) => !isMonthEnd(x)).map(monthStart))];
  const lo = monthStart(minX);
  const keys = spec.keys.map((k, i) => `${k} AS k${i}`).join(', ');
  const groupKeys = spec.keys.map((_, i) => `k${i}`);
  const filters = spec.where(param);
  // Day rows are read only for the months that need them, as eff ranges (indexed).
  const dayRanges = dailyMonths.map((m) => `(eff >= ${param(m)} AND eff < ${param(nextMonth(m))})`);
  const inDailyMonth = dayRanges.length ? `(${dayRanges.join(' OR ')})` : 'false';
  const sum = `sum(${spec.column})::float8 AS v`;
  const select = (bucket: string, grain: string, conds: string[], groupBy?: string) =>
    `SELECT ${bucket} AS b${keys ? ', ' + keys : ''}, ${sum} FROM ${spec.table}
      WHERE grain = '${grain}' AND ${[...conds, ...filters].join(' AND ')}
      GROUP BY ${[...(groupBy ? [groupBy] : []), ...groupKeys.map((_, i) => spec.keys[i])].join(', ') || '()'}`;
  const loP = param(lo);
  const maxP = param(maxX);
  const monthEndOf = (eff: string) => `(date_trunc('month', ${eff}) + interval '1 month' - interval '1 day')::date`;
  const parts: string[] = [];
  // (every placeholder must appear in the SQL, so conditions are built only when used)
  if (spec.regencyLevel) {
    // regency level: day rows only (exact recorded time), summed per month where a month end is asked
    const cut = spec.asOf ? [`rec <= ${param(spec.asOf)}`] : [];
    parts.push(select(`'0001-01-01'::date`, 'D', [`eff < ${loP}`, ...cut]));
    parts.push(select(monthEndOf('eff'), 'D', [`eff >= ${loP}`, `eff <= ${maxP}`, `NOT ${inDailyMonth}`, ...cut], monthEndOf('eff')));
    if (dayRanges.length) parts.push(select('eff', 'D', [inDailyMonth, `eff <= ${maxP}`, ...cut], 'eff'));
  } else {
    // province level: month rows (recorded day) and, where days are asked, day rows
    const cutDay = spec.asOf ? jakartaDayStart(spec.asOf) : undefined;
    const monthCut = cutDay ? [`rec < ${param(cutDay)}`] : [];
    parts.push(select(`'0001-01-01'::date`, 'P', [`eff < ${loP}`, ...monthCut]));
    parts.push(select(monthEndOf('eff'), 'P', [`eff >= ${loP}`, `eff <= ${maxP}`, `NOT ${inDailyMonth}`, ...monthCut], 'eff'));
    if (dayRanges.length) parts.push(select('eff', 'D', [inDailyMonth, `eff <= ${maxP}`, ...(spec.asOf ? [`rec <= ${param(spec.asOf)}`] : [])], 'eff'));
    if (cutDay) {
      // the as-of day itself, up to the instant, for months read from month rows
      parts.push(select('eff', 'D', [`rec >= ${param(cutDay)}`, `rec <= ${param(spec.asOf)}`, `eff <= ${maxP}`, `NOT ${inDailyMonth}`], 'eff'));
    }
  }
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
