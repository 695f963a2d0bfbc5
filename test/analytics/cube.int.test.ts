import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coverageSeries, type CoverageQuery } from '../../src/analytics/coverage-series.ts';
import { Cube } from '../../src/analytics/cube.ts';
import { appendEvents } from '../../src/eventstore/append.ts';
import { catchUp, rebuild } from '../../src/projections/runner.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { ev, nik } from '../support/events.ts';
import { query, toEvents, worker } from '../support/random-history.ts';

// The in-memory cube answers "as known now" series; SQL over the roll-ups is
// the reference. Random histories (enrolments in several regencies, segments
// and sponsors, backdated lapses, program changes, retractions, employers and
// licences) arrive in batches; after each, random queries must give exactly
// the SQL answer, with the cube following the batches (no reload) and again
// after a reload.

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

    // changes in a format this version does not know (another version's projector) are not applied: the cube reloads
    await appendEvents(db, [ev('WorkerEnrolled', '2016-06-06', { nik: nik(98, '1101'), segment: 'BPU', programs: ['JKK', 'JKM'], regionCode: '1101', sponsor: 'SELF' })], { atomic: true });
    await catchUp(db);
    const stripped = await db.query("UPDATE read_model_changes SET changes = substr(changes, strpos(changes, E'\\n') + 1) WHERE changes LIKE 'cakupan-changes %' RETURNING to_position");
    expect(stripped).toHaveLength(1); // (the table was emptied above: this batch's row alone)
    expect(await coverageSeries(db, q, { cube })).toEqual(await coverageSeries(db, q));
    expect(cube.reloads).toBe(3);
  });

  it('keeps checking, once told a position the read models will reach, until it holds it (a replica replaying behind the primary)', async () => {
    const cube = new Cube(db);
    cube.watch();
    const q: CoverageQuery = { measure: 'ACTIVE_PARTICIPANTS', granularity: 'YEAR', from: '2012-01-01', to: '2026-12-31' };
    const before = await coverageSeries(db, q, { cube });
    const at = cube.position!;
    await appendEvents(db, [ev('WorkerEnrolled', '2017-07-07', { nik: nik(97, '1101'), segment: 'BPU', programs: ['JKK', 'JKM'], regionCode: '1101', sponsor: 'SELF' })], { atomic: true });
    // the primary's notice arrives before the replica has replayed the batch: the check finds the old position
    cube.expect(at + 1);
    expect(await coverageSeries(db, q, { cube })).toEqual(before);
    expect(cube.position).toBe(at);
    // the batch reaches the read models with no further notice: the next answer has it
    await catchUp(db);
    const after = await coverageSeries(db, q, { cube });
    expect(cube.position).toBe(at + 1);
    expect(after).toEqual(await coverageSeries(db, q));
    expect(after).not.toEqual(before);
    // once it holds the position, answers stop checking until the next notice
    await appendEvents(db, [ev('WorkerEnrolled', '2017-08-08', { nik: nik(96, '1101'), segment: 'BPU', programs: ['JKK', 'JKM'], regionCode: '1101', sponsor: 'SELF' })], { atomic: true });
    await catchUp(db);
    expect(await coverageSeries(db, q, { cube })).toEqual(after);
    cube.invalidate();
    expect(await coverageSeries(db, q, { cube })).toEqual(await coverageSeries(db, q));
    expect(cube.position).toBe(at + 2);
  });
});
