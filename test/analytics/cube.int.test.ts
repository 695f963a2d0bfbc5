import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coverageSeries, type CoverageQuery, type Dimension, type Measure } from '../../src/analytics/coverage-series.ts';
import { Cube } from '../../src/analytics/cube.ts';
import type { Granularity } from '../../src/analytics/periods.ts';
import { appendEvents, type AppendInput } from '../../src/eventstore/append.ts';
import { catchUp, rebuild } from '../../src/projections/runner.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { employer, ev, nik } from '../support/events.ts';

// The in-memory cube answers "as known now" series; SQL over the roll-ups is
// the reference. Random histories (enrolments in several regencies, segments
// and sponsors, backdated lapses, program changes, retractions, employers and
// licences) arrive in batches; after each, random queries must give exactly
// the SQL answer, with the cube following the batches (no reload) and again
// after a reload.

const REGENCIES = ['3375', '3374', '1771', '1101', '3171'];
const worker = fc.record({
  kind: fc.constantFrom('enrol', 'enrol', 'lapse', 'programs', 'retract', 'employer', 'licence'),
  who: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 0, max: 900 }),
  regency: fc.constantFrom(...REGENCIES),
  segment: fc.constantFrom('BPU', 'PMI', 'JAKON'),
  sponsor: fc.constantFrom('SELF', 'GOVERNMENT'),
  jht: fc.boolean(),
  target: fc.nat(),
});
type Cmd = typeof worker extends fc.Arbitrary<infer T> ? T : never;

function toEvents(cmds: Cmd[]): AppendInput[] {
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
const query: fc.Arbitrary<CoverageQuery> = fc
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

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  await db.dropDatabase();
});

async function sameAnswers(cube: Cube, queries: CoverageQuery[]) {
  for (const q of queries) {
    const viaSql = await coverageSeries(db, q);
    const viaCube = await coverageSeries(db, q, { cube });
    expect(viaCube, JSON.stringify(q)).toEqual(viaSql);
  }
}

describe('the in-memory cube', () => {
  it('answers exactly as SQL over the roll-ups, following each batch, and after a reload', async () => {
    const cube = new Cube(db);
    await fc.assert(
      fc.asyncProperty(fc.array(worker, { minLength: 1, maxLength: 80 }), fc.array(query, { minLength: 6, maxLength: 12 }), async (cmds, queries) => {
        const events = toEvents(cmds);
        for (let i = 0; i < events.length; i += 15) {
          await appendEvents(db, events.slice(i, i + 15), { atomic: false });
          await catchUp(db);
          const reloads = cube.reloads;
          await sameAnswers(cube, queries.slice(0, 2));
          // after the first load, each batch arrives through read_model_changes
          if (cube.position !== undefined && reloads > 0) expect(cube.reloads).toBe(reloads);
        }
        await sameAnswers(cube, queries);
      }),
      { numRuns: 12 },
    );
    expect(cube.reloads).toBe(1);
  });

  it('keeps answering from its position while a rebuild replays the log, and reloads when the changes it needs are gone', async () => {
    const cube = new Cube(db);
    const q: CoverageQuery = { measure: 'ACTIVE_PARTICIPANTS', granularity: 'YEAR', from: '2012-01-01', to: '2026-12-31', groupBy: ['PROVINCE'] };
    const before = await coverageSeries(db, q, { cube });
    expect(before.series.length).toBeGreaterThan(0);
    await db.query('DELETE FROM projection_checkpoints'); // what a rebuild does first
    expect(await coverageSeries(db, q, { cube })).toEqual(before);
    await rebuild(db); // the same log: the same figures at the same position
    expect(await coverageSeries(db, q, { cube })).toEqual(before);
    expect(cube.reloads).toBe(1);

    await appendEvents(db, [ev('WorkerEnrolled', '2015-05-05', { nik: nik(99, '1101'), segment: 'BPU', programs: ['JKK', 'JKM'], regionCode: '1101', sponsor: 'SELF' })], { atomic: true });
    await catchUp(db);
    await db.query('DELETE FROM read_model_changes'); // pruned before this server read them
    const after = await coverageSeries(db, q, { cube });
    expect(after).toEqual(await coverageSeries(db, q));
    expect(after).not.toEqual(before);
    expect(cube.reloads).toBe(2);
  });
});
