import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app/app.ts';
import { ActiveByProvinceDocument, TopProvincesDocument } from '../../src/client/generated/graphql.ts';
import { createYogaServer } from '../../src/graphql/yoga.ts';
import { createApiKey } from '../../src/graphql/auth.ts';
import { regions } from '../../src/domain/regions/regions.ts';
// the package's own entry, as a frontend imports it
import { CakupanRequestError, CoverageBreakdownDocument, CoverageRowsDocument, CoverageSeriesDocument, createClient, DataAsOfDocument, EventsDocument, RegionsDocument, TargetsDocument } from 'cakupan/client';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { enrolBpu, nik, testConfig } from '../support/events.ts';
import { given } from '../support/history.ts';

let db: TestDatabase;
let app: App;

async function execute<R, V>(doc: TypedDocumentNode<R, V>, variables: V): Promise<R> {
  const res = await createYogaServer(app).fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: print(doc), variables }),
  });
  const body = (await res.json()) as { data: R; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

beforeAll(async () => {
  db = await freshDatabase();
  app = createApp(testConfig, db);
  await given(db, [enrolBpu(nik(1), '2013-01-15', '3375'), enrolBpu(nik(2, '1771'), '2013-01-20', '1771'), enrolBpu(nik(3, '1771'), '2013-02-20', '1771')]);
});
afterAll(async () => {
  await app.prisma.$disconnect();
  await db.dropDatabase();
});

describe('the generated typed documents', () => {
  it('run against the server with typed variables and results', async () => {
    const data = await execute(ActiveByProvinceDocument, { from: '2013-01-01', to: '2013-02-28' });
    const values: Record<string, (number | null)[]> = Object.fromEntries(data.coverageSeries.series.map((s) => [s.key.provinceCode ?? '', s.points.map((p) => p.value)]));
    expect(values).toEqual({ '17': [1, 2], '33': [1, 1] });
    const top = await execute(TopProvincesDocument, { date: '2013-03-01', limit: 1 });
    expect(top.coverageAt).toEqual([{ provinceCode: '17', value: 2 }]);
  });
});

describe('cakupan/client', () => {
  const client = (key?: string) => createClient({ url: 'http://yoga/graphql', key, fetch: async (url, init) => createYogaServer(app).fetch(url, init) });

  it('runs each shipped document against the server, typed', async () => {
    const c = client();
    const series = await c.request(CoverageSeriesDocument, { measure: 'ACTIVE_PARTICIPANTS', granularity: 'MONTH', from: '2013-01-01', to: '2013-02-28', groupBy: ['PROVINCE'], compare: 'PREVIOUS_PERIOD' });
    expect(series.coverageSeries.series.map((s) => [s.key.provinceCode, s.points.map((p) => [p.value, p.compareValue])])).toEqual([
      ['17', [[1, 0], [2, 1]]],
      ['33', [[1, 0], [1, 1]]],
    ]);
    const rows = await c.request(CoverageRowsDocument, { measure: 'ACTIVE_PARTICIPANTS', granularity: 'MONTH', from: '2013-01-01', to: '2013-02-28', groupBy: ['REGENCY'], first: 3 });
    expect(rows.coverageRows.totalCount).toBe(4);
    expect(rows.coverageRows.nodes.map((r) => [r.periodEnd, r.regencyCode, r.value])).toEqual([
      ['2013-01-31', '1771', 1],
      ['2013-01-31', '3375', 1],
      ['2013-02-28', '1771', 2],
    ]);
    const rest = await c.request(CoverageRowsDocument, { measure: 'ACTIVE_PARTICIPANTS', granularity: 'MONTH', from: '2013-01-01', to: '2013-02-28', groupBy: ['REGENCY'], first: 3, after: rows.coverageRows.pageInfo.endCursor });
    expect(rest.coverageRows.nodes.map((r) => [r.regencyName, r.value])).toEqual([[regions().get('3375')!.name, 1]]);
    expect(rest.coverageRows.pageInfo.hasNextPage).toBe(false);
    const breakdown = await c.request(CoverageBreakdownDocument, { measure: 'ACTIVE_PARTICIPANTS', date: '2013-03-01', groupBy: ['PROVINCE'] });
    expect(breakdown.coverageAt.map((r) => [r.provinceName, r.value])).toEqual([[regions().get('17')!.name, 2], [regions().get('33')!.name, 1]]);
    const provinces = await c.request(RegionsDocument, {});
    expect(provinces.regions.length).toBe([...regions().values()].filter((r) => r.level === 'PROVINCE').length);
    const regencies = await c.request(RegionsDocument, { parentCode: '17' });
    expect(regencies.regions.every((r) => r.parent?.code === '17')).toBe(true);
    expect((await c.request(TargetsDocument, {})).targets).toEqual([]);
    expect((await c.request(DataAsOfDocument, {})).dataAsOf).toMatchObject({ position: 3, logHeadPosition: 3 });
  });

  it('sends the key, and reports a refusal with its code and fields', async () => {
    const refused = client().request(EventsDocument, { first: 2 });
    await expect(refused).rejects.toMatchObject({ name: 'CakupanRequestError', code: 'FORBIDDEN' });
    const { key } = await createApiKey(db, 'AUDITOR', 'client test');
    const events = await client(key).request(EventsDocument, { first: 2 });
    expect(events.events.edges.map((e) => e.node.position)).toEqual([1, 2]);
    const bad = client().request(CoverageSeriesDocument, { measure: 'ACTIVE_PARTICIPANTS', granularity: 'MONTH', from: '2013-03-01', to: '2013-01-01' });
    await expect(bad).rejects.toBeInstanceOf(CakupanRequestError);
    await expect(bad).rejects.toMatchObject({ code: 'VALIDATION', issues: [{ field: 'from' }] });
  });
});
