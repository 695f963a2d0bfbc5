import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type ProcessApp } from '../../src/app/app.ts';
import { appendEvents } from '../../src/eventstore/append.ts';
import { createApiKey } from '../../src/graphql/auth.ts';
import { createYogaServer } from '../../src/graphql/yoga.ts';
import { MIN_BYTES } from '../../src/http/byte-bodies.ts';
import { catchUp } from '../../src/projections/runner.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { enrolBpu, lapse, nik, testConfig } from '../support/events.ts';
import { given } from '../support/history.ts';

// The answer cache serves a public aggregate query's serialized answer again
// only while the read models stand at the position it was computed at: an
// append (and its projection) makes the next answer new. Keyed requests,
// mutations and other fields are never cached.

let db: TestDatabase;
let app: ProcessApp;
let yoga: ReturnType<typeof createYogaServer>;
let key: string;

beforeAll(async () => {
  db = await freshDatabase();
  app = createApp(testConfig, db, (a) => catchUp(a.db).then(() => undefined));
  yoga = createYogaServer(app);
  key = (await createApiKey(db, 'ANALYST', 'test')).key;
  await given(db, [enrolBpu(nik(1), '2014-01-10'), enrolBpu(nik(2), '2014-02-10')]);
});
afterAll(async () => {
  await app.prisma.$disconnect();
  await db.dropDatabase();
});

const SERIES = `query Months($to: Date!) { coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: MONTH, from: "2014-01-01", to: $to) { position rows { periodEnd value } } }`;
async function ask(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await yoga.fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return res.text();
}
async function counts() {
  const text = await app.metrics.registry.getSingleMetricAsString('cakupan_answer_cache_total');
  const n = (outcome: string) => Number(new RegExp(`outcome="${outcome}"} (\\d+)`).exec(text)?.[1] ?? 0);
  return { hit: n('hit'), miss: n('miss') };
}

describe('the answer cache', () => {
  it('serves the same answer again while the read models stand still, and a new one once they move', async () => {
    const first = await ask(SERIES, { to: '2014-03-31' });
    expect(JSON.parse(first).data.coverageSeries.rows.map((r: { value: number }) => r.value)).toEqual([1, 2, 2]);
    const before = await counts();
    expect(await ask(SERIES, { to: '2014-03-31' })).toBe(first);
    expect(await counts()).toEqual({ hit: before.hit + 1, miss: before.miss });
    // other variables: another entry
    expect(JSON.parse(await ask(SERIES, { to: '2014-02-28' })).data.coverageSeries.rows).toHaveLength(2);
    expect((await counts()).miss).toBe(before.miss + 1);

    // the log moves (another writer) and is projected: the same request is answered anew
    await appendEvents(db, [lapse(nik(1), '2014-03-01')], { atomic: true });
    await catchUp(db);
    const after = JSON.parse(await ask(SERIES, { to: '2014-03-31' }));
    expect(after.data.coverageSeries.rows.map((r: { value: number }) => r.value)).toEqual([1, 2, 1]);
    expect(after.data.coverageSeries.position).toBe(JSON.parse(first).data.coverageSeries.position + 1);
  });

  it('keeps a long answer as bytes and sends it whole with its length, on a miss, on a hit and to a key', async () => {
    // two years of days: an answer longer than MIN_BYTES, which goes out as bytes (byte-bodies.ts)
    const DAYS = `{ coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: DAY, from: "2014-01-01", to: "2015-12-31") { rows { periodEnd value suppressed } } }`;
    const send = async (headers: Record<string, string> = {}) => {
      const res = await yoga.fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: DAYS }) });
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json; charset=utf-8$/);
      expect(res.headers.get('content-length')).toBe(String(bytes.length));
      return bytes.toString('utf8');
    };
    const before = await counts();
    const miss = await send();
    expect(Buffer.byteLength(miss)).toBeGreaterThanOrEqual(MIN_BYTES);
    const rows = JSON.parse(miss).data.coverageSeries.rows as { periodEnd: string; value: number | null }[];
    expect(rows).toHaveLength(730);
    expect(rows.at(-1)!.periodEnd).toBe('2015-12-31');
    expect(await send()).toBe(miss);
    expect(await counts()).toEqual({ hit: before.hit + 1, miss: before.miss + 1 });
    // keyed: never cached, sent as bytes all the same, raw values
    const keyed = JSON.parse(await send({ authorization: `Bearer ${key}` })).data.coverageSeries.rows as { periodEnd: string; value: number }[];
    // enrolled 2014-01-10 and 2014-02-10, the first lapsed 2014-03-01 (the first test)
    const active = (d: string) => Number(d >= '2014-01-10') + Number(d >= '2014-02-10') - Number(d >= '2014-03-01');
    expect(keyed.map((r) => r.value)).toEqual(rows.map((r) => active(r.periodEnd)));
    expect(await counts()).toEqual({ hit: before.hit + 1, miss: before.miss + 1 });
  });

  it('never caches keyed requests, other fields, or errors', async () => {
    const before = await counts();
    await ask(SERIES, { to: '2014-03-31' }, { authorization: `Bearer ${key}` });
    await ask(SERIES, { to: '2014-03-31' }, { authorization: `Bearer ${key}` });
    await ask('{ dataAsOf { position logHeadPosition } }');
    await ask('{ dataAsOf { position logHeadPosition } }');
    await ask(SERIES, { to: '2013-01-01' }); // to before from: a VALIDATION error
    const bad = await ask(SERIES, { to: '2013-01-01' });
    expect(JSON.parse(bad).errors[0].extensions.code).toBe('VALIDATION');
    expect(await counts()).toEqual(before);
  });
});
