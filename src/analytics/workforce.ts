import type { Sql } from '../db/database.ts';
import type { CoverageFilter, CoverageKey, Dimension } from './coverage-series.ts';

type Estimate = { region_code: string; segment: string; formality: string; effective_on: string; count: number };
// The formal/informal split of the labour-force survey stands in for the segments.
const FORMALITY_OF: Record<string, string> = { PU: 'FORMAL', BPU: 'INFORMAL' };

/**
 * Returns a function giving the workforce (COVERAGE_RATE denominator) for a
 * group key at a date: for each region and segment in scope, the latest
 * estimate effective on or before the date (a segment falls back to its
 * formality); null when any part of the scope has no estimate.
 */
export async function workforceDenominators(sql: Sql, filter: CoverageFilter, groupBy: Dimension[], asOf?: Date) {
  const params: unknown[] = [];
  let where = 'retracted_at IS NULL';
  if (asOf) {
    params.push(asOf);
    where = 'recorded_at <= $1 AND (retracted_at IS NULL OR retracted_at > $1)';
  }
  const rows = await sql.query<Estimate>(
    `SELECT region_code, segment, formality, effective_on, count FROM workforce_estimates WHERE ${where} ORDER BY effective_on, recorded_at`,
    params,
  );
  const byScope = new Map<string, Estimate[]>();
  for (const r of rows) {
    const id = `${r.region_code}|${r.segment || r.formality}`;
    byScope.set(id, [...(byScope.get(id) ?? []), r]);
  }
  const latest = (region: string, part: string, date: string): number | null => {
    const list = byScope.get(`${region}|${part}`);
    if (!list) return null;
    let value: number | null = null;
    for (const e of list) if (e.effective_on <= date) value = e.count;
    return value;
  };

  return (key: CoverageKey, date: string): number | null => {
    const regions = key.regencyCode ? [key.regencyCode] : key.provinceCode ? [key.provinceCode] : filter.regionCodes?.length ? filter.regionCodes : [''];
    const segments = key.segment ? [key.segment] : filter.segments?.length ? filter.segments : [''];
    let total = 0;
    for (const region of regions) {
      for (const segment of segments) {
        const value = latest(region, segment, date) ?? (segment ? latest(region, FORMALITY_OF[segment] ?? '-', date) : null);
        if (value === null) return null;
        total += value;
      }
    }
    return total;
  };
}
