import fc from 'fast-check';
import type { CoverageQuery, Dimension, Measure } from '../../src/analytics/coverage-series.ts';
import type { Granularity } from '../../src/analytics/periods.ts';
import type { AppendInput } from '../../src/eventstore/append.ts';
import { employer, ev, nik } from './events.ts';

// Random histories and series queries for property tests: enrolments in
// several regencies, segments and sponsors, backdated lapses, program
// changes, retractions, employers and licences.

const REGENCIES = ['3375', '3374', '1771', '1101', '3171'];
export const worker = fc.record({
  kind: fc.constantFrom('enrol', 'enrol', 'lapse', 'programs', 'retract', 'employer', 'licence'),
  who: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 0, max: 900 }),
  regency: fc.constantFrom(...REGENCIES),
  segment: fc.constantFrom('BPU', 'PMI', 'JAKON'),
  sponsor: fc.constantFrom('SELF', 'GOVERNMENT'),
  jht: fc.boolean(),
  target: fc.nat(),
});
export type Cmd = typeof worker extends fc.Arbitrary<infer T> ? T : never;

export function toEvents(cmds: Cmd[]): AppendInput[] {
  const mine = new Map<number, AppendInput[]>();
  return cmds.map((c, i) => {
    const on = new Date(Date.UTC(2012, 0, 1) + c.day * 86_400_000).toISOString().slice(0, 10);
    const n = nik(c.who, c.regency);
    let e: AppendInput;
    if (c.kind === 'enrol') {
      const segment = c.segment;
      e = ev('WorkerEnrolled', on, { nik: n, segment, programs: c.jht ? ['JKK', 'JKM', 'JHT'] : ['JKK', 'JKM'], regionCode: c.regency, sponsor: segment === 'BPU' ? c.sponsor : 'SELF' });
    } else if (c.kind === 'lapse') e = ev('WorkerLapsed', on, { nik: n, reason: 'NON_PAYMENT' });
    else if (c.kind === 'programs') e = ev('WorkerProgramsChanged', on, { nik: n, programs: c.jht ? ['JKK', 'JKM', 'JHT'] : ['JKK', 'JKM'] });
    else if (c.kind === 'employer') e = employer(String(17_000_000 + c.who), on, c.regency);
    else if (c.kind === 'licence') e = ev('EmployerLicensed', on, { licenceNumber: `L-${c.who}-${i}`, name: 'PT Uji', regionCode: c.regency, employees: 5 });
    else {
      const earlier = mine.get(c.who) ?? [];
      e = ev('EventRetracted', on, { eventId: earlier.length ? earlier[c.target % earlier.length].eventId : '00000000-0000-4000-8000-000000000000', reason: 'test' });
    }
    mine.set(c.who, [...(mine.get(c.who) ?? []), e]);
    return e;
  });
}

const MEASURES: Measure[] = ['ACTIVE_PARTICIPANTS', 'NEW_ENROLMENTS', 'LAPSES', 'NET_CHANGE', 'ACTIVE_EMPLOYERS', 'EMPLOYER_COVERAGE_RATE'];
const day = fc.integer({ min: 0, max: 1100 }).map((d) => new Date(Date.UTC(2011, 10, 1) + d * 86_400_000).toISOString().slice(0, 10));
export const query: fc.Arbitrary<CoverageQuery> = fc
  .record({
    measure: fc.constantFrom(...MEASURES),
    granularity: fc.constantFrom<Granularity>('MONTH', 'QUARTER', 'YEAR', 'WEEK', 'DAY'),
    a: day,
    span: fc.integer({ min: 0, max: 900 }),
    groupBy: fc.subarray<Dimension>(['PROVINCE', 'REGENCY', 'SEGMENT', 'PROGRAM', 'SPONSOR'], { maxLength: 2 }),
    regions: fc.subarray(['33', '17', '3375', '1771', '11'], { maxLength: 2 }),
    segments: fc.subarray(['BPU', 'PMI', 'JAKON'], { maxLength: 2 }),
    programs: fc.subarray(['JKK', 'JHT'], { maxLength: 1 }),
    compare: fc.constantFrom(undefined, 'PREVIOUS_PERIOD' as const, 'PREVIOUS_YEAR' as const),
  })
  .map((r) => {
    const employerMeasure = r.measure === 'ACTIVE_EMPLOYERS' || r.measure === 'EMPLOYER_COVERAGE_RATE';
    const to = new Date(Date.parse(r.a) + (r.granularity === 'DAY' ? r.span % 60 : r.granularity === 'WEEK' ? r.span % 400 : r.span) * 86_400_000).toISOString().slice(0, 10);
    return {
      measure: r.measure,
      granularity: r.granularity,
      from: r.a,
      to,
      groupBy: employerMeasure ? r.groupBy.filter((d) => d === 'PROVINCE' || d === 'REGENCY') : r.groupBy,
      filter: employerMeasure ? { regionCodes: r.regions } : { regionCodes: r.regions, segments: r.segments, programs: r.programs },
      compare: r.compare,
    };
  });
