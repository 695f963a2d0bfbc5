import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app/app.ts';
import { regions } from '../../src/domain/regions/regions.ts';
import { createYogaServer } from '../../src/graphql/yoga.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { enrolBpu, ev, nik, testConfig } from '../support/events.ts';
import { given } from '../support/history.ts';

// docs/grafana/cakupan-infinity.json, the Grafana dashboard for the Infinity
// datasource: every panel's query, with the dashboard's own variable
// defaults, is sent to the API as Infinity would send it (GraphQL POST, or
// GET of the CSV export), and must return rows (at its root selector) with
// every field its columns name.

type Column = { selector: string; text: string; type: string };
type Target = {
  type: 'graphql' | 'csv';
  datasource: { type: string };
  url: string;
  url_options: { method: string; body_graphql_query?: string; body_graphql_variables?: string };
  root_selector?: string;
  columns: Column[];
};
type Dashboard = {
  panels: { id: number; title: string; type: string; targets: Target[] }[];
  templating: { list: { name: string; query: string; current: { value: string } }[] };
};
const dashboard: Dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana/cakupan-infinity.json', import.meta.url), 'utf8'));

let db: TestDatabase;
let app: App;
beforeAll(async () => {
  db = await freshDatabase();
  app = createApp(testConfig, db);
  // workers in two provinces, a workforce estimate (rates) and a target
  await given(db, [
    ...Array.from({ length: 12 }, (_, i) => enrolBpu(nik(i + 1, i % 3 ? '3375' : '3374'), `201${3 + (i % 5)}-0${1 + (i % 9)}-15`, i % 3 ? '3375' : '3374')),
    ...Array.from({ length: 4 }, (_, i) => enrolBpu(nik(i + 1, '1771'), '2014-03-01', '1771')),
    ev('WorkforceEstimated', '2013-01-01', { count: 1_000, source: 'test' }),
    ev('CoverageTargetSet', '2013-01-01', { targetId: 'nat', name: 'National', metric: 'ACTIVE_PARTICIPANTS', value: 100, dueOn: '2026-12-31', scope: {}, source: 'test' }),
  ]);
});
afterAll(async () => {
  await app.prisma.$disconnect();
  await db.dropDatabase();
});

const variables = (origin: string): Record<string, string> => ({ ...Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v.current.value])), cakupan: origin });
/** Grafana's interpolation of ${name} and $name. */
const interpolate = (s: string, vars: Record<string, string>) => s.replace(/\$\{(\w+)\}|\$(\w+)/g, (m, a, b) => vars[a ?? b] ?? m);
/** A dotted selector (root_selector, column selector) into a value. */
const select = (value: unknown, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v == null ? undefined : (v as Record<string, unknown>)[k]), value);

async function run(t: Target): Promise<Record<string, unknown>[]> {
  const vars = variables('http://yoga');
  const url = interpolate(t.url, vars);
  const yoga = createYogaServer(app);
  if (t.type === 'graphql') {
    const res = await yoga.fetch(url, {
      method: t.url_options.method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: t.url_options.body_graphql_query, variables: JSON.parse(interpolate(t.url_options.body_graphql_variables ?? '{}', vars)) }),
    });
    const body = (await res.json()) as { data?: unknown; errors?: unknown[] };
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    const rows = select(body, t.root_selector!);
    expect(Array.isArray(rows), `${t.root_selector} is a list`).toBe(true);
    return rows as Record<string, unknown>[];
  }
  const res = await yoga.fetch(url, { method: t.url_options.method });
  expect(res.status, await res.clone().text()).toBe(200);
  return parse(await res.text(), { columns: true });
}

describe('the Grafana dashboard (docs/grafana/cakupan-infinity.json)', () => {
  it('is an Infinity dashboard whose variables are valid', () => {
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(6);
    for (const p of dashboard.panels) for (const t of p.targets) expect(t.datasource.type).toBe('yesoreyeram-infinity-datasource');
    const provinces = dashboard.templating.list.find((v) => v.name === 'province')!.query.split(',');
    expect(provinces.every((c) => regions().get(c)?.level === 'PROVINCE')).toBe(true);
    expect(provinces.length).toBe([...regions().values()].filter((r) => r.level === 'PROVINCE' && !r.currentCode).length);
  });

  for (const p of dashboard.panels) {
    it(`panel ${p.id} (${p.title}) gets rows with every field its columns name`, async () => {
      for (const t of p.targets) {
        const rows = await run(t);
        expect(rows.length).toBeGreaterThan(0);
        for (const c of t.columns) {
          for (const row of rows) expect(select(row, c.selector), `${c.selector} in ${JSON.stringify(row)}`).not.toBeUndefined();
          if (c.type === 'timestamp') expect(rows.every((r) => !Number.isNaN(Date.parse(String(select(r, c.selector)))))).toBe(true);
          if (c.type === 'number') expect(rows.some((r) => typeof Number(select(r, c.selector)) === 'number' && Number(select(r, c.selector)) > 0)).toBe(true);
        }
      }
    });
  }
});
