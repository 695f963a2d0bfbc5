import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app/app.ts';
import { catchUp } from '../../src/projections/runner.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { employer, enrolBpu, enrolPu, ev, lapse, nik, testConfig } from '../support/events.ts';
import { gqlRequest } from '../support/graphql.ts';
import { given } from '../support/history.ts';

let db: TestDatabase;
let app: App;
beforeAll(async () => {
  db = await freshDatabase();
  app = createApp(testConfig, db, (a) => catchUp(a.db).then(() => undefined));
  // Two provinces (33 Jawa Tengah, 17 Bengkulu), lapses, a quiet month (2013-04) and a retraction.
  const late = enrolBpu(nik(4), '2013-03-10');
  await given(db, [
    employer('17081342', '2013-01-02', '3375'),
    enrolPu(nik(1), '17081342', '2013-01-15'),
    enrolBpu(nik(2, '1771'), '2013-02-01', '1771'),
    enrolBpu(nik(3, '1771'), '2013-02-20', '1771'),
    late,
    lapse(nik(2, '1771'), '2013-03-31'),
    lapse(nik(1), '2013-05-02'),
  ]);
  await given(db, [ev('EventRetracted', '2013-06-01', { eventId: late.eventId, reason: 'entered twice' })]);
});
afterAll(async () => {
  await app.prisma.$disconnect();
  await db.dropDatabase();
});

type ViewRow = { month_end: string; province_code: string; active: number; enrolments: number; net_change: number };
const headcounts = () =>
  db.query<ViewRow>(
    `SELECT month_end, province_code, sum(active_at_month_end)::int AS active, sum(enrolments)::int AS enrolments, sum(net_change)::int AS net_change
       FROM bi_coverage_monthly WHERE program IS NULL GROUP BY month_end, province_code ORDER BY month_end, province_code`,
  );

describe('BI views', () => {
  it('give the month-end head counts the GraphQL API gives, gap-filled', async () => {
    const rows = await headcounts();
    const api = await gqlRequest(
      app,
      '{ coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: MONTH, from: "2013-01-01", to: "2013-05-31", groupBy: [PROVINCE]) { rows { periodEnd provinceCode value } } }',
    );
    const fromApi: { periodEnd: string; provinceCode: string; value: number }[] = api.data.coverageSeries.rows;
    expect(fromApi.length).toBeGreaterThanOrEqual(5);
    const viewByKey = new Map(rows.map((r) => [`${r.month_end}|${r.province_code}`, r.active]));
    for (const r of fromApi) expect(viewByKey.get(`${r.periodEnd}|${r.provinceCode}`) ?? 0, `${r.periodEnd} ${r.provinceCode}`).toBe(r.value);
    // The quiet month is a row of its own, carrying the balance.
    expect(rows.filter((r) => r.month_end === '2013-04-30')).toEqual([
      { month_end: '2013-04-30', province_code: '17', active: 1, enrolments: 0, net_change: 0 },
      { month_end: '2013-04-30', province_code: '33', active: 1, enrolments: 0, net_change: 0 },
    ]);
    // The retracted March enrolment in Jawa Tengah no longer counts, as in the API: neither as an enrolment nor as active.
    expect(rows.find((r) => r.month_end === '2013-03-31' && r.province_code === '33')).toMatchObject({ active: 1, enrolments: 0 });
    expect(rows.at(-1)).toMatchObject({ month_end: '2013-05-31', province_code: '33', active: 0 });
  });

  it('carry province names, targets and regions under stable column names', async () => {
    const [row] = await db.query<Record<string, unknown>>("SELECT * FROM bi_coverage_monthly WHERE province_code = '17' AND program = 'JKK' ORDER BY month_start LIMIT 1");
    expect(Object.keys(row)).toEqual(['month_start', 'month_end', 'province_code', 'province_name', 'segment', 'sponsor', 'program', 'enrolments', 'lapses', 'net_change', 'active_at_month_end']);
    expect(row).toMatchObject({ month_start: '2013-02-01', province_name: 'Bengkulu', segment: 'BPU', sponsor: 'SELF', active_at_month_end: 2 });
    const [employers] = await db.query<Record<string, unknown>>("SELECT * FROM bi_employers_monthly WHERE province_code = '33' ORDER BY month_start LIMIT 1");
    expect(employers).toMatchObject({ month_start: '2013-01-01', size_class: 'KECIL', registrations: 1, active_employers_at_month_end: 1 });
    const [kota] = await db.query<Record<string, unknown>>("SELECT * FROM bi_regions WHERE code = '3375'");
    expect(kota).toMatchObject({ code: '3375', parent_code: '33', name: expect.stringMatching(/Pekalongan/i) });
  });

  it('can be read by a role granted them alone, which cannot read the log', async () => {
    const role = `bi_reader_${randomBytes(4).toString('hex')}`;
    await db.exec(`CREATE ROLE ${role} NOLOGIN; GRANT SELECT ON bi_coverage_monthly, bi_employers_monthly, bi_targets, bi_regions TO ${role}`);
    try {
      const seen = await db.transaction(async (tx) => {
        await tx.query(`SET LOCAL ROLE ${role}`);
        return tx.query<{ n: number }>('SELECT count(*)::int AS n FROM bi_coverage_monthly');
      });
      expect(seen[0].n).toBeGreaterThan(0);
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`SET LOCAL ROLE ${role}`);
          return tx.query('SELECT count(*) FROM events');
        }),
      ).rejects.toThrow(/permission denied/);
    } finally {
      await db.exec(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });
});
