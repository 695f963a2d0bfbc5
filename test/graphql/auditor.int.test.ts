import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app/app.ts';
import { createApiKey } from '../../src/graphql/auth.ts';
import { catchUp, digests } from '../../src/projections/runner.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { enrolBpu, ev, lapse, nik, testConfig } from '../support/events.ts';
import { gqlRequest } from '../support/graphql.ts';
import { given } from '../support/history.ts';

let db: TestDatabase;
let app: App;
let auditor: string;
const enrolled = enrolBpu(nik(1), '2013-01-15');

beforeAll(async () => {
  db = await freshDatabase();
  app = createApp(testConfig, db, (a) => catchUp(a.db).then(() => undefined));
  auditor = (await createApiKey(db, 'AUDITOR', 'audit')).key;
  await given(db, [enrolled, enrolBpu(nik(2), '2013-02-01'), lapse(nik(2), '2013-03-01')]);
  await given(db, [ev('EventRetracted', '2013-04-01', { eventId: enrolled.eventId, reason: 'wrong person' })]);
});
afterAll(async () => {
  await app.prisma.$disconnect();
  await db.dropDatabase();
});

const gql = (query: string, key?: string) => gqlRequest(app, query, {}, key);

describe('auditor fields', () => {
  it('are FORBIDDEN without an AUDITOR key', async () => {
    const r = await gql('{ ledger { headPosition } }');
    expect(r.errors[0]).toMatchObject({ message: 'Query.ledger needs a key with a higher role (you are PUBLIC)', extensions: { code: 'FORBIDDEN' } });
  });

  it('page through the log with both times and the retraction marked', async () => {
    const first = await gql('{ events(first: 2) { edges { node { position type effectiveOn retractedBy } } pageInfo { hasNextPage endCursor } } }', auditor);
    expect(first.data.events.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { position: 1, type: 'WorkerEnrolled', effectiveOn: '2013-01-15', retractedBy: expect.any(String) },
      { position: 2, type: 'WorkerEnrolled', effectiveOn: '2013-02-01', retractedBy: null },
    ]);
    expect(first.data.events.pageInfo.hasNextPage).toBe(true);
    const next = await gql(`{ events(first: 5, after: "${first.data.events.pageInfo.endCursor}", filter: { types: ["WorkerLapsed", "EventRetracted"] }) { edges { node { position type recordedAt data } } } }`, auditor);
    expect(next.data.events.edges.map((e: { node: { position: number; type: string } }) => [e.node.position, e.node.type])).toEqual([[3, 'WorkerLapsed'], [4, 'EventRetracted']]);
    expect(JSON.stringify(next.data)).not.toContain(nik(2)); // pseudonyms only
  });

  it('show a stream and the verified ledger head', async () => {
    const stream = `worker-${enrolled.streamId.slice('worker-'.length)}`;
    const r = await gql(`{ stream(id: "${stream}") { id version events { streamVersion type } } ledger { headPosition headHash verify { ok checkedEvents firstBadPosition } } }`, auditor);
    expect(r.data.stream).toEqual({ id: stream, version: 2, events: [{ streamVersion: 1, type: 'WorkerEnrolled' }, { streamVersion: 2, type: 'EventRetracted' }] });
    expect(r.data.ledger).toMatchObject({ headPosition: 4, headHash: expect.stringMatching(/^[0-9a-f]{64}$/), verify: { ok: true, checkedEvents: 4, firstBadPosition: null } });
  });
});

describe('retractEvent', () => {
  it('needs a WRITER key, then withdraws the event from the figures from the moment it is recorded', async () => {
    const writer = (await createApiKey(db, 'WRITER', 'steward')).key;
    const [{ id }] = await db.query<{ id: string }>("SELECT event_id::text AS id FROM events WHERE position = 2");
    const m = `mutation { retractEvent(eventId: "${id}", reason: "entered twice", effectiveOn: "2013-05-01") { status position error { code message } } }`;
    expect((await gql(m)).errors[0].extensions.code).toBe('FORBIDDEN');
    const before = new Date();
    const enrolments = '{ coverageSeries(measure: NEW_ENROLMENTS, granularity: YEAR, from: "2013-01-01", to: "2013-12-31") { rows { value } } }';
    expect((await gql(enrolments)).data.coverageSeries.rows[0].value).toBe(1);
    expect((await gql(m, writer)).data.retractEvent).toEqual({ status: 'APPENDED', position: 5, error: null });
    expect((await gql(enrolments)).data.coverageSeries.rows[0].value).toBe(0);
    const asKnownBefore = `{ coverageSeries(measure: NEW_ENROLMENTS, granularity: YEAR, from: "2013-01-01", to: "2013-12-31", asOf: "${before.toISOString()}") { rows { value } } }`;
    expect((await gql(asKnownBefore)).data.coverageSeries.rows[0].value).toBe(1);
    const again = await gql(m, writer);
    expect(again.data.retractEvent).toMatchObject({ status: 'REJECTED', error: { code: 'DOMAIN_RULE', message: `data.eventId: event ${id} is already retracted` } });
  });
});

describe('replay', () => {
  it('rebuilds in isolation to a cut and answers as the live as-of query does', async () => {
    const live = await digests(db);
    const [{ at }] = await db.query<{ at: Date }>('SELECT recorded_at AS at FROM events WHERE position = 3');
    const series = 'measure: ACTIVE_PARTICIPANTS, granularity: MONTH, from: "2013-01-01", to: "2013-04-30"';
    const r = await gql(`{ replay(asOf: "${new Date(at).toISOString()}", queries: [{ ${series} }]) { position digests { name digest } series { rows { value } } }
      coverageSeries(${series}, asOf: "${new Date(at).toISOString()}") { rows { value } } }`, auditor);
    expect(r.data.replay.position).toBe(3);
    expect(r.data.replay.series[0].rows).toEqual(r.data.coverageSeries.rows);
    expect(r.data.replay.series[0].rows.map((x: { value: number }) => x.value)).toEqual([1, 2, 1, 1]);
    expect(r.data.replay.digests.map((d: { name: string }) => d.name)).toEqual(['participants', 'employers', 'reference']);
    expect(await digests(db)).toEqual(live); // the live read models were not touched
  });

  it('at the head, gives the digests of the live read models', async () => {
    const [{ head }] = await db.query<{ head: number }>('SELECT max(position) AS head FROM events');
    const r = await gql(`{ replay(toPosition: ${head}) { digests { name digest } } }`, auditor);
    expect(Object.fromEntries(r.data.replay.digests.map((d: { name: string; digest: string }) => [d.name, d.digest]))).toEqual(await digests(db));
  });
});
