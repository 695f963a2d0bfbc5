import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimatePoints } from '../../src/analytics/coverage-series.ts';
import { createApp, type ProcessApp } from '../../src/app/app.ts';
import { createYogaServer, MAX_ALIASES } from '../../src/graphql/yoga.ts';
import { catchUp } from '../../src/projections/runner.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { enrolBpu, nik, testConfig } from '../support/events.ts';
import { given } from '../support/history.ts';

// One budget per request (issue 15): a series costs the points it can answer
// (groups x periods, from its arguments and the reference data), counted over
// aliases, fragments and nested fragments before any resolver runs; graphql-
// armor bounds tokens and aliases; a time limit backs both up.

let db: TestDatabase;
let app: ProcessApp;
let resolved = 0;
beforeAll(async () => {
  db = await freshDatabase();
  app = createApp(testConfig, db, (a) => catchUp(a.db).then(() => undefined));
  await given(db, [enrolBpu(nik(1), '2014-01-10'), enrolBpu(nik(2), '2014-02-10')]);
  // every database read a resolver makes goes through app.db: counted, to show a refusal ran none
  const query = app.db.query.bind(app.db);
  // (the answer cache's look at the read models' checkpoint, before execution, is not a resolver's read)
  app.db.query = ((...a: Parameters<typeof query>) => (/projection_checkpoints/.test(String(a[0])) || (resolved += 1), query(...a))) as typeof query;
});
afterAll(async () => {
  await app.prisma.$disconnect();
  await db.dropDatabase();
});

async function ask(body: unknown, target: ProcessApp = app) {
  const started = performance.now();
  const res = await createYogaServer(target).fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { data?: Record<string, unknown>; errors?: { message: string; extensions: { code: string; issues?: { field: string; reason: string }[] } }[] }, ms: performance.now() - started };
}

const BY_PROVINCE = 'coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: MONTH, from: "2013-01-01", to: "2026-12-31", groupBy: [PROVINCE]) { rows { period provinceCode value } }';
const PROVINCE_POINTS = estimatePoints({ granularity: 'MONTH', from: '2013-01-01', to: '2026-12-31', groupBy: ['PROVINCE'] });
const aliases = (n: number, field = BY_PROVINCE, from = 0) => Array.from({ length: n }, (_, i) => `a${from + i}: ${field}`).join('\n');

function expectRefused(r: Awaited<ReturnType<typeof ask>>, field: string) {
  expect(r.body.data ?? null).toBeNull();
  expect(r.body.errors![0].extensions.code).toBe('COST_LIMIT');
  expect(r.body.errors![0].extensions.issues?.[0]?.field ?? field).toBe(field);
}

describe('the cost of a request, known before it runs', () => {
  it('estimates a series from its arguments: groups x periods within the filter', () => {
    expect(PROVINCE_POINTS).toBe(38 * 168);
    expect(estimatePoints({ granularity: 'MONTH', from: '2013-01-01', to: '2026-12-31', groupBy: ['REGENCY'], filter: { regionCodes: ['33'] } })).toBe(35 * 168);
    expect(estimatePoints({ granularity: 'DAY', from: '2013-01-01', to: '2013-12-31', groupBy: ['SEGMENT', 'SPONSOR'], filter: { segments: ['BPU'] } })).toBe(365 * 3);
    expect(estimatePoints({ granularity: 'QUARTER', from: '2013-02-01', to: '2014-01-31', compare: 'PREVIOUS_YEAR' })).toBe(5 * 2);
    expect(estimatePoints({ granularity: 'WEEK', from: '2024-01-03', to: '2024-01-08' })).toBe(2);
  });

  it('refuses 25 aliases of the by-province series (159,600 points) before any resolver runs, naming the budget and the figure', async () => {
    resolved = 0;
    const r = await ask({ query: `{ ${aliases(25)} }` });
    expectRefused(r, 'cost');
    expect(r.body.errors![0].message).toMatch(/^the request would cost [\d,]+, over the budget of 50,000 per request$/);
    const cost = Number(/^(\d+)/.exec(r.body.errors![0].extensions.issues![0].reason)![1]);
    expect(cost).toBeGreaterThanOrEqual(25 * PROVINCE_POINTS);
    expect(resolved).toBe(0);
    expect(r.status).toBe(400);
  });

  it('counts aliases inside fragments and nested fragments alike', async () => {
    resolved = 0;
    const r = await ask({
      query: `query { ...Outer }
        fragment Outer on Query { ...Inner ${aliases(4, BY_PROVINCE, 10)} }
        fragment Inner on Query { ${aliases(4)} }`,
    });
    expectRefused(r, 'cost');
    expect(Number(/^(\d+)/.exec(r.body.errors![0].extensions.issues![0].reason)![1])).toBeGreaterThanOrEqual(8 * PROVINCE_POINTS);
    expect(resolved).toBe(0);
  });

  it('refuses a daily series by regency and segment over years at once, with the points it would have', async () => {
    const r = await ask({ query: '{ coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: DAY, from: "2013-01-01", to: "2026-12-31", groupBy: [REGENCY, SEGMENT]) { rows { value } } }' });
    expectRefused(r, 'cost');
    expect(r.body.errors![0].extensions.issues![0].reason).toMatch(/^1051\d{4} /);
    expect(r.ms).toBeLessThan(1000);
  });

  it('answers what fits the budget', async () => {
    const r = await ask({ query: `{ ${aliases(7)} }` });
    expect(r.body.errors).toBeUndefined();
    expect(Object.keys(r.body.data!)).toHaveLength(7);
  });

  it(`refuses more than ${MAX_ALIASES} aliases and an oversized document (graphql-armor), as COST_LIMIT`, async () => {
    const manyAliases = await ask({ query: `{ ${aliases(MAX_ALIASES + 1, 'regions { code }')} }` });
    expectRefused(manyAliases, 'cost');
    expect(manyAliases.body.errors![0].message).toMatch(/Aliases limit of 30 exceeded, found 31/);
    const tokens = await ask({ query: `{ coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: YEAR, from: "2013-01-01", to: "2014-12-31", filter: { regionCodes: [${Array(6000).fill('"33"').join(',')}] }) { position } }` });
    expectRefused(tokens, 'cost');
    expect(tokens.body.errors![0].message).toMatch(/Token limit of 5000 exceeded/);
  });

  it('refuses a body over 16 MiB before reading it (413, COST_LIMIT)', async () => {
    const res = await createYogaServer(app).fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(17 * 1024 * 1024) }, body: '{}' });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'COST_LIMIT', issues: [{ field: 'body', reason: `${17 * 1024 * 1024} bytes is over the limit of 16777216 bytes per request` }] } }] });
  });

  it('counts a body without a length (chunked) as it is read: a small one is answered, one over 16 MiB refused (413, COST_LIMIT)', async () => {
    const chunked = (chunks: Uint8Array[]) =>
      createYogaServer(app).fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new ReadableStream({ pull: (c) => (chunks.length ? c.enqueue(chunks.shift()!) : c.close()) }),
        duplex: 'half',
      } as RequestInit);
    const small = await chunked([Buffer.from('{"query":"{ __typ'), Buffer.from('ename }"}')]);
    expect(await small.json()).toEqual({ data: { __typename: 'Query' } });
    const mib = Buffer.alloc(1024 * 1024, 0x20);
    const big = await chunked([Buffer.from('{"query":"{ __typename }",'), ...Array.from({ length: 17 }, () => mib), Buffer.from('"x":1}')]);
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ errors: [{ extensions: { code: 'COST_LIMIT', issues: [{ field: 'body', reason: expect.stringMatching(/^\d+ bytes is over the limit of 16777216 bytes per request$/) }] } }] });
  });

  it('refuses a string no database can store (a lone surrogate, NUL) as VALIDATION naming where it is', async () => {
    const viaVariable = await ask({ query: 'query($p: String) { regions(parentCode: $p) { code } }', variables: { p: 'a\ud800' } });
    expect(viaVariable.body.errors![0]).toMatchObject({ extensions: { code: 'VALIDATION', issues: [{ field: '$p' }] } });
    const viaLiteral = await ask({ query: '{ regions(parentCode: "a\\u0000") { code } }' });
    expect(viaLiteral.body.errors![0]).toMatchObject({ extensions: { code: 'VALIDATION', issues: [{ field: 'a string literal at line 1' }] } });
  });

  it('refuses a batch of operations (batching is off): one operation per request', async () => {
    const r = await ask([{ query: '{ __typename }' }, { query: '{ __typename }' }]);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.body.errors![0].extensions.code).toBe('VALIDATION');
  });

  it('answers a request still running after the time limit with COST_LIMIT', async () => {
    // a database that takes 300 ms a query, no in-memory cube: the series by SQL outlasts a 100 ms limit
    const query = app.db.query;
    const slowDb = Object.assign(Object.create(app.db), { query: async (...a: Parameters<typeof query>) => (await new Promise((r) => setTimeout(r, 300)), query(...a)) });
    const slow = { ...app, db: slowDb, cube: undefined, reads: undefined, config: { ...app.config, requestTimeoutMs: 100 } } as unknown as ProcessApp;
    const r = await ask({ query: '{ coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: YEAR, from: "2014-01-01", to: "2014-12-31") { rows { value } } }' }, slow);
    if (!r.body.errors) throw new Error(JSON.stringify(r.body));
    expect(r.body.errors![0]).toMatchObject({ extensions: { code: 'COST_LIMIT', issues: [{ field: 'time', reason: expect.stringMatching(/^took longer than 100 ms/) }] } });
    expect(r.ms).toBeLessThan(290);
  });
});
