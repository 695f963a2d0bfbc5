import { LRUCache } from 'lru-cache';
import type { Sql } from '../db/database.ts';
import { CakupanError, ErrorCode, issuesMessage, type FieldIssue } from '../domain/errors.ts';
import { currentRegencyCode } from '../domain/regions/regions.ts';
import { cellFilter, coverageSeries, readColumns, rowsOf, seriesOf, seriesPeriods, whereClauses, type CoverageFilter, type CoverageKey, type CoverageQuery, type CoverageSeries, type Dimension, type Measure, type SeriesOptions } from './coverage-series.ts';
import type { Cube } from './cube.ts';
import { dayBefore } from './periods.ts';
import { cellOf, grainsOf, GRAND_TOTAL, suppressionPattern, tableOf, type BaseKey } from './suppression.ts';

// Disclosure control for public callers (issue 15; the rule is in
// suppression.ts and docs/disclosure.md). A public answer's every count is a
// cell of a linked table (one measure, program slice and date or period); its
// suppression pattern is computed over the whole table at every grain, so a
// cell is hidden or shown alike whatever query shape asks for it, and cached
// per read-model position until the log moves. Public filters name one value
// per dimension unless grouped by it: a sum over a chosen set of cells is not
// a cell of any table, and two such sums would give a hidden cell by
// subtraction.

/** The counts each participant measure is read from: its numerator's column(s) in the coverage roll-ups, per table. */
const COLUMNS: Partial<Record<Measure, { columns: string[]; flow: boolean }>> = {
  ACTIVE_PARTICIPANTS: { columns: ['delta'], flow: false },
  COVERAGE_RATE: { columns: ['delta'], flow: false },
  NEW_ENROLMENTS: { columns: ['enrolments'], flow: true },
  LAPSES: { columns: ['lapses'], flow: true },
  // a net change is shown only where both the enrolments and the lapses it is the difference of are
  NET_CHANGE: { columns: ['enrolments', 'lapses'], flow: true },
};

/** Whether answers for this measure are disclosure-controlled for the public (employer counts are not: the employer register is public). */
export const isControlled = (measure: Measure) => COLUMNS[measure] !== undefined;

/** A date (stock) or a period's first and last day (flow): what one table counts. */
type Table = { from?: string; to: string };
const tableId = (t: Table) => (t.from ? `${t.from}..${t.to}` : t.to);

/** Patterns per database (tests open many at the same positions), each until the read models move. */
const caches = new WeakMap<object, LRUCache<string, Uint8Array>>();
const cacheOf = (sql: Sql) => {
  let c = caches.get(sql);
  if (!c) caches.set(sql, (c = new LRUCache<string, Uint8Array>({ maxSize: 48 << 20, sizeCalculation: (v) => v.length + 64 })));
  return c;
};

/**
 * A series as a caller may see it: raw for keyed roles (minCell undefined or
 * 1), disclosure-controlled for the public. Refuses a public filter whose
 * groups would not be cells (see checkPublicFilter).
 */
export async function seriesFor(sql: Sql, q: CoverageQuery, opts: SeriesOptions & { minCell?: number }): Promise<CoverageSeries> {
  const k = opts.minCell ?? 1;
  if (k <= 1 || !isControlled(q.measure)) return coverageSeries(sql, q, opts);
  checkPublicFilter(q.filter, q.groupBy ?? []);
  // the answer and its patterns must come from one read-model position: a batch committing in between is read again
  for (let tries = 0; tries < 5; tries++) {
    const raw = await seriesOf(sql, q, opts);
    const shown = await disclose(sql, q, raw, k, opts.cube);
    if (shown) return shown;
    // (a cube told of moves by its follower may trail a commit SQL already sees: it looks again)
    opts.cube?.invalidate();
  }
  throw new CakupanError(ErrorCode.UNAVAILABLE, 'the read models moved five times while this answer was computed; retry');
}

/**
 * A public filter may name several values of a dimension only when the answer
 * is grouped by it, so that each group is still one cell: several segments,
 * sponsors or programs grouped by that dimension; several regions grouped by
 * REGENCY, or several provinces grouped by PROVINCE.
 */
function checkPublicFilter(filter: CoverageFilter | null | undefined, groupBy: readonly Dimension[]): void {
  const issues: FieldIssue[] = [];
  const codes = filter?.regionCodes ?? [];
  const grouped = {
    regionCodes: groupBy.includes('REGENCY') || (groupBy.includes('PROVINCE') && codes.every((c) => c.length === 2)),
    segments: groupBy.includes('SEGMENT'),
    sponsors: groupBy.includes('SPONSOR'),
    programs: groupBy.includes('PROGRAM'),
  };
  for (const f of Object.keys(grouped) as (keyof typeof grouped)[]) {
    if ((filter?.[f]?.length ?? 0) > 1 && !grouped[f]) {
      issues.push({
        field: `filter.${f}`,
        reason: `names more than one value: without a key, a filter names one value per dimension unless the answer is grouped by it (a sum over chosen cells could reveal a hidden one by subtraction); group by ${f === 'regionCodes' ? 'REGENCY or PROVINCE' : f.slice(0, -1).toUpperCase()}, or use a key with role ANALYST`,
      });
    }
  }
  if (issues.length) throw new CakupanError(ErrorCode.FORBIDDEN, issuesMessage(issues), issues);
}

/** The table cell a group of a public answer is: the most specific region its key or the filter names, its segment and sponsor, and its program slice. */
function cellOfGroup(key: CoverageKey, filter: CoverageFilter): { cell: number; slice: string } {
  const codes = filter.regionCodes ?? [];
  const filterRegency = codes.find((c) => c.length === 4);
  const region = key.regencyCode ?? (filterRegency && currentRegencyCode(filterRegency)) ?? key.provinceCode ?? codes.find((c) => c.length === 2) ?? '';
  const cell = cellOf(region, key.segment ?? filter.segments?.[0] ?? '', key.sponsor ?? filter.sponsors?.[0] ?? '');
  return { cell, slice: key.program ?? filter.programs?.[0] ?? '' };
}

/** The raw answer with what the public may not see nulled and flagged, or undefined when the read models moved since it was computed. */
async function disclose(sql: Sql, q: CoverageQuery, raw: Omit<CoverageSeries, 'rows'>, k: number, cube?: Cube): Promise<CoverageSeries | undefined> {
  const { columns, flow } = COLUMNS[q.measure]!;
  const filter = q.filter ?? {};
  const { counted, compared } = seriesPeriods(q);
  const tableOfPeriod = (p: { start: string; end: string }): Table => (flow ? { from: p.start, to: p.end } : { to: p.end });
  const mainTables = counted.map(tableOfPeriod);
  const comparedTables = compared.map(tableOfPeriod);
  const groups = raw.series.map((g) => cellOfGroup(g.key, filter));
  const totalOnly = groups.every((g) => g.cell === GRAND_TOTAL);

  // every (column, slice) pattern each table needs, from the cache or computed together
  const patterns = new Map<string, Uint8Array>();
  const cache = cacheOf(sql);
  const prefix = `${k}|${totalOnly ? 'T' : 'A'}|${raw.position}|${q.asOf?.toISOString() ?? ''}`;
  const slices = [...new Set(groups.map((g) => g.slice))];
  for (const column of columns) {
    for (const slice of slices) {
      const missing = new Map<string, Table>();
      for (const t of [...mainTables, ...comparedTables]) {
        const id = `${prefix}|${column}|${slice}|${tableId(t)}`;
        const hit = cache.get(id);
        if (hit) patterns.set(id, hit);
        else missing.set(id, t);
      }
      if (!missing.size) continue;
      const need = [...missing.values()].flatMap((t) => (t.from ? [dayBefore(t.from), t.to] : [t.to]));
      const cells = cellFilter({ programs: slice ? [slice] : undefined }, [], false);
      const keys = totalOnly ? [] : ['region', 'segment', 'sponsor'];
      const read = await readColumns(sql, { fact: 'coverage', column, keys, regencyLevel: !totalOnly, asOf: q.asOf ?? undefined, where: (param) => whereClauses(cells, param) }, cells, need, cube);
      if (read.position !== raw.position) return undefined;
      const placed = totalOnly ? undefined : placesOf(read.groups);
      for (const [id, t] of missing) {
        const counts = countsOf(read.at, t);
        const pattern = placed ? suppressionPattern(tableOf(placed.grains, counts, placed.keys), k) : Uint8Array.of(counts[0] >= 1 && counts[0] < k ? 1 : 0);
        cache.set(id, pattern);
        patterns.set(id, pattern);
      }
    }
  }
  // per slice, each table's patterns (one per column), looked up once rather than per group and point
  const bySlice = (tables: Table[]) => new Map(slices.map((slice) => [slice, tables.map((t) => columns.map((column) => patterns.get(`${prefix}|${column}|${slice}|${tableId(t)}`)!))]));
  const mainPatterns = bySlice(mainTables);
  const comparedPatterns = bySlice(comparedTables);
  const isHidden = (of: Uint8Array[], g: { cell: number }) => of.some((pattern) => pattern[totalOnly ? 0 : g.cell] === 1);

  // the raw answer is this request's own: its points are disclosed in place (no second copy of every point)
  let suppressedCount = 0;
  raw.series.forEach((s, j) => {
    const g = groups[j];
    const main = mainPatterns.get(g.slice)!;
    const before = comparedPatterns.get(g.slice)!;
    let running: number | null = 0;
    s.points.forEach((p, i) => {
      const suppressed = isHidden(main[i], g);
      if (suppressed) suppressedCount++;
      const value = suppressed ? null : p.value;
      // a running total of what is shown, up to the first hidden period (after it, it would give the hidden value away)
      running = running === null || value === null ? null : running + value;
      p.value = value;
      p.suppressed = suppressed;
      p.cumulative = flow ? running : null;
      if (p.compareValue !== null && isHidden(before[i], g)) p.compareValue = null;
    });
  });
  return { ...raw, rows: rowsOf(raw.series), minCell: k, suppressedCount };
}

/** Each finest cell's (or, for the grand total alone, the one group's) count in a table: its balance at the end less its balance before the start. */
function countsOf(at: Map<string, Float64Array>, t: Table): Float64Array {
  const end = at.get(t.to)!;
  if (!t.from) return end;
  const before = at.get(dayBefore(t.from))!;
  return end.map((v, j) => v - before[j]);
}

/** Where each finest cell of a read goes in a table (and its key, which an error names), once per groups array (the cube hands out the same one until it moves). */
const placesCache = new WeakMap<object, { keys: BaseKey[]; grains: Int32Array }>();
function placesOf(groups: readonly { keyValues: (string | null)[] }[]): { keys: BaseKey[]; grains: Int32Array } {
  let placed = placesCache.get(groups);
  if (!placed) {
    const keys = groups.map((g) => g.keyValues as unknown as BaseKey);
    placesCache.set(groups, (placed = { keys, grains: grainsOf(keys) }));
  }
  return placed;
}
