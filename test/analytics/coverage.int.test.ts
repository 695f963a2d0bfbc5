import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coverageSeries, type CoverageQuery } from '../../src/analytics/coverage-series.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { employer, enrolBpu, enrolPu, ev, lapse, nik } from '../support/events.ts';
import { given } from '../support/history.ts';

// A small history with known answers:
//   Kota Pekalongan (33/3375): PU worker 1 from 2013-01-15; BPU worker 2 from 2013-02-01, lapses 2013-04-30
//   Kota Bengkulu (17/1771):  BPU worker 3 from 2013-03-10 (JHT too); PMI worker 4 from 2014-02-03
//   recorded later: worker 1 lapses 2013-03-31 (a late report), worker 5 enrolment retracted
let db: TestDatabase;
let firstBatchAt: Date;
const retractedEnrolment = enrolBpu(nik(5, '1771'), '2013-01-20', '1771');

beforeAll(async () => {
  db = await freshDatabase();
  firstBatchAt = await given(db, [
    employer('17081342', '2013-01-02', '3375'),
    employer('17081343', '2013-01-02', '1771'),
    ev('EmployerLicensed', '2013-01-02', { licenceNumber: 'L-1', name: 'PT A', regionCode: '3375', employees: 10, npp: '17081342' }),
    ev('EmployerLicensed', '2013-01-02', { licenceNumber: 'L-2', name: 'CV B', regionCode: '3375', employees: 3 }),
    enrolPu(nik(1), '17081342', '2013-01-15'),
    enrolBpu(nik(2), '2013-02-01', '3375', { sponsor: 'GOVERNMENT' }),
    lapse(nik(2), '2013-04-30'),
    ev('WorkerEnrolled', '2013-03-10', { nik: nik(3, '1771'), segment: 'BPU', programs: ['JKK', 'JKM', 'JHT'], regionCode: '1771', sponsor: 'SELF' }),
    ev('WorkerEnrolled', '2014-02-03', { nik: nik(4, '1771'), segment: 'PMI', programs: ['JKK', 'JKM'], regionCode: '1771', sponsor: 'SELF' }),
    retractedEnrolment,
    ev('WorkforceEstimated', '2013-01-01', { regionCode: '17', count: 200, source: 'test' }),
    ev('WorkforceEstimated', '2013-01-01', { count: 1000, source: 'test' }),
    ev('WorkforceEstimated', '2014-01-01', { count: 2000, source: 'test' }),
  ]);
  await given(db, [lapse(nik(1), '2013-03-31'), ev('EventRetracted', '2013-06-01', { eventId: retractedEnrolment.eventId, reason: 'duplicate person' })]);
});
afterAll(async () => {
  await db.dropDatabase();
});

const q = (over: Partial<CoverageQuery>): CoverageQuery => ({ measure: 'ACTIVE_PARTICIPANTS', granularity: 'MONTH', from: '2013-01-01', to: '2013-06-30', ...over });
const values = async (over: Partial<CoverageQuery>) => (await coverageSeries(db, q(over))).series.map((s) => s.points.map((p) => p.value));

describe('ACTIVE_PARTICIPANTS', () => {
  it('is read at each month end, gap-filled, with everything recorded', async () => {
    expect(await values({})).toEqual([[1, 2, 2, 1, 1, 1]]);
  });
  it('as known after the first batch: without the late lapse and with the later-retracted enrolment', async () => {
    expect(await values({ asOf: firstBatchAt })).toEqual([[2, 3, 4, 3, 3, 3]]);
  });
  it('groups by province, keyed and ordered by code', async () => {
    const s = await coverageSeries(db, q({ groupBy: ['PROVINCE'] }));
    expect(s.series.map((g) => [g.key.provinceCode, g.points.map((p) => p.value)])).toEqual([
      ['17', [0, 0, 1, 1, 1, 1]],
      ['33', [1, 2, 1, 0, 0, 0]],
    ]);
  });
  it('filters by regency and counts program members with a program filter', async () => {
    expect(await values({ filter: { regionCodes: ['1771'], programs: ['JHT'] } })).toEqual([[0, 0, 1, 1, 1, 1]]);
    expect(await values({ filter: { sponsors: ['GOVERNMENT'] } })).toEqual([[0, 1, 1, 0, 0, 0]]);
  });
  it('reads stocks on a mid-month `to` and by DAY', async () => {
    const s = await coverageSeries(db, q({ granularity: 'DAY', from: '2013-03-30', to: '2013-04-01' }));
    expect(s.rows.map((r) => [r.period, r.value])).toEqual([['2013-03-30', 3], ['2013-03-31', 2], ['2013-04-01', 2]]);
  });
  it('compares with the previous year on YEAR granularity', async () => {
    const s = await coverageSeries(db, q({ granularity: 'YEAR', from: '2013-01-01', to: '2014-12-31', compare: 'PREVIOUS_YEAR' }));
    expect(s.series[0].points.map((p) => [p.period, p.periodEnd, p.value, p.compareValue])).toEqual([
      ['2013-01-01', '2013-12-31', 1, 0],
      ['2014-01-01', '2014-12-31', 2, 1],
    ]);
  });
});

describe('flow measures', () => {
  it('sum each period, with cumulative values', async () => {
    const s = await coverageSeries(db, q({ measure: 'NEW_ENROLMENTS', granularity: 'QUARTER', to: '2013-12-31' }));
    expect(s.series[0].points.map((p) => [p.period, p.value, p.cumulative])).toEqual([
      ['2013-01-01', 3, 3],
      ['2013-04-01', 0, 3],
      ['2013-07-01', 0, 3],
      ['2013-10-01', 0, 3],
    ]);
    expect(await values({ measure: 'LAPSES' })).toEqual([[0, 0, 1, 1, 0, 0]]);
    expect(await values({ measure: 'NET_CHANGE' })).toEqual([[1, 1, 0, -1, 0, 0]]);
  });
  it('uses ISO weeks starting on Monday', async () => {
    const s = await coverageSeries(db, q({ measure: 'NEW_ENROLMENTS', granularity: 'WEEK', from: '2013-01-14', to: '2013-01-27' }));
    expect(s.rows.map((r) => [r.period, r.periodEnd, r.value])).toEqual([['2013-01-14', '2013-01-20', 1], ['2013-01-21', '2013-01-27', 0]]);
  });
});

describe('rates and employers', () => {
  it('COVERAGE_RATE divides by the latest workforce estimate for the scope', async () => {
    const s = await coverageSeries(db, q({ measure: 'COVERAGE_RATE', granularity: 'YEAR', from: '2013-01-01', to: '2014-12-31', filter: { regionCodes: ['17'] } }));
    expect(s.series[0].points.map((p) => [p.value, p.denominator])).toEqual([[1 / 200, 200], [2 / 200, 200]]);
    expect(await values({ measure: 'COVERAGE_RATE', granularity: 'YEAR', from: '2014-01-01', to: '2014-12-31' })).toEqual([[2 / 2000]]);
  });
  it('ACTIVE_EMPLOYERS and EMPLOYER_COVERAGE_RATE (active employers / licensed businesses)', async () => {
    expect(await values({ measure: 'ACTIVE_EMPLOYERS', granularity: 'YEAR', to: '2013-12-31', groupBy: ['PROVINCE'] })).toEqual([[1], [1]]);
    expect(await values({ measure: 'EMPLOYER_COVERAGE_RATE', granularity: 'YEAR', to: '2013-12-31', filter: { regionCodes: ['3375'] } })).toEqual([[0.5]]);
  });
});

describe('invalid arguments', () => {
  it.each([
    [{ from: '2014-01-01', to: '2013-01-01' }, 'from: 2014-01-01 is after to (2013-01-01)'],
    [{ filter: { regionCodes: ['9999'] } }, 'filter.regionCodes: "9999" is not a known province (2-digit) or regency/city (4-digit) code'],
    [{ granularity: 'DAY' as const, from: '1990-01-01', to: '2026-12-31' }, 'granularity: too many points'],
    [{ measure: 'ACTIVE_EMPLOYERS' as const, groupBy: ['SEGMENT' as const] }, 'groupBy: ACTIVE_EMPLOYERS can be grouped by PROVINCE or REGENCY only, not SEGMENT'],
  ])('rejects %j', async (over, message) => {
    await expect(coverageSeries(db, q(over))).rejects.toThrow(message);
  });
});
