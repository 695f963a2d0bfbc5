// A frontend's data layer on cakupan/client (docs/client.md): the national
// monthly trend with last year's values and the targets in scope, and a whole
// regency panel pulled page by page. `npm run typecheck` compiles this file.
import { createClient, CoverageRowsDocument, CoverageSeriesDocument, TargetsDocument, type CoverageRowsQuery } from 'cakupan/client';

const client = createClient({ url: 'http://localhost:4000/graphql' });

export type TrendPoint = { month: string; active: number | null; lastYear: number | null };

/** Active participants per month with the same month a year before (null where disclosure control hides a value). */
export async function nationalTrend(from: string, to: string): Promise<{ points: TrendPoint[]; targets: { name: string; value: number; dueOn: string }[] }> {
  const [series, targets] = await Promise.all([
    client.request(CoverageSeriesDocument, { measure: 'ACTIVE_PARTICIPANTS', granularity: 'MONTH', from, to, compare: 'PREVIOUS_YEAR' }),
    client.request(TargetsDocument, { at: to }),
  ]);
  const points = series.coverageSeries.series[0].points.map((p) => ({ month: p.periodEnd, active: p.value ?? null, lastYear: p.compareValue ?? null }));
  const national = targets.targets.filter((t) => t.metric === 'ACTIVE_PARTICIPANTS' && !t.regionCode && !t.segment && !t.sponsor && !t.program);
  return { points, targets: national.map((t) => ({ name: t.name, value: t.value, dueOn: t.dueOn })) };
}

type Row = CoverageRowsQuery['coverageRows']['nodes'][number];

/** Every row of the monthly regency panel, 5,000 at a time (all pages reflect the first page's log position). */
export async function regencyPanel(from: string, to: string): Promise<Row[]> {
  const rows: Row[] = [];
  let after: string | null | undefined;
  do {
    const page: CoverageRowsQuery = await client.request(CoverageRowsDocument, { measure: 'ACTIVE_PARTICIPANTS', granularity: 'MONTH', from, to, groupBy: ['REGENCY'], first: 5_000, after });
    rows.push(...page.coverageRows.nodes);
    after = page.coverageRows.pageInfo.hasNextPage ? page.coverageRows.pageInfo.endCursor : null;
  } while (after);
  return rows;
}
