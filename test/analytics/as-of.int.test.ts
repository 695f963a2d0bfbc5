import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jakartaMonth } from '../../src/projections/log-event.ts';
import { coverageSeries, type CoverageQuery, type CoverageSeries } from '../../src/analytics/coverage-series.ts';
import { Cube } from '../../src/analytics/cube.ts';
import { seriesFor } from '../../src/analytics/disclosure.ts';
import { appendEvents } from '../../src/eventstore/append.ts';
import { positionAsOf, withReplay } from '../../src/projections/replay.ts';
import { catchUp } from '../../src/projections/runner.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { enrolBpu, lapse, nik } from '../support/events.ts';
import { query, toEvents, worker } from '../support/random-history.ts';

// An as-of cut reads the vintages recorded in the months before its own
// (Asia/Jakarta) month, plus the rows recorded since that month began, up to
// the instant. Random histories are recorded over several months (an
// in-process clock; in production recorded time is the database's), and cut
// at random instants: on a batch's recorded time, a millisecond either side,
// and on month boundaries. Every cut must answer exactly as a replay of the
// log up to the last event recorded at or before it.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Gaps between two batches' recorded times; 0 = to the next Asia/Jakarta month boundary exactly. */
const gap = fc.constantFrom(1, 60_000, 5 * HOUR, 3 * DAY, 20 * DAY, 45 * DAY, 0);
const nextMonthStart = (t: number) => {
  const { month } = jakartaMonth(new Date(t));
  const [y, m] = month.split('-').map(Number);
  return Date.parse(`${m === 12 ? y + 1 : y}-${String((m % 12) + 1).padStart(2, '0')}-01T00:00:00+07:00`);
};
const answer = ({ series, rows }: CoverageSeries) => ({ series, rows });
/** A public answer (disclosure control at K = 3, its tables read at the cut too), or the error refusing it. */
const publicAnswer = (q: CoverageQuery, cube?: Cube) => seriesFor(db, q, { cube, minCell: 3 }).then(answer, (e: Error) => e.message);

let db: TestDatabase;
let cube: Cube;
// recorded time only moves forward, across runs too (the log keeps every run's events)
let now = Date.parse('2024-12-31T16:59:59.990Z');
/** Cuts before the last event recorded: the cube places each (from its rows by recording day), none is left to SQL. */
let pastCuts = 0;
let runs = 0;
beforeAll(async () => {
  db = await freshDatabase();
  cube = new Cube(db);
});
afterAll(async () => {
  await db.dropDatabase();
});

describe('as-of cuts over monthly vintages', () => {
  it('answer exactly as a replay of the log up to the cut, across recorded months and at their boundaries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(worker, { minLength: 10, maxLength: 60 }),
        fc.array(gap, { minLength: 5, maxLength: 5 }),
        fc.array(fc.tuple(query, fc.nat(), fc.constantFrom(-1, 0, 1)), { minLength: 3, maxLength: 5 }),
        async (cmds, gaps, cuts) => {
          const events = toEvents(cmds);
          const recorded: number[] = [];
          for (let i = 0, b = 0; i < events.length; i += 5, b++) {
            const g = b === 0 ? 0 : gaps[b % gaps.length]; // each run begins a recorded month
            now = g === 0 ? nextMonthStart(now) : now + g;
            const at = now;
            await appendEvents(db, events.slice(i, i + 5), { atomic: false, clock: () => new Date(at) });
            recorded.push(at, nextMonthStart(at));
          }
          // the cube follows the batches as a server's does: in process (what its own projection hands it), or through read_model_changes
          await catchUp(db, runs++ % 2 ? { onChanges: (from, to, changes) => cube.follow(from, to, changes) } : {});
          recorded.push(now + 1); // just after the last append
          // (a batch's events may all be refused: the last one recorded is what the cube holds; the last
          // events may have moved no roll-up row: the last row recorded is what a cut must place)
          const [{ last }] = await db.query<{ last: Date }>('SELECT max(recorded_at) AS last FROM events');
          const [{ lastRow }] = await db.query<{ lastRow: Date | null }>(
            'SELECT greatest((SELECT max(rec) FROM coverage_recorded), (SELECT max(rec) FROM employer_recorded)) AS "lastRow"',
          );
          for (const [q, pick, shift] of cuts) {
            const asOf = new Date(recorded[pick % recorded.length] + shift);
            if (lastRow && asOf < lastRow) pastCuts++;
            const placed = cube.cuts;
            const cut = await coverageSeries(db, { ...q, asOf });
            const replayed = await withReplay(db, await positionAsOf(db, asOf), (sql) => coverageSeries(sql, q));
            expect(answer(cut), JSON.stringify({ ...q, asOf })).toEqual(answer(replayed));
            // a server's cube answers every cut: from what it holds (after the last append), or from its rows by recording day
            expect(answer(await coverageSeries(db, { ...q, asOf }, { cube })), JSON.stringify({ ...q, asOf })).toEqual(answer(replayed));
            // (between the last row and the last event, whether the cube places a cut depends on how it came to hold them: the answer is the same)
            if (lastRow && asOf < lastRow) expect(cube.cuts - placed).toBe(1);
            else if (asOf >= last) expect(cube.cuts - placed).toBe(0);
            expect(await publicAnswer({ ...q, asOf }, cube), JSON.stringify({ ...q, asOf })).toEqual(await publicAnswer({ ...q, asOf }));
          }
        },
      ),
      { numRuns: 10 },
    );
    // the histories did span several recorded months
    const [{ n }] = await db.query<{ n: number }>("SELECT count(DISTINCT date_trunc('month', recorded_at AT TIME ZONE 'Asia/Jakarta'))::int AS n FROM events");
    expect(n).toBeGreaterThanOrEqual(5);
    // (each cut before the last recorded row was placed by the cube, above: there were such cuts)
    expect(pastCuts).toBeGreaterThan(5);
  });

  it('split one batch\'s day rows by the day they were recorded on, when the same cell and day were recorded on several days', async () => {
    // the cube has its rows by recording day before the batch, and follows it in process, as a server's own projection hands it over
    const cube = new Cube(db);
    await coverageSeries(db, { measure: 'ACTIVE_PARTICIPANTS', granularity: 'YEAR', from: '2016-01-01', to: '2016-12-31', asOf: new Date(now - 1) }, { cube });
    // one cell (regency 3375, BPU, self-paid) and one effective day, recorded on three days; the batch's first day is neither first nor last for every key
    const at = [now + 3 * HOUR, now + 2 * DAY, now + 2 * DAY + HOUR, now + 5 * DAY];
    now = at.at(-1)!;
    const days: [number, Parameters<typeof appendEvents>[1]][] = [
      [at[0], [enrolBpu(nik(9001), '2016-03-03')]],
      [at[1], [enrolBpu(nik(9002), '2016-03-03'), enrolBpu(nik(9003), '2016-03-09')]],
      [at[2], [lapse(nik(9001), '2016-03-03')]],
      [at[3], [enrolBpu(nik(9004), '2016-03-03'), lapse(nik(9003), '2016-03-09')]],
    ];
    for (const [t, events] of days) await appendEvents(db, events, { atomic: true, clock: () => new Date(t) });
    await catchUp(db, { onChanges: (from, to, changes) => cube.follow(from, to, changes) });
    const cuts = cube.cuts;
    for (const t of [at[0] - 1, at[0], at[1] - 1, at[1], at[2], at[2] + 1, at[3] - 1, at[3], at[3] + 1]) {
      const asOf = new Date(t);
      const queries: CoverageQuery[] = [
        { measure: 'ACTIVE_PARTICIPANTS', granularity: 'DAY', from: '2016-03-01', to: '2016-03-10', filter: { regionCodes: ['3375'] } },
        { measure: 'NEW_ENROLMENTS', granularity: 'MONTH', from: '2016-01-01', to: '2016-06-30', groupBy: ['REGENCY', 'SEGMENT'] },
      ];
      for (const q of queries) {
        const replayed = await withReplay(db, await positionAsOf(db, asOf), (sql) => coverageSeries(sql, q));
        expect(answer(await coverageSeries(db, { ...q, asOf }, { cube })), JSON.stringify({ ...q, asOf })).toEqual(answer(replayed));
        expect(answer(await coverageSeries(db, { ...q, asOf })), JSON.stringify({ ...q, asOf })).toEqual(answer(replayed));
        expect(await publicAnswer({ ...q, asOf }, cube), JSON.stringify({ ...q, asOf })).toEqual(await publicAnswer({ ...q, asOf }));
      }
    }
    // as known now too (the batch's rows summed over their recording days)
    const q: CoverageQuery = { measure: 'ACTIVE_PARTICIPANTS', granularity: 'DAY', from: '2016-03-01', to: '2016-03-10', filter: { regionCodes: ['3375'] } };
    expect(answer(await coverageSeries(db, q, { cube }))).toEqual(answer(await coverageSeries(db, q)));
    // the cube placed every cut before the last append (7 instants x 2 queries, and again for the public answers: 4 tables each)
    expect(cube.cuts - cuts).toBeGreaterThan(14);
  });

  it("give a group its earliest day over all of its cells recorded on the same day, whichever cell the cube met first, and a few cells' rows in recording-day order", async () => {
    const cube = new Cube(db);
    await coverageSeries(db, { measure: 'ACTIVE_PARTICIPANTS', granularity: 'YEAR', from: '2016-01-01', to: '2016-12-31', asOf: new Date(now - 1) }, { cube });
    // two provinces no other test writes to, two regencies each, one instant: in one the later day comes first, in the other the earlier
    const at = [now + HOUR, now + 3 * DAY];
    now = at[1];
    await appendEvents(
      db,
      [
        enrolBpu(nik(9101, '5171'), '2017-03-20', '5171'),
        enrolBpu(nik(9102, '5103'), '2017-03-05', '5103'),
        enrolBpu(nik(9103, '5271'), '2017-03-05', '5271'),
        enrolBpu(nik(9104, '5201'), '2017-03-20', '5201'),
      ],
      { atomic: true, clock: () => new Date(at[0]) },
    );
    // a later append, so that a cut between the two is in the past
    await appendEvents(db, [enrolBpu(nik(9105, '5171'), '2017-02-01', '5171'), enrolBpu(nik(9106, '5103'), '2017-02-01', '5103')], {
      atomic: true,
      clock: () => new Date(at[1]),
    });
    await catchUp(db, { onChanges: (from, to, changes) => cube.follow(from, to, changes) });
    const cuts = cube.cuts;
    const asOf = new Date(at[0] + 1);
    const q: CoverageQuery = { measure: 'ACTIVE_PARTICIPANTS', granularity: 'DAY', from: '2017-03-01', to: '2017-03-10', groupBy: ['PROVINCE'] };
    const replayed = await withReplay(db, await positionAsOf(db, asOf), (sql) => coverageSeries(sql, q));
    // (each province counts its worker enrolled on the 5th)
    for (const p of ['51', '52']) expect(replayed.rows.filter((r) => r.provinceCode === p && r.period === '2017-03-05').map((r) => r.value)).toEqual([1]);
    expect(answer(await coverageSeries(db, { ...q, asOf }, { cube }))).toEqual(answer(replayed));
    // one province: a few cells among many, each recorded on both days (their rows are put in recording-day order apart)
    const one: CoverageQuery = { ...q, groupBy: [], filter: { regionCodes: ['51'] } };
    const replayedOne = await withReplay(db, await positionAsOf(db, asOf), (sql) => coverageSeries(sql, one));
    expect(replayedOne.rows.map((r) => r.value)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect(answer(await coverageSeries(db, { ...one, asOf }, { cube }))).toEqual(answer(replayedOne));
    expect(cube.cuts - cuts).toBe(2);
  });
});
