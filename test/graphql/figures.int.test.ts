import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app/app.ts';
import { createApiKey } from '../../src/graphql/auth.ts';
import { catchUp } from '../../src/projections/runner.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { enrolBpu, ev, lapse, nik, testConfig } from '../support/events.ts';
import { gqlRequest } from '../support/graphql.ts';
import { given } from '../support/history.ts';

let db: TestDatabase;
let app: App;
let writer: string;
let auditor: string;
const third = enrolBpu(nik(3), '2013-03-01');

beforeAll(async () => {
  db = await freshDatabase();
  app = createApp(testConfig, db, (a) => catchUp(a.db).then(() => undefined));
  writer = (await createApiKey(db, 'WRITER', 'w')).key;
  auditor = (await createApiKey(db, 'AUDITOR', 'a')).key;
  await given(db, [enrolBpu(nik(1), '2013-01-15'), enrolBpu(nik(2), '2013-02-01'), third]);
});
afterAll(async () => {
  await app.prisma.$disconnect();
  await db.dropDatabase();
});

const gql = (query: string, variables: Record<string, unknown>, key: string) => gqlRequest(app, query, variables, key);

const FIGURE = 'query($d: Date!) { coverageAt(measure: ACTIVE_PARTICIPANTS, date: $d) { value } }';

describe('a published figure', () => {
  it('reproduces as known then, and shows how it reads now after a late report and a retraction', async () => {
    const published = await gql('mutation($q: String!, $v: JSON) { publishFigure(name: "Active, end of March 2013", query: $q, variables: $v) { figureId position answer } }', { q: FIGURE, v: { d: '2013-03-31' } }, writer);
    expect(published.data.publishFigure).toMatchObject({ position: 3, answer: { coverageAt: [{ value: 3 }] } });

    // later: a late-reported lapse effective in February, and a retraction
    await given(db, [lapse(nik(2), '2013-02-20'), ev('EventRetracted', '2013-04-02', { eventId: third.eventId, reason: 'duplicate' })]);

    const figures = await gql('{ publishedFigures { name position answer reproduce { matches reproducedAnswer currentAnswer currentMatches } } }', {}, auditor);
    expect(figures.data.publishedFigures).toEqual([
      {
        name: 'Active, end of March 2013',
        position: 3,
        answer: { coverageAt: [{ value: 3 }] },
        reproduce: { matches: true, reproducedAnswer: { coverageAt: [{ value: 3 }] }, currentAnswer: { coverageAt: [{ value: 1 }] }, currentMatches: false },
      },
    ]);
  });

  it('refuses a mutation as the figure query', async () => {
    const r = await gql('mutation($q: String!) { publishFigure(name: "x", query: $q) { figureId } }', { q: 'mutation { retractEvent(eventId: "x", reason: "y") { status } }' }, writer);
    expect(r.errors[0]).toMatchObject({ extensions: { code: 'VALIDATION', issues: [{ field: 'query', reason: 'must be a query (no mutations or subscriptions)' }] } });
  });
});
