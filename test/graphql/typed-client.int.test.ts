import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app/app.ts';
import { ActiveByProvinceDocument, TopProvincesDocument } from '../../src/client/generated/graphql.ts';
import { createYogaServer } from '../../src/graphql/yoga.ts';
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
