import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app/app.ts';
import { createApiKey } from '../../src/graphql/auth.ts';
import { catchUp } from '../../src/projections/runner.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { nik, testConfig } from '../support/events.ts';
import { gqlRequest } from '../support/graphql.ts';

let db: TestDatabase;
let app: App;
let writer: string;
beforeAll(async () => {
  db = await freshDatabase();
  app = createApp(testConfig, db, (a) => catchUp(a.db).then(() => undefined));
  writer = (await createApiKey(db, 'WRITER', 'desk')).key;
});
afterAll(async () => {
  await app.prisma.$disconnect();
  await db.dropDatabase();
});

const RESULT = '{ status position streamVersion error { __typename code message issues { field reason } ... on DomainRuleViolation { rule } ... on ConcurrencyError { actualVersion } } }';
async function run(name: string, input: Record<string, unknown>, key: string | null = writer) {
  const r = await gqlRequest(app, `mutation($input: ${name[0].toUpperCase()}${name.slice(1)}Input!) { ${name}(input: $input) ${RESULT} }`, { input }, key ?? undefined);
  if (r.errors) return r.errors[0];
  return r.data[name];
}
const active = async (date: string) =>
  (await gqlRequest(app, `{ coverageAt(measure: ACTIVE_PARTICIPANTS, date: "${date}", groupBy: [SEGMENT]) { segment value } }`)).data.coverageAt;

describe('command mutations', () => {
  it('need a WRITER key', async () => {
    const r = await run('registerEmployer', { npp: '17081342', name: 'PT Batik', regionCode: '3375', sizeClass: 'KECIL' }, null);
    expect(r).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
  });

  it('register, enrol, change programs and lapse, with the read models up to date on return', async () => {
    expect(await run('registerEmployer', { npp: '17081342', name: 'PT Batik', regionCode: '3375', sizeClass: 'KECIL', effectiveOn: '2013-01-02' })).toEqual({
      status: 'APPENDED', position: 1, streamVersion: 1, error: null,
    });
    const enrol = { nik: nik(1), segment: 'PU', programs: ['JKK', 'JKM', 'JHT'], regionCode: '3375', sponsor: 'EMPLOYER', employerNpp: '17081342', effectiveOn: '2013-01-15' };
    expect(await run('enrolWorker', enrol)).toMatchObject({ status: 'APPENDED', position: 2 });
    expect(await active('2013-01-31')).toEqual([{ segment: 'PU', value: 1 }]);
    expect(await run('changeWorkerPrograms', { nik: nik(1), programs: ['JKK', 'JKM', 'JHT', 'JP'], effectiveOn: '2013-02-01' })).toMatchObject({ status: 'APPENDED', streamVersion: 2 });
    expect(await run('recordLapse', { nik: nik(1), reason: 'EMPLOYMENT_ENDED', effectiveOn: '2013-03-01' })).toMatchObject({ status: 'APPENDED', streamVersion: 3 });
    expect(await active('2013-03-31')).toEqual([{ segment: 'PU', value: 0 }]);
    expect(await run('recordLapse', { nik: nik(1), reason: 'EMPLOYMENT_ENDED', effectiveOn: '2013-04-01' })).toEqual({
      status: 'REJECTED', position: null, streamVersion: null,
      error: { __typename: 'DomainRuleViolation', code: 'DOMAIN_RULE', rule: 'lapse-needs-enrolment', message: 'data.nik: worker has no active enrolment to lapse', issues: [{ field: 'data.nik', reason: 'worker has no active enrolment to lapse' }] },
    });
    // The NIK was pseudonymised: it is nowhere in the log.
    const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE data::text LIKE $1', [`%${nik(1)}%`]);
    expect(n).toBe(0);
  });

  it('report invalid input and broken rules as typed errors naming the field', async () => {
    const bad = await run('enrolWorker', { nik: '3375011203850000', segment: 'BPU', programs: ['JKK', 'JKM'], regionCode: '3375', sponsor: 'SELF' });
    expect(bad).toMatchObject({ status: 'REJECTED', error: { __typename: 'ValidationError', issues: [{ field: 'data.nik', reason: 'NIK serial number (last four digits) must not be 0000' }] } });
    const jp = await run('enrolWorker', { nik: nik(2), segment: 'BPU', programs: ['JKK', 'JKM', 'JP'], regionCode: '3375', sponsor: 'SELF' });
    expect(jp).toMatchObject({ status: 'REJECTED', error: { __typename: 'DomainRuleViolation', issues: [{ field: 'data.programs', reason: 'JP not available to segment BPU (allowed: JKK, JKM, JHT)' }] } });
    const noRegion = await run('recordWorkforceEstimate', { regionCode: '9999', count: 10, source: 'x' });
    expect(noRegion).toMatchObject({ status: 'REJECTED', error: { __typename: 'ValidationError', issues: [{ field: 'data.regionCode' }] } });
  });

  it('are idempotent on eventId and honour expectedVersion', async () => {
    const input = { eventId: '6f1b9a3e-2c4d-4e5f-8a9b-0c1d2e3f4a5b', npp: '20000001', name: 'PT Dua', regionCode: '1771', sizeClass: 'BESAR', effectiveOn: '2014-01-01' };
    const first = await run('registerEmployer', input);
    expect(first).toMatchObject({ status: 'APPENDED' });
    expect(await run('registerEmployer', input)).toMatchObject({ status: 'DUPLICATE', position: first.position });
    const stale = await run('deregisterEmployer', { npp: '20000001', reason: 'closed', expectedVersion: 'NO_STREAM', effectiveOn: '2015-01-01' });
    expect(stale).toMatchObject({ status: 'REJECTED', error: { __typename: 'ConcurrencyError', actualVersion: 1 } });
    expect(await run('deregisterEmployer', { npp: '20000001', reason: 'closed', expectedVersion: '1', effectiveOn: '2015-01-01' })).toMatchObject({ status: 'APPENDED', streamVersion: 2 });
  });

  it('set targets and workforce estimates that the queries then use', async () => {
    expect(
      await run('setTarget', { targetId: 'kota-pekalongan-2030', name: 'Pekalongan 2030', metric: 'ACTIVE_PARTICIPANTS', value: 500, dueOn: '2030-12-31', scope: { regionCode: '3375' }, source: 'RPJMD', effectiveOn: '2024-01-01' }),
    ).toMatchObject({ status: 'APPENDED' });
    const targets = (await gqlRequest(app, '{ targets { id value regionCode dueOn } }')).data.targets;
    expect(targets).toContainEqual({ id: 'kota-pekalongan-2030', value: 500, regionCode: '3375', dueOn: '2030-12-31' });
    expect(await run('recordWorkforceEstimate', { regionCode: '3375', formality: 'FORMAL', count: 40, source: 'BPS Sakernas', effectiveOn: '2013-01-01' })).toMatchObject({ status: 'APPENDED' });
    // nik 1 (PU, enrolled 2013-01-15, lapsed 2013-03-01) over the formal workforce of Kota Pekalongan
    const rate = await gqlRequest(app, '{ coverageAt(measure: COVERAGE_RATE, date: "2013-02-28", filter: { regionCodes: ["3375"], segments: [PU] }) { value } }');
    expect(rate.data.coverageAt).toEqual([{ value: 1 / 40 }]);
  });
});
