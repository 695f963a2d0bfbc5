import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app/app.ts';
import { ERROR_CODES } from '../../src/domain/errors.ts';
import { createApiKey } from '../../src/graphql/auth.ts';
import { createYogaServer } from '../../src/graphql/yoga.ts';
import { catchUp } from '../../src/projections/runner.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testConfig } from '../support/events.ts';

let db: TestDatabase;
let app: App;
let writerKey: string;

beforeAll(async () => {
  db = await freshDatabase();
  app = createApp(testConfig, db, (a) => catchUp(a.db).then(() => undefined));
  writerKey = (await createApiKey(db, 'WRITER', 'codes')).key;
});
afterAll(async () => {
  await app.prisma.$disconnect();
  await db.dropDatabase();
});

type Body = { errors?: { message: string; extensions: { code: string } }[]; data?: unknown };
async function send(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Body | Body[] }> {
  const res = await createYogaServer(app).fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Body };
}
const codes = (b: Body | Body[]) => (Array.isArray(b) ? b : [b]).flatMap((r) => (r.errors ?? []).map((e) => e.extensions.code));
const deep = (n: number): string => (n === 0 ? 'code' : `children { ${deep(n - 1)} }`);

describe('every GraphQL error carries a code from the one table', () => {
  it.each([
    ['a query that does not parse', { query: '{ coverageAt(' }, 'VALIDATION'],
    ['an unknown field', { query: '{ nope }' }, 'VALIDATION'],
    ['a scalar that does not parse, as a literal', { query: '{ coverageAt(measure: ACTIVE_PARTICIPANTS, date: "2023-02-30") { value } }' }, 'VALIDATION'],
    ['a scalar that does not parse, as a variable', { query: 'query Q($d: Date!) { coverageAt(measure: ACTIVE_PARTICIPANTS, date: $d) { value } }', variables: { d: 'yesterday' } }, 'VALIDATION'],
    ['a missing variable', { query: 'query Q($d: Date!) { coverageAt(measure: ACTIVE_PARTICIPANTS, date: $d) { value } }' }, 'VALIDATION'],
    ['an unknown operation name', { query: 'query A { __typename }', operationName: 'B' }, 'VALIDATION'],
    ['arguments the service refuses', { query: '{ coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: YEAR, from: "2014-01-01", to: "2013-01-01") { rows { value } } }' }, 'VALIDATION'],
    ['a query over the depth limit', { query: `{ regions { ${deep(12)} } }` }, 'COST_LIMIT'],
    ['a field the role may not read', { query: '{ ledger { headPosition } }' }, 'FORBIDDEN'],
    ['a request that is not GraphQL', 'not json', 'VALIDATION'],
  ])('%s', async (_what, body, code) => {
    const r = await send(body);
    expect(codes(r.body)).toContain(code);
    for (const c of codes(r.body)) expect(Object.keys(ERROR_CODES)).toContain(c);
  });

  it('names the budget and the figure when a query is over the complexity limit', async () => {
    const query = `{ ${Array.from({ length: 5 }, (_, i) => `a${i}: regions { children { children { children { code name } } } }`).join(' ')} }`;
    const r = (await send({ query })).body as Body;
    expect(r.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^the request would cost [\d,]+, over the budget of 50,000 per request$/),
        extensions: { code: 'COST_LIMIT', issues: [{ field: 'cost', reason: expect.stringMatching(/^\d+ \(the points .* is over the budget of 50000 \(CAKUPAN_MAX_COST\)/) }] },
      }),
    ]);
  });

  it('gives UNAUTHENTICATED with 401 for an unknown key', async () => {
    const r = await send({ query: '{ __typename }' }, { authorization: 'Bearer ck_not-a-key' });
    expect(r.status).toBe(401);
    expect(codes(r.body)).toEqual(['UNAUTHENTICATED']);
  });

  it('gives DOMAIN_RULE for a command the domain refuses, and FORBIDDEN for a role without the field', async () => {
    const lapse = await send(
      { query: 'mutation { recordLapse(input: { nik: "3375011203850001", reason: NON_PAYMENT }) { status error { code } } }' },
      { authorization: `Bearer ${writerKey}` },
    );
    expect(lapse.body).toEqual({ data: { recordLapse: { status: 'REJECTED', error: { code: 'DOMAIN_RULE' } } } });
    const stream = await send({ query: '{ stream(id: "worker-nobody") { version } }' }, { authorization: `Bearer ${writerKey}` });
    expect(codes(stream.body)).toEqual(['FORBIDDEN']);
  });
});

describe('an unexpected error', () => {
  it('reaches the client masked, as INTERNAL, and is counted', async () => {
    const broken = await freshDatabase();
    const brokenApp = createApp(testConfig, broken);
    await broken.dropDatabase(); // the database goes away under the server
    const res = await createYogaServer(brokenApp).fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ coverageAt(measure: ACTIVE_PARTICIPANTS, date: "2023-10-31") { value } }' }),
    });
    const body = (await res.json()) as Body;
    expect(body.errors).toEqual([{ message: 'Unexpected error.', locations: [{ line: 1, column: 3 }], path: ['coverageAt'], extensions: { code: 'INTERNAL' } }]);
    const metrics = await brokenApp.metrics.registry.getSingleMetricAsString('cakupan_graphql_errors_total');
    expect(metrics).toContain('cakupan_graphql_errors_total{code="INTERNAL"} 1');
    await brokenApp.prisma.$disconnect();
  });
});
