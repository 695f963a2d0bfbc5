import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app/app.ts';
import { createApiKey } from '../../src/graphql/auth.ts';
import { catchUp } from '../../src/projections/runner.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { employer, enrolBpu, enrolPu, nik, testConfig } from '../support/events.ts';
import { gqlRequest } from '../support/graphql.ts';
import { given } from '../support/history.ts';

let db: TestDatabase;
let app: App;
let writerKey: string;
let queries = 0;

beforeAll(async () => {
  db = await freshDatabase();
  // count statements reaching the database, to prove batching (no N+1)
  const query = db.query.bind(db);
  db.query = ((text: string, params?: unknown[]) => {
    queries += 1;
    return query(text, params);
  }) as typeof db.query;
  app = createApp(testConfig, db, (a) => catchUp(a.db).then(() => undefined));
  writerKey = (await createApiKey(db, 'WRITER', 'test')).key;
  await given(db, [employer('17081342', '2013-01-02', '3375'), enrolPu(nik(1), '17081342', '2013-01-15'), enrolBpu(nik(2, '1771'), '2013-02-01', '1771'), enrolBpu(nik(3, '1771'), '2013-02-01', '1771')]);
});
afterAll(async () => {
  await app.prisma.$disconnect();
  await db.dropDatabase();
});

const gql = (query: string, variables: Record<string, unknown> = {}, key?: string) => gqlRequest(app, query, variables, key);

describe('coverage queries over GraphQL', () => {
  it('answers coverageSeries with series and flat rows', async () => {
    const r = await gql(`{ coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: MONTH, from: "2013-01-01", to: "2013-02-28", groupBy: [PROVINCE]) {
      measure granularity series { key { provinceCode } points { period periodEnd value } } rows { period provinceCode value } } }`);
    expect(r).toEqual({
      data: {
        coverageSeries: {
          measure: 'ACTIVE_PARTICIPANTS',
          granularity: 'MONTH',
          series: [
            { key: { provinceCode: '17' }, points: [{ period: '2013-01-01', periodEnd: '2013-01-31', value: 0 }, { period: '2013-02-01', periodEnd: '2013-02-28', value: 2 }] },
            { key: { provinceCode: '33' }, points: [{ period: '2013-01-01', periodEnd: '2013-01-31', value: 1 }, { period: '2013-02-01', periodEnd: '2013-02-28', value: 1 }] },
          ],
          rows: [
            { period: '2013-01-01', provinceCode: '17', value: 0 },
            { period: '2013-01-01', provinceCode: '33', value: 1 },
            { period: '2013-02-01', provinceCode: '17', value: 2 },
            { period: '2013-02-01', provinceCode: '33', value: 1 },
          ],
        },
      },
    });
  });

  it('answers coverageAt top-N by value', async () => {
    const r = await gql(`{ coverageAt(measure: ACTIVE_PARTICIPANTS, date: "2013-03-01", groupBy: [PROVINCE], limit: 1) { provinceCode value } }`);
    expect(r).toEqual({ data: { coverageAt: [{ provinceCode: '17', value: 2 }] } });
  });

  it('rejects bad arguments with a typed error naming the field', async () => {
    const r = await gql(`{ coverageSeries(measure: LAPSES, granularity: DAY, from: "2013-02-01", to: "2013-01-01") { rows { value } } }`);
    expect(r.errors[0]).toMatchObject({ message: 'from: 2013-02-01 is after to (2013-01-01)', extensions: { code: 'VALIDATION', issues: [{ field: 'from' }] } });
    const bad = await gql(`{ coverageSeries(measure: LAPSES, granularity: DAY, from: "2013-02-30", to: "2013-03-01") { rows { value } } }`);
    expect(bad.errors[0].message).toMatch(/Date must be a real calendar date/);
  });

  it('refuses dates outside 1900-01-01 … 2199-12-31 as VALIDATION, for Date and DateTime arguments alike', async () => {
    const series = (from: string, asOf: string) =>
      gql(`query($from: Date!, $asOf: DateTime) { coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: YEAR, from: $from, to: "2013-12-31", asOf: $asOf) { rows { value } } }`, { from, asOf });
    for (const [from, asOf] of [
      ['0001-01-01', '2014-01-01T00:00:00Z'],
      ['1899-12-31', '2014-01-01T00:00:00Z'],
      ['2013-01-01', '0000-01-01T00:00:00Z'],
      ['2013-01-01', '0001-06-01T00:00:00Z'],
      ['2013-01-01', '9999-12-31T23:59:59Z'],
    ]) {
      const r = await series(from, asOf);
      expect(r.errors?.[0]?.extensions.code, `${from} ${asOf}: ${JSON.stringify(r)}`).toBe('VALIDATION');
    }
    // written in the document, the reason names the supported range
    const literal = await gql(`{ coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: YEAR, from: "2013-01-01", to: "2013-12-31", asOf: "9999-12-31T00:00:00Z") { rows { value } } }`);
    expect(literal.errors[0].extensions.code).toBe('VALIDATION');
    expect(literal.errors[0].message).toContain('DateTime must lie from 1900-01-01 to 2199-12-31, got "9999-12-31T00:00:00Z"');
    const ok = await series('1900-01-01', '2199-12-31T00:00:00Z');
    expect(ok.errors).toBeUndefined();
  });

  it('keeps an error about many bad region codes short, whatever their number and length', async () => {
    const codes = [...Array.from({ length: 5000 }, (_, i) => `X${i}`), 'Y'.repeat(100_000)];
    const r = await gql(`query($f: CoverageFilter) { coverageAt(measure: ACTIVE_PARTICIPANTS, date: "2013-03-01", filter: $f) { value } }`, { f: { regionCodes: codes } });
    expect(r.errors[0].extensions.code).toBe('VALIDATION');
    const text = JSON.stringify(r);
    expect(text.length).toBeLessThan(2000);
    expect(text).toContain('and 4998 more unknown codes (5001 in all)');
  });

  it('resolves region coverage for all provinces with a bounded number of queries (no N+1)', async () => {
    queries = 0;
    const r = await gql(`{ regions { code coverage(measure: ACTIVE_PARTICIPANTS, date: "2013-03-01") } }`);
    expect(r.data.regions).toHaveLength(38);
    expect(r.data.regions.find((x: { code: string }) => x.code === '17').coverage).toBe(2);
    expect(queries).toBeLessThanOrEqual(3); // role lookup is free without a key; one grouped series query
  });
});

describe('appendEvents', () => {
  const body = `mutation($events: [EventInput!]!) { appendEvents(events: $events) { committed headPosition results { status position error { code message issues { field reason } } } } }`;
  const enrol = { eventId: '5b0c7f5e-1111-4000-8000-000000000001', type: 'WorkerEnrolled', effectiveOn: '2013-05-01', data: { nik: nik(9), segment: 'BPU', programs: ['JKK', 'JKM'], regionCode: '3375', sponsor: 'SELF' } };

  it('is FORBIDDEN without a WRITER key and writes nothing', async () => {
    const r = await gql(body, { events: [enrol] });
    expect(r.errors[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    expect(n).toBe(4);
  });

  it('appends with a WRITER key, updates the read models, and is idempotent', async () => {
    const first = await gql(body, { events: [enrol] }, writerKey);
    expect(first.data.appendEvents).toEqual({ committed: true, headPosition: 5, results: [{ status: 'APPENDED', position: 5, error: null }] });
    const again = await gql(body, { events: [enrol] }, writerKey);
    expect(again.data.appendEvents.results[0]).toMatchObject({ status: 'DUPLICATE', position: 5 });
    const s = await gql(`{ coverageAt(measure: ACTIVE_PARTICIPANTS, date: "2013-05-01", filter: { regionCodes: ["3375"] }) { value } }`);
    expect(s.data.coverageAt[0].value).toBe(2);
  });

  it('reports a bad batch per event and, being atomic, writes none of it', async () => {
    const r = await gql(body, { events: [{ ...enrol, eventId: '5b0c7f5e-1111-4000-8000-000000000002', data: { ...enrol.data, nik: nik(10) } }, { ...enrol, eventId: '5b0c7f5e-1111-4000-8000-000000000003', data: { ...enrol.data, nik: '123' } }] }, writerKey);
    expect(r.data.appendEvents).toMatchObject({ committed: false, results: [{ status: 'REJECTED', error: { code: 'VALIDATION', issues: [{ field: 'data.nik', reason: 'NIK must be exactly 16 digits' }] } }] });
    const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    expect(n).toBe(5);
  });
  it("keeps an id's outcome: CONFLICT for another payload, a recorded rejection reported again until retryRejected", async () => {
    const outcome = `mutation($events: [EventInput!]!, $retry: Boolean) { appendEvents(events: $events, atomic: false, retryRejected: $retry) { results { status position decidedAt error { __typename code issues { field reason } ... on ConflictError { storedPosition } } } } }`;
    const send = async (events: unknown[], retry = false) => (await gql(outcome, { events, retry }, writerKey)).data.appendEvents.results[0];
    // the enrolment at position 5, sent again with another effective day
    expect(await send([{ ...enrol, effectiveOn: '2013-06-01' }])).toMatchObject({ status: 'REJECTED', error: { __typename: 'ConflictError', code: 'CONFLICT', storedPosition: 5 } });
    // a lapse of a worker not enrolled yet: rejected, recorded
    const early = { eventId: '5b0c7f5e-1111-4000-8000-000000000009', type: 'WorkerLapsed', effectiveOn: '2014-01-01', data: { nik: nik(11), reason: 'NON_PAYMENT' } };
    const first = await send([early]);
    expect(first).toMatchObject({ status: 'REJECTED', decidedAt: null, error: { code: 'DOMAIN_RULE' } });
    await send([{ ...enrol, eventId: '5b0c7f5e-1111-4000-8000-000000000010', data: { ...enrol.data, nik: nik(11) } }]);
    const again = await send([early]);
    expect(again).toMatchObject({ status: 'REJECTED', error: first.error });
    expect(Date.parse(again.decidedAt)).toBeGreaterThan(0);
    expect(await send([early], true)).toMatchObject({ status: 'APPENDED', decidedAt: null });
  });
});
