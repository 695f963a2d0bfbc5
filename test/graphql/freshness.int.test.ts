import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app/app.ts';
import { appendEvents } from '../../src/eventstore/append.ts';
import { catchUp } from '../../src/projections/runner.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { employer, enrolBpu, nik, testConfig } from '../support/events.ts';
import { gqlRequest } from '../support/graphql.ts';
import { given } from '../support/history.ts';

let db: TestDatabase;
let app: App;
beforeAll(async () => {
  db = await freshDatabase();
  app = createApp(testConfig, db);
});
afterAll(async () => {
  await app.prisma.$disconnect();
  await db.dropDatabase();
});

const QUERY = '{ dataAsOf { position recordedAt projectedAt logHeadPosition } }';

describe('dataAsOf', () => {
  it('says nothing is reflected yet on an empty log', async () => {
    expect(await gqlRequest(app, QUERY)).toEqual({ data: { dataAsOf: { position: 0, recordedAt: null, projectedAt: null, logHeadPosition: 0 } } });
  });

  it('states the position the read models reflect, when it was recorded and projected, and the log head beyond it', async () => {
    const recorded = await given(db, [employer('17081342'), enrolBpu(nik(1), '2013-02-01')]);
    const before = Date.now();
    await appendEvents(db, [enrolBpu(nik(2), '2013-03-01')], { atomic: true }); // appended, not yet projected
    const r = (await gqlRequest(app, QUERY)).data.dataAsOf;
    expect(r).toMatchObject({ position: 2, recordedAt: recorded.toISOString(), logHeadPosition: 3 });
    expect(Date.parse(r.projectedAt)).toBeLessThanOrEqual(before);
    await catchUp(db);
    const after = (await gqlRequest(app, QUERY)).data.dataAsOf;
    expect(after).toMatchObject({ position: 3, logHeadPosition: 3 });
    expect(Date.parse(after.recordedAt)).toBeGreaterThan(recorded.getTime());
    expect(Date.parse(after.projectedAt)).toBeGreaterThanOrEqual(before);
  });
});

describe('a series answer', () => {
  const SERIES = (asOf = '') =>
    `{ coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: MONTH, from: "2013-01-01", to: "2013-06-30"${asOf}) { position rows { value } } }`;
  it('states the log position it reflects, from the cube and from SQL (as of a cut)', async () => {
    const head = (await gqlRequest(app, QUERY)).data.dataAsOf.position;
    const now = (await gqlRequest(app, SERIES())).data.coverageSeries;
    const cut = (await gqlRequest(app, SERIES(`, asOf: "${new Date().toISOString()}"`))).data.coverageSeries;
    expect(now.position).toBe(head);
    expect(cut.position).toBe(head);
    expect(cut.rows).toEqual(now.rows);

    await given(db, [enrolBpu(nik(3), '2013-04-01')]);
    const moved = (await gqlRequest(app, SERIES())).data.coverageSeries;
    expect(moved.position).toBe(head + 1);
    expect(moved.rows.map((r: { value: number }) => r.value).slice(3)).toEqual(now.rows.map((r: { value: number }) => r.value + 1).slice(3));
  });
});
