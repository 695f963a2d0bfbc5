import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coverageSeries } from '../../src/analytics/coverage-series.ts';
import { appendEvents, type AppendInput } from '../../src/eventstore/append.ts';
import { readLog } from '../../src/projections/log-event.ts';
import { workerMovements } from '../../src/projections/movements.ts';
import { withReplay } from '../../src/projections/replay.ts';
import { catchUp, digests, rebuild } from '../../src/projections/runner.ts';
import { freshDatabase } from '../support/database.ts';
import { ev, nik } from '../support/events.ts';

// Random histories of a few workers: enrolments, lapses (often backdated
// relative to other workers' facts), program changes and retractions, appended
// in random batches with the read models caught up after each one.
const command = fc.record({
  kind: fc.constantFrom('enrol', 'enrol', 'lapse', 'programs', 'retract'),
  worker: fc.integer({ min: 1, max: 5 }),
  gapDays: fc.integer({ min: 0, max: 200 }),
  segment: fc.constantFrom('BPU', 'PMI'),
  jht: fc.boolean(),
  target: fc.nat(),
});

type Command = typeof command extends fc.Arbitrary<infer T> ? T : never;

function toEvents(cmds: Command[]) {
  const last = new Map<number, number>();
  const byWorker = new Map<number, AppendInput[]>();
  return cmds.map((c) => {
    const day = (last.get(c.worker) ?? 0) + c.gapDays;
    last.set(c.worker, day);
    const on = new Date(Date.UTC(2013, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
    const n = nik(c.worker);
    const programs = c.jht ? ['JKK', 'JKM', 'JHT'] : ['JKK', 'JKM'];
    let e: AppendInput;
    if (c.kind === 'enrol') e = ev('WorkerEnrolled', on, { nik: n, segment: c.segment, programs, regionCode: c.worker % 2 ? '3375' : '1771', sponsor: 'SELF' });
    else if (c.kind === 'lapse') e = ev('WorkerLapsed', on, { nik: n, reason: 'NON_PAYMENT' });
    else if (c.kind === 'programs') e = ev('WorkerProgramsChanged', on, { nik: n, programs });
    else {
      const earlier = byWorker.get(c.worker) ?? [];
      e = ev('EventRetracted', on, { eventId: earlier.length ? earlier[c.target % earlier.length].eventId : '00000000-0000-4000-8000-000000000000', reason: 'test' });
    }
    byWorker.set(c.worker, [...(byWorker.get(c.worker) ?? []), e]);
    return e;
  });
}

describe('batch size', () => {
  it('is refused unless a positive integer, before a rebuild empties anything', async () => {
    const db = await freshDatabase();
    try {
      await appendEvents(db, [ev('WorkerEnrolled', '2014-01-15', { nik: nik(1), segment: 'BPU', programs: ['JKK', 'JKM'], regionCode: '3375', sponsor: 'SELF' })], { atomic: false });
      await catchUp(db);
      const before = await digests(db);
      for (const batchSize of [0, -1, 1.5, Number.NaN]) {
        await expect(rebuild(db, { batchSize })).rejects.toThrow(`batchSize: ${batchSize} is not a positive integer`);
        await expect(catchUp(db, { batchSize })).rejects.toThrow(`batchSize: ${batchSize} is not a positive integer`);
      }
      expect(await digests(db)).toEqual(before);
    } finally {
      await db.dropDatabase();
    }
  });
});

describe('read models over random histories', () => {
  it('equal a rebuild from position 0, and agree with a fold of the log', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 8 }), async (cmds, cuts) => {
        const db = await freshDatabase();
        try {
          const events = toEvents(cmds);
          for (let i = 0, k = 0; i < events.length; k++) {
            const size = cuts[k % cuts.length];
            await appendEvents(db, events.slice(i, i + size), { atomic: false });
            await catchUp(db);
            i += size;
          }
          const incremental = await digests(db);
          const query = { measure: 'ACTIVE_PARTICIPANTS' as const, granularity: 'QUARTER' as const, from: '2013-01-01', to: '2016-12-31', groupBy: ['PROVINCE' as const] };
          const before = await coverageSeries(db, query);

          // oracle: fold every worker stream of the log, as it stands now
          const log = await readLog(db, 0, 10_000);
          const streams = new Map<string, typeof log>();
          for (const e of log) streams.set(e.streamId, [...(streams.get(e.streamId) ?? []), e]);
          for (const p of before.rows) {
            let expected = 0;
            for (const history of streams.values()) {
              expected += workerMovements(history).filter((m) => m.program === '' && m.region.startsWith(p.provinceCode!) && m.eff <= p.periodEnd).reduce((s, m) => s + m.delta, 0);
            }
            expect(p.value, `${p.provinceCode} at ${p.periodEnd}`).toBe(expected);
          }

          const [{ head }] = await db.query<{ head: number | null }>('SELECT max(position) AS head FROM events');
          expect(await withReplay(db, head ?? 0, async (_sql, d) => d)).toEqual(incremental); // isolated replay
          await rebuild(db);
          expect(await digests(db)).toEqual(incremental);
          expect(await coverageSeries(db, query)).toEqual(before);
          // in batches of three (a batch after the first upserts into what the ones before it wrote)
          const ends: number[] = [];
          await rebuild(db, { batchSize: 3, onBatch: (p) => ends.push(p) });
          expect(await digests(db)).toEqual(incremental);
          expect(ends).toEqual(Array.from({ length: Math.floor((head ?? 0) / 3) + 1 }, (_, k) => Math.min(3 * (k + 1), head ?? 0)));
        } finally {
          await db.dropDatabase();
        }
      }),
      { numRuns: process.env.CAKUPAN_TEST_ENGINE === 'pglite' ? 12 : 30 },
    );
  });
});
