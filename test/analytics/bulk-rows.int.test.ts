import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coverageSeries, MAX_POINTS, type CoverageQuery } from '../../src/analytics/coverage-series.ts';
import { createApp, type App } from '../../src/app/app.ts';
import { regions } from '../../src/domain/regions/regions.ts';
import { createYogaServer } from '../../src/graphql/yoga.ts';
import { coverageCsv } from '../../src/web/csv-export.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { enrolBpu, ev, lapse, nik, testConfig } from '../support/events.ts';
import { gqlRequest } from '../support/graphql.ts';
import { given } from '../support/history.ts';

// Issue 16, bulk rows: a panel larger than coverageSeries' point cap pulled
// whole by cursor pages (coverageRows), by the streamed CSV and from the
// regency SQL view, each equal to the series' rows and summing to the
// national series; pages that stay at their first page's position while the
// log moves; the CSV read a chunk at a time; the coverage-rate view against
// the API's COVERAGE_RATE.

let db: TestDatabase;
let app: App;
// five regencies in three provinces, workers enrolled and lapsing over 2013-2018
const REGENCIES = ['3375', '3374', '1771', '3201', '3273'];
const history = () => {
  const events = [];
  for (let i = 1; i <= 150; i++) {
    const regency = REGENCIES[(i * 7) % REGENCIES.length];
    const day = new Date(Date.UTC(2013, 0, 1) + ((i * 373) % 2000) * 86_400_000).toISOString().slice(0, 10);
    events.push(enrolBpu(nik(i, regency), day, regency));
    if (i % 4 === 0) events.push(lapse(nik(i, regency), new Date(Date.parse(day) + ((i * 97) % 400 + 1) * 86_400_000).toISOString().slice(0, 10)));
  }
  return events;
};
const estimate = (on: string, count: number, data: Record<string, unknown> = {}) => ev('WorkforceEstimated', on, { count, source: 'test', ...data });

// an estimate retracted later: neither the API's rates nor the view may divide by it
const withdrawn = estimate('2015-09-01', 999_999, { regionCode: '33' });

beforeAll(async () => {
  db = await freshDatabase();
  app = createApp(testConfig, db);
  await given(db, [
    ...history(),
    estimate('2013-01-01', 5_000),
    estimate('2013-01-01', 1_000, { regionCode: '33' }),
    estimate('2013-01-01', 300, { regionCode: '17' }),
    estimate('2015-06-01', 1_200, { regionCode: '33' }),
    estimate('2013-01-01', 800, { regionCode: '33', formality: 'INFORMAL' }),
    estimate('2014-01-01', 90, { regionCode: '3375' }),
    withdrawn,
  ]);
  await given(db, [ev('EventRetracted', '2016-02-01', { eventId: withdrawn.eventId, reason: 'entered in error' })]);
});
afterAll(async () => {
  await app.prisma.$disconnect();
  await db.dropDatabase();
});

// DAY x 5 regencies over six years: beyond the cap
const PANEL: CoverageQuery = { measure: 'ACTIVE_PARTICIPANTS', granularity: 'DAY', from: '2013-01-01', to: '2018-12-31', groupBy: ['REGENCY'] };
const ROWS = `query($measure: CoverageMeasure!, $granularity: Granularity!, $from: Date!, $to: Date!, $groupBy: [CoverageDimension!], $filter: CoverageFilter, $first: Int, $after: String) {
  coverageRows(measure: $measure, granularity: $granularity, from: $from, to: $to, groupBy: $groupBy, filter: $filter, first: $first, after: $after) {
    totalCount position
    nodes { period periodEnd provinceCode provinceName regencyCode regencyName value suppressed compareValue denominator }
    pageInfo { hasNextPage endCursor }
  }
}`;
type Row = { periodEnd: string; regencyCode: string; regencyName: string; provinceName: string; value: number };

async function pullPages(vars: Record<string, unknown>, first: number, between?: (page: number) => Promise<void>) {
  const rows: Row[] = [];
  const positions = new Set<number>();
  let after: string | undefined;
  let total = 0;
  for (let page = 0; ; page++) {
    const body = await gqlRequest(app, ROWS, { ...vars, first, after });
    expect(body.errors).toBeUndefined();
    const c = body.data.coverageRows;
    rows.push(...c.nodes);
    positions.add(c.position);
    total = c.totalCount;
    if (!c.pageInfo.hasNextPage) break;
    after = c.pageInfo.endCursor;
    await between?.(page);
  }
  return { rows, positions, total };
}

/** sum of values per period end */
const byDay = (rows: { periodEnd: string; value: number | null }[]) => rows.reduce((m, r) => m.set(r.periodEnd, (m.get(r.periodEnd) ?? 0) + (r.value ?? 0)), new Map<string, number>());

describe('bulk rows', () => {
  it('pull a panel beyond the point cap whole: by cursor pages, by the CSV and from the regency view, each summing to the national series', async () => {
    const points = 5 * 2191;
    expect(points).toBeGreaterThan(MAX_POINTS);
    const refused = await gqlRequest(app, '{ coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: DAY, from: "2013-01-01", to: "2018-12-31", groupBy: [REGENCY]) { position } }');
    expect(['COST_LIMIT', 'VALIDATION']).toContain(refused.errors[0].extensions.code); // (the budget counts it before the resolver's cap would)

    const national = await coverageSeries(db, { ...PANEL, groupBy: [] });
    const nationalByDay = new Map(national.rows.map((r) => [r.periodEnd, r.value]));
    expect(Math.max(...[...nationalByDay.values()].map(Number))).toBeGreaterThan(20);

    const paged = await pullPages(PANEL, 4_000);
    expect(paged.total).toBe(points);
    expect(paged.rows.length).toBe(points);
    expect(paged.positions.size).toBe(1);
    expect(byDay(paged.rows)).toEqual(nationalByDay);
    // the same rows and order as coverageSeries would give, names included
    const year = await coverageSeries(db, { ...PANEL, to: '2013-12-31' });
    expect(paged.rows.slice(0, year.rows.length)).toEqual(year.rows.map(({ period, periodEnd, provinceCode, provinceName, regencyCode, regencyName, value, suppressed, compareValue, denominator }) => ({ period, periodEnd, provinceCode, provinceName, regencyCode, regencyName, value, suppressed, compareValue, denominator })));
    expect(paged.rows.find((r) => r.regencyCode === '3375')).toMatchObject({ regencyName: regions().get('3375')!.name, provinceName: regions().get('33')!.name });
    expect(regions().get('3375')!.name).toMatch(/Pekalongan/i);

    const res = await createYogaServer(app).fetch(`http://yoga/export/coverage.csv?measure=ACTIVE_PARTICIPANTS&granularity=DAY&from=2013-01-01&to=2018-12-31&groupBy=REGENCY`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cakupan-rows')).toBe(String(points));
    const csv: Record<string, string>[] = parse(await res.text(), { columns: true });
    expect(Object.keys(csv[0])).toEqual(['period', 'periodEnd', 'provinceCode', 'provinceName', 'regencyCode', 'regencyName', 'segment', 'program', 'sponsor', 'value', 'suppressed', 'compareValue', 'denominator']);
    expect(csv.map((r) => [r.periodEnd, r.regencyCode, r.regencyName, Number(r.value)])).toEqual(paged.rows.map((r) => [r.periodEnd, r.regencyCode, r.regencyName, r.value]));

    // the view has months: its month ends, per regency, against the API's
    const view = await db.query<{ month_end: string; regency_code: string; regency_name: string; active: number }>(
      `SELECT to_char(month_end, 'YYYY-MM-DD') AS month_end, regency_code, regency_name, sum(active_at_month_end)::int AS active
         FROM bi_coverage_regency_monthly WHERE program IS NULL AND month_end <= '2018-12-31' GROUP BY 1, 2, 3 ORDER BY 1, 2`,
    );
    const monthEnds = paged.rows.filter((r) => view.some((v) => v.month_end === r.periodEnd));
    const viewOf = new Map(view.map((v) => [`${v.month_end}|${v.regency_code}`, v]));
    for (const r of monthEnds) {
      expect(viewOf.get(`${r.periodEnd}|${r.regencyCode}`)?.active ?? 0, `${r.periodEnd} ${r.regencyCode}`).toBe(r.value);
      if (r.value) expect(viewOf.get(`${r.periodEnd}|${r.regencyCode}`)!.regency_name).toBe(r.regencyName);
    }
    for (const [end, active] of byDay(view.map((v) => ({ periodEnd: v.month_end, value: v.active })))) expect(active, end).toBe(nationalByDay.get(end));
    expect(view.length).toBeGreaterThan(100);
  });

  it('keep every page at the first page’s position while the log moves', async () => {
    const q = { ...PANEL, granularity: 'MONTH' };
    const before = await pullPages(q, 50);
    let appended = false;
    const during = await pullPages(q, 50, async (page) => {
      if (page !== 1) return;
      // ten more workers in Kota Pekalongan, backdated into 2013: every later month would change
      await given(db, Array.from({ length: 10 }, (_, i) => enrolBpu(nik(500 + i, '3375'), '2013-02-01', '3375')));
      appended = true;
    });
    expect(appended).toBe(true);
    expect(during.positions.size).toBe(1);
    expect(during.rows).toEqual(before.rows);
    const after = await pullPages(q, 50);
    expect(after.positions).not.toEqual(during.positions);
    expect(byDay(after.rows).get('2013-12-31')).toBe(byDay(before.rows).get('2013-12-31')! + 10);
  });

  it('apply the same disclosure control as coverageSeries for callers without a key', async () => {
    const controlled = createApp({ ...testConfig, minCell: 10 }, db);
    try {
      const q = { measure: 'ACTIVE_PARTICIPANTS', granularity: 'QUARTER', from: '2013-01-01', to: '2018-12-31', groupBy: ['REGENCY'] };
      const series = await gqlRequest(controlled, `query($measure: CoverageMeasure!, $granularity: Granularity!, $from: Date!, $to: Date!, $groupBy: [CoverageDimension!]) {
        coverageSeries(measure: $measure, granularity: $granularity, from: $from, to: $to, groupBy: $groupBy) { minCell suppressedCount rows { periodEnd regencyCode value suppressed } } }`, q);
      const { rows, suppressedCount, minCell } = series.data.coverageSeries;
      expect(minCell).toBe(10);
      expect(suppressedCount).toBeGreaterThan(0);
      const pages: unknown[] = [];
      let after: string | undefined;
      do {
        const body = await gqlRequest(controlled, ROWS, { ...q, first: 7, after });
        expect(body.data.coverageRows.minCell ?? 10).toBe(10);
        pages.push(...body.data.coverageRows.nodes.map((r: Row & { suppressed: boolean }) => ({ periodEnd: r.periodEnd, regencyCode: r.regencyCode, value: r.value, suppressed: r.suppressed })));
        after = body.data.coverageRows.pageInfo.hasNextPage ? body.data.coverageRows.pageInfo.endCursor : undefined;
      } while (after);
      expect(pages).toEqual(rows);
      const csv: Record<string, string>[] = parse(await (await createYogaServer(controlled).fetch('http://yoga/export/coverage.csv?measure=ACTIVE_PARTICIPANTS&granularity=QUARTER&from=2013-01-01&to=2018-12-31&groupBy=REGENCY')).text(), { columns: true });
      expect(csv.map((r) => ({ periodEnd: r.periodEnd, regencyCode: r.regencyCode, value: r.value === '' ? null : Number(r.value), suppressed: r.suppressed === 'true' }))).toEqual(rows);
    } finally {
      await controlled.prisma.$disconnect();
    }
  });

  it('refuse a cursor of other arguments, a bad cursor and a page over the limit, naming the argument', async () => {
    const first = await gqlRequest(app, ROWS, { ...PANEL, first: 3 });
    const cursor = first.data.coverageRows.pageInfo.endCursor;
    const other = await gqlRequest(app, ROWS, { ...PANEL, granularity: 'MONTH', first: 3, after: cursor });
    expect(other.errors[0].extensions).toMatchObject({ code: 'VALIDATION', issues: [{ field: 'after', reason: expect.stringMatching(/other arguments/) }] });
    const bad = await gqlRequest(app, ROWS, { ...PANEL, first: 3, after: 'not-a-cursor' });
    expect(bad.errors[0].extensions).toMatchObject({ code: 'VALIDATION', issues: [{ field: 'after' }] });
    const big = await gqlRequest(app, ROWS, { ...PANEL, first: 10_001 });
    expect(big.errors[0].extensions).toMatchObject({ code: 'VALIDATION', issues: [{ field: 'first' }] });
  });

  it('stream the CSV a chunk at a time: nothing is read ahead of the reader but one chunk', async () => {
    const params = new URLSearchParams({ measure: 'ACTIVE_PARTICIPANTS', granularity: 'MONTH', from: '2013-01-01', to: '2018-12-31', groupBy: 'REGENCY' });
    let reads = 0;
    const counted = new Proxy(db, { get: (t, p, r) => (p === 'query' ? (...a: Parameters<TestDatabase['query']>) => (reads++, t.query(...a)) : Reflect.get(t, p, r)) });
    const { body, rows } = await coverageCsv(counted, params, { minCell: 1, chunkPoints: 20 }); // 4 months of 5 regencies a chunk: 18 chunks
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value);
    await new Promise((r) => setTimeout(r, 200));
    const afterOne = reads;
    await new Promise((r) => setTimeout(r, 200));
    expect(reads).toBe(afterOne); // the reader is idle: so is the export
    let chunks = 1;
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      text += decoder.decode(next.value);
      chunks++;
    }
    expect(chunks).toBe(18);
    expect(reads).toBeGreaterThan(afterOne + 10);
    const lines: Record<string, string>[] = parse(text, { columns: true });
    expect(lines.length).toBe(rows);
    const whole = await coverageSeries(db, { ...PANEL, granularity: 'MONTH' });
    expect(lines.map((l) => Number(l.value))).toEqual(whole.rows.map((r) => r.value));
  });

  it('give coverage rates in the rate view as the API does, per province and nationally', async () => {
    const api = await coverageSeries(db, { measure: 'COVERAGE_RATE', granularity: 'MONTH', from: '2013-01-01', to: '2018-12-31', groupBy: ['PROVINCE'] });
    const view = await db.query<{ month_end: string; region_code: string; rate: number; workforce: number; region_name: string }>(
      `SELECT to_char(month_end, 'YYYY-MM-DD') AS month_end, region_code, region_name, coverage_rate AS rate, workforce FROM bi_coverage_rate_monthly WHERE region_level = 'PROVINCE' AND segment IS NULL`,
    );
    const viewOf = new Map(view.map((v) => [`${v.month_end}|${v.region_code}`, v]));
    let compared = 0;
    for (const r of api.rows) {
      const v = viewOf.get(`${r.periodEnd}|${r.provinceCode}`);
      if (r.denominator === null) expect(v, `${r.periodEnd} ${r.provinceCode}`).toBeUndefined();
      else if (v) {
        expect(v.workforce).toBe(r.denominator);
        expect(v.rate).toBeCloseTo(r.value!, 12);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
    expect(api.rows.find((r) => r.periodEnd === '2016-01-31' && r.provinceCode === '33')!.denominator).toBe(1_200); // (not the retracted 999,999)
    expect(viewOf.get('2016-01-31|33')!.workforce).toBe(1_200);
    expect(view.find((v) => v.region_code === '33')?.region_name).toBe(regions().get('33')!.name);
    // the province's informal workers (BPU) against its INFORMAL estimate, nationally against the national one
    const [bpu] = await db.query<{ workforce: number }>(`SELECT workforce FROM bi_coverage_rate_monthly WHERE region_code = '33' AND segment = 'BPU' AND month_end = '2016-01-31'`);
    expect(bpu.workforce).toBe(800);
    const [nat] = await db.query<{ workforce: number; active: number; rate: number }>(`SELECT workforce, active_at_month_end AS active, coverage_rate AS rate FROM bi_coverage_rate_monthly WHERE region_level = 'NATIONAL' AND segment IS NULL AND month_end = '2016-01-31'`);
    const nationalApi = await coverageSeries(db, { measure: 'COVERAGE_RATE', granularity: 'DAY', from: '2016-01-31', to: '2016-01-31' });
    expect(nat.workforce).toBe(5_000);
    expect(nat.rate).toBeCloseTo(nationalApi.rows[0].value!, 12);
    const [regency] = await db.query<{ workforce: number }>(`SELECT workforce FROM bi_coverage_rate_monthly WHERE region_level = 'REGENCY' AND region_code = '3375' AND segment IS NULL AND month_end = '2016-01-31'`);
    expect(regency.workforce).toBe(90);
  });
});
