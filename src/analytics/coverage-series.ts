import type { Sql } from '../db/database.ts';
import { ValidationError } from '../domain/errors.ts';
import { currentRegencyCode, isProvinceCode, regions } from '../domain/regions/regions.ts';
import { prefixSums, sumAt, type BucketSpec, type Prefix } from './buckets.ts';
import type { CellFilter, Cube, CubeQuery, Cut } from './cube.ts';
import { checkpoint } from '../projections/runner.ts';
import { comparedPeriod, dayBefore, periodCount, periods, type Granularity, type Period } from './periods.ts';
import { workforceDenominators } from './workforce.ts';

export const MEASURES = ['ACTIVE_PARTICIPANTS', 'NEW_ENROLMENTS', 'LAPSES', 'NET_CHANGE', 'ACTIVE_EMPLOYERS', 'COVERAGE_RATE', 'EMPLOYER_COVERAGE_RATE'] as const;
export type Measure = (typeof MEASURES)[number];
export const DIMENSIONS = ['PROVINCE', 'REGENCY', 'SEGMENT', 'PROGRAM', 'SPONSOR'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export type Comparison = 'PREVIOUS_PERIOD' | 'PREVIOUS_YEAR';

export type CoverageFilter = { regionCodes?: string[] | null; segments?: string[] | null; programs?: string[] | null; sponsors?: string[] | null };
export type CoverageQuery = {
  measure: Measure;
  granularity: Granularity;
  from: string;
  to: string;
  filter?: CoverageFilter | null;
  groupBy?: Dimension[] | null;
  asOf?: Date | null;
  compare?: Comparison | null;
};
export type CoverageKey = { provinceCode: string | null; regencyCode: string | null; segment: string | null; program: string | null; sponsor: string | null };
/** One period of a group. `value` is null, and `suppressed` true, where a public answer hides it (analytics/disclosure.ts). */
export type CoveragePoint = { period: string; periodEnd: string; value: number | null; suppressed: boolean; cumulative: number | null; compareValue: number | null; denominator: number | null };
/** One flat row: a point with its group's labels, for BI tools (names in Bahasa Indonesia, from idn-area-data). */
export type CoverageRow = CoverageKey & {
  period: string;
  periodEnd: string;
  provinceName: string | null;
  regencyName: string | null;
  value: number | null;
  suppressed: boolean;
  compareValue: number | null;
  denominator: number | null;
};
export type CoverageSeries = {
  measure: Measure;
  granularity: Granularity;
  /** The log position the read models stood at for this answer. */
  position: number;
  series: { key: CoverageKey; points: CoveragePoint[] }[];
  rows: CoverageRow[];
  /** The threshold K disclosure control applied (null: raw values, for keyed callers and employer measures). */
  minCell: number | null;
  /** How many points (values) disclosure control hid. */
  suppressedCount: number;
};

export const MAX_POINTS = 10_000;

export type SeriesOptions = {
  cube?: Cube;
  /** Exactly the groups (key values in groupBy order) to answer, zeros where they have no roll-up row: bulk reads in period chunks keep the whole range's groups. */
  groups?: (string | null)[][];
  /** The most points one answer may hold (default MAX_POINTS; bulk reads size their chunks themselves). */
  maxPoints?: number;
};
const FLOWS: Partial<Record<Measure, string>> = { NEW_ENROLMENTS: 'enrolments', LAPSES: 'lapses', NET_CHANGE: 'delta' };
const EMPLOYER_MEASURES: Measure[] = ['ACTIVE_EMPLOYERS', 'EMPLOYER_COVERAGE_RATE'];
const KEY_FIELD: Record<Dimension, keyof CoverageKey> = { PROVINCE: 'provinceCode', REGENCY: 'regencyCode', SEGMENT: 'segment', PROGRAM: 'program', SPONSOR: 'sponsor' };
const COLUMN: Record<Dimension, string> = { PROVINCE: 'province', REGENCY: 'region', SEGMENT: 'segment', PROGRAM: 'program', SPONSOR: 'sponsor' };
const ALL_PROGRAMS = ['JKK', 'JKM', 'JHT', 'JP', 'JKP'];

/**
 * A time series of one measure, from the roll-ups (never the log): from the
 * server's in-memory cube when one is given and can answer (as known now),
 * else by SQL over the roll-up rows. Both give the same figures (tested).
 */
export async function coverageSeries(sql: Sql, q: CoverageQuery, opts: SeriesOptions = {}): Promise<CoverageSeries> {
  const s = await seriesOf(sql, q, opts);
  return { ...s, rows: rowsOf(s.series) };
}

/** The same without its flat rows: what disclosure control starts from (it builds the rows of what it shows). */
export async function seriesOf(sql: Sql, q: CoverageQuery, opts: SeriesOptions = {}): Promise<Omit<CoverageSeries, 'rows'>> {
  const groupBy = q.groupBy ?? [];
  const filter = q.filter ?? {};
  validate(q, groupBy, filter);
  const maxPoints = opts.maxPoints ?? MAX_POINTS;
  const { main, counted, compared } = seriesPeriods(q);
  const flow = FLOWS[q.measure];
  // flows count the days of `counted` (clipped to [from, to]); stocks are read at each period's end
  const need = flow
    ? [...counted, ...compared].flatMap((p) => [dayBefore(p.start), p.end])
    : [...main, ...compared].map((p) => p.end);

  const employer = EMPLOYER_MEASURES.includes(q.measure);
  const cells = cellFilter(filter, groupBy, employer);
  const regencyLevel = groupBy.includes('REGENCY') || cells.regions.length > 0;
  const spec: BucketSpec = {
    fact: employer ? 'employer' : 'coverage',
    column: flow ?? 'delta',
    keys: groupBy.map((d) => COLUMN[d]),
    regencyLevel,
    asOf: q.asOf ?? undefined,
    where: (param) => whereClauses(cells, param),
  };
  const read = await readPrefixes(sql, { ...spec, columns: q.measure === 'EMPLOYER_COVERAGE_RATE' ? [spec.column, 'licensed'] : [spec.column] }, cells, need, opts.cube);
  const { position } = read;
  const [numer, denom] = read.prefixes;
  const workforce = q.measure === 'COVERAGE_RATE' ? await workforceDenominators(sql, filter, groupBy, q.asOf ?? undefined) : undefined;

  // every group with a roll-up row, or exactly those the caller names (zeros where they have none)
  const keyIds = new Map<string, (string | null)[]>();
  if (opts.groups) for (const keyValues of opts.groups) keyIds.set(keyValues.join('|'), keyValues);
  else for (const prefix of [numer, denom]) for (const [id, g] of prefix ?? []) keyIds.set(id, g.keyValues);
  const valueOf = (id: string, keyValues: (string | null)[], p: Period): { value: number; denominator: number | null } => {
    const n = numer.get(id);
    if (flow) return { value: sumAt(n, p.end) - sumAt(n, dayBefore(p.start)), denominator: null };
    const active = sumAt(n, p.end);
    if (denom) {
      const d = sumAt(denom.get(id), p.end);
      return { value: d > 0 ? active / d : 0, denominator: d > 0 ? d : null };
    }
    if (workforce) {
      const d = workforce(keyValuesToKey(groupBy, keyValues), p.end);
      return { value: d ? active / d : 0, denominator: d };
    }
    return { value: active, denominator: null };
  };

  const series = [...keyIds]
    .map(([id, keyValues]) => {
      let running = 0;
      const points = main.map((p, i) => {
        const { value, denominator } = valueOf(id, keyValues, counted[i]);
        running += value;
        return {
          period: p.start,
          periodEnd: p.end,
          value,
          suppressed: false,
          cumulative: flow ? running : null,
          compareValue: q.compare ? valueOf(id, keyValues, compared[i]).value : null,
          denominator,
        };
      });
      const key = keyValuesToKey(groupBy, keyValues);
      return { key, points, order: keyOrder(key) };
    })
    .sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0))
    .map(({ key, points }) => ({ key, points }));
  if (!series.length) series.push({ key: keyValuesToKey(groupBy, groupBy.map(() => null)), points: main.map((p) => ({ period: p.start, periodEnd: p.end, value: 0, suppressed: false, cumulative: flow ? 0 : null, compareValue: q.compare ? 0 : null, denominator: null })) });
  if (series.length * main.length > maxPoints) throw tooMany(`${series.length} groups x ${main.length} periods exceeds ${maxPoints} points (coverageRows and the CSV export page or stream any number)`);

  return { measure: q.measure, granularity: q.granularity, position, series, minCell: null, suppressedCount: 0 };
}

/** A series' periods, the days a flow counts in each, and the compared periods (with `compare`); refuses more than MAX_POINTS. */
export function seriesPeriods(q: Pick<CoverageQuery, 'granularity' | 'from' | 'to' | 'compare'>): { main: Period[]; counted: Period[]; compared: Period[] } {
  const main = periods(q.granularity, q.from, q.to, MAX_POINTS);
  if (main.length > MAX_POINTS) throw tooMany(`${q.granularity} from ${q.from} to ${q.to} has more than ${MAX_POINTS} periods`);
  // what a flow counts in each period: the first starts at `from` (ends are already capped at `to`)
  const counted = main.map((p, i) => (i === 0 && p.start < q.from ? { start: q.from, end: p.end } : p));
  return { main, counted, compared: q.compare ? main.map((p) => comparedPeriod(q.granularity, p, q.compare!)) : [] };
}

/** The flat rows of a series: by period, then key (series are in key order). */
export function rowsOf(series: CoverageSeries['series']): CoverageRow[] {
  const rows: CoverageRow[] = [];
  const n = series[0]?.points.length ?? 0;
  const names = series.map(({ key: k }) => ({ province: nameOf(k.provinceCode), regency: nameOf(k.regencyCode) }));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < series.length; j++) {
      const { key: k, points } = series[j];
      const p = points[i];
      // (spelled out: a spread of the key makes slow dictionary-mode objects, thousands per answer)
      rows.push({
        period: p.period,
        periodEnd: p.periodEnd,
        provinceCode: k.provinceCode,
        provinceName: names[j].province,
        regencyCode: k.regencyCode,
        regencyName: names[j].regency,
        segment: k.segment,
        program: k.program,
        sponsor: k.sponsor,
        value: p.value,
        suppressed: p.suppressed,
        compareValue: p.compareValue,
        denominator: p.denominator,
      });
    }
  }
  return rows;
}

const nameOf = (code: string | null) => (code === null ? null : (regions().get(code)?.name ?? null));

/**
 * Cumulative sums per group at each date in `need`, one Prefix per column, and
 * the read models' position they reflect: from the server's cube when it can
 * answer, else by SQL, where the position read before and after the roll-up
 * reads must agree (a batch committing in between is read again), so it is
 * the one answered from.
 */
export async function readPrefixes(sql: Sql, spec: Omit<BucketSpec, 'column'> & { columns: string[] }, cells: Required<CellFilter>, need: string[], cube?: Cube): Promise<{ position: number; prefixes: Prefix[] }> {
  if (cube) {
    const fromCube = await cubePrefixes(cube, sql, { fact: spec.fact, keys: spec.keys, ...cells }, spec.columns, need, spec.asOf);
    if (fromCube) return fromCube;
  }
  for (let tries = 0; ; tries++) {
    const before = await checkpoint(sql);
    const prefixes: Prefix[] = [];
    for (const column of spec.columns) prefixes.push(await prefixSums(sql, { ...spec, column }, need));
    const after = await checkpoint(sql);
    if (before === after || tries === 2) return { position: after, prefixes };
  }
}

/**
 * Each column's prefix from one cube state, or undefined to ask SQL.
 */
async function cubePrefixes(cube: Cube, sql: Sql, q: Omit<CubeQuery, 'column'>, columns: string[], need: string[], asOf?: Date): Promise<{ prefixes: Prefix[]; position: number } | undefined> {
  const read = await cubeRead(cube, sql, asOf);
  if (!read) return undefined;
  const { state, cut } = read;
  const prefixes: Prefix[] = [];
  for (const column of columns) prefixes.push(cube.prefix(state, { ...q, column }, need, cut));
  // (a cut holds for the position it was placed at)
  if (cut && cut.position !== state.position) return undefined;
  return { prefixes, position: state.position };
}

/**
 * The cube's state when it can answer, and the cut to answer at for an
 * as-of instant: none when the cut reads exactly what the cube holds (every
 * row it holds was recorded by then), else where it falls among the
 * recording days (cube.cut).
 */
async function cubeRead(cube: Cube, sql: Sql, asOf?: Date): Promise<{ state: Awaited<ReturnType<Cube['current']>>; cut?: Cut } | undefined> {
  const state = await cube.current(sql);
  if (!asOf || asOf.getTime() >= state.recordedUpTo) return { state };
  const cut = await cube.cut(state, asOf);
  return cut && { state, cut };
}

/**
 * Each group's balance of one column at each date in `need` (arrays indexed
 * as `groups`) and the read models' position: from the cube when it can
 * answer (the same groups array while the cube stays put), else by SQL.
 */
export async function readColumns(
  sql: Sql,
  spec: Omit<BucketSpec, 'column'> & { column: string },
  cells: Required<CellFilter>,
  need: string[],
  cube?: Cube,
): Promise<{ position: number; groups: readonly { keyValues: (string | null)[] }[]; at: Map<string, Float64Array> }> {
  const read = cube && (await cubeRead(cube, sql, spec.asOf));
  if (read) {
    const { state, cut } = read;
    const answer = { position: state.position, ...cube!.columns(state, { fact: spec.fact, keys: spec.keys, ...cells, column: spec.column }, need, cut) };
    if (!cut || cut.position === state.position) return answer;
  }
  const { position, prefixes } = await readPrefixes(sql, { ...spec, columns: [spec.column] }, cells, need);
  const groups = [...prefixes[0].values()];
  return { position, groups, at: new Map(need.map((x) => [x, Float64Array.from(groups, (g) => sumAt(g, x))])) };
}

/** When the event at `position` and the one after it were recorded (null: no such event). */
export async function recordedAround(sql: Sql, position: number): Promise<{ last: Date | null; next: Date | null }> {
  const [row] = await sql.query<{ last: Date | null; next: Date | null }>(
    'SELECT (SELECT recorded_at FROM events WHERE position = $1) AS last, (SELECT recorded_at FROM events WHERE position = $1 + 1) AS next',
    [position],
  );
  return row;
}

/**
 * The cells a query reads, as values: the cube matches them and whereClauses
 * writes them as SQL. Province or regency codes select cells in either; the
 * head count is program '' unless programs are filtered or grouped by.
 */
export function cellFilter(filter: CoverageFilter, groupBy: Dimension[], employer: boolean): Required<CellFilter> {
  const regions = filter.regionCodes ?? [];
  const where: Record<string, string[]> = {};
  if (!employer) {
    if (filter.segments?.length) where.segment = filter.segments;
    if (filter.sponsors?.length) where.sponsor = filter.sponsors;
    where.program = filter.programs?.length ? filter.programs : groupBy.includes('PROGRAM') ? ALL_PROGRAMS : [''];
  }
  return {
    provinces: regions.filter((c) => c.length === 2),
    regions: regions.filter((c) => c.length === 4).map((c) => currentRegencyCode(c)!),
    where,
  };
}

/**
 * The most points a series can answer (groups x periods, twice with a
 * comparison), from its arguments and the reference data alone: what a
 * request is charged against its budget before anything runs. Groups are
 * the product of each grouped dimension's values within the filter (a
 * province's regencies when regions are filtered). An invalid argument
 * counts as nothing here: the resolver refuses it with its reason.
 */
export function estimatePoints(q: Pick<CoverageQuery, 'granularity' | 'from' | 'to' | 'filter' | 'groupBy' | 'compare'>): number {
  const filter = q.filter ?? {};
  const codes = filter.regionCodes ?? [];
  const provinces = new Set(codes.filter((c) => c.length === 2));
  const regencies = new Set(codes.filter((c) => c.length === 4));
  const size: Record<Dimension, () => number> = {
    PROVINCE: () => (codes.length ? new Set([...provinces, ...[...regencies].map((c) => c.slice(0, 2))]).size : PROVINCE_COUNT),
    REGENCY: () => (codes.length ? regencies.size + [...provinces].reduce((n, p) => n + (REGENCIES_IN.get(p) ?? 0), 0) : REGENCY_COUNT),
    SEGMENT: () => filter.segments?.length || 4,
    PROGRAM: () => filter.programs?.length || ALL_PROGRAMS.length,
    SPONSOR: () => filter.sponsors?.length || 3,
  };
  const groups = [...new Set(q.groupBy ?? [])].reduce((n, d) => n * (size[d]?.() ?? 1), 1);
  return groups * periodCount(q.granularity, q.from, q.to) * (q.compare ? 2 : 1);
}

const current = [...regions().values()].filter((r) => r.currentCode === null);
const PROVINCE_COUNT = current.filter((r) => r.level === 'PROVINCE').length;
const REGENCY_COUNT = current.filter((r) => r.level === 'REGENCY').length;
const REGENCIES_IN = current.reduce((m, r) => (r.level === 'REGENCY' ? m.set(r.code.slice(0, 2), (m.get(r.code.slice(0, 2)) ?? 0) + 1) : m), new Map<string, number>());

const keyOrder = (k: CoverageKey) => [k.provinceCode, k.regencyCode, k.segment, k.program, k.sponsor].map((v) => v ?? '').join('|');

function keyValuesToKey(groupBy: Dimension[], values: (string | null)[]): CoverageKey {
  const key: CoverageKey = { provinceCode: null, regencyCode: null, segment: null, program: null, sponsor: null };
  groupBy.forEach((d, i) => {
    key[KEY_FIELD[d]] = values[i];
  });
  if (key.regencyCode && !key.provinceCode && groupBy.includes('REGENCY')) key.provinceCode = key.regencyCode.slice(0, 2);
  return key;
}

/** A group key's values in groupBy order (the inverse of keyValuesToKey). */
export const keyValuesOf = (groupBy: Dimension[], key: CoverageKey): (string | null)[] => groupBy.map((d) => key[KEY_FIELD[d]]);

export function whereClauses(cells: CellFilter, param: (v: unknown) => string): string[] {
  const out: string[] = [];
  const parts = [];
  if (cells.provinces?.length) parts.push(`province = ANY(${param(cells.provinces)}::text[])`);
  if (cells.regions?.length) parts.push(`region = ANY(${param(cells.regions)}::text[])`);
  if (parts.length) out.push(`(${parts.join(' OR ')})`);
  for (const [column, values] of Object.entries(cells.where)) out.push(`${column} = ANY(${param(values)}::text[])`);
  return out;
}

const tooMany = (reason: string) => new ValidationError([{ field: 'granularity', reason: `too many points: ${reason}; narrow the range or use a coarser granularity` }]);

function validate(q: CoverageQuery, groupBy: Dimension[], filter: CoverageFilter): void {
  const issues: { field: string; reason: string }[] = [];
  if (q.from > q.to) issues.push({ field: 'from', reason: `${q.from} is after to (${q.to})` });
  if (new Set(groupBy).size !== groupBy.length) issues.push({ field: 'groupBy', reason: 'lists a dimension twice' });
  const unknown = (filter.regionCodes ?? []).filter((c) => !(c.length === 2 ? isProvinceCode(c) : c.length === 4 && currentRegencyCode(c) !== undefined));
  // a bounded message whatever the input: a few of the codes, each cut short, and how many there are
  for (const c of unknown.slice(0, 3)) {
    const shown = c.length > 12 ? `${JSON.stringify(c.slice(0, 12)).slice(0, -1)}…" (${c.length} characters)` : JSON.stringify(c);
    issues.push({ field: 'filter.regionCodes', reason: `${shown} is not a known province (2-digit) or regency/city (4-digit) code` });
  }
  if (unknown.length > 3) issues.push({ field: 'filter.regionCodes', reason: `and ${unknown.length - 3} more unknown codes (${unknown.length} in all)` });
  if (EMPLOYER_MEASURES.includes(q.measure)) {
    for (const d of groupBy) if (d !== 'PROVINCE' && d !== 'REGENCY') issues.push({ field: 'groupBy', reason: `${q.measure} can be grouped by PROVINCE or REGENCY only, not ${d}` });
    for (const f of ['segments', 'programs', 'sponsors'] as const) if (filter[f]?.length) issues.push({ field: `filter.${f}`, reason: `${q.measure} cannot be filtered by ${f}` });
  }
  if (q.measure === 'COVERAGE_RATE') {
    for (const d of groupBy) if (d === 'PROGRAM' || d === 'SPONSOR') issues.push({ field: 'groupBy', reason: `COVERAGE_RATE has workforce estimates by region and segment only, not by ${d}` });
  }
  if (issues.length) throw new ValidationError(issues);
}
