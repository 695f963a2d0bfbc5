import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendEvents } from '../../src/eventstore/append.ts';
import { AppendPipeline } from '../../src/eventstore/pipeline.ts';
import { verifyChain } from '../../src/eventstore/verify.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { employer, enrolBpu, enrolPu, ev, lapse, nik } from '../support/events.ts';

let db: TestDatabase;
beforeEach(async () => {
  db = await freshDatabase();
});
afterEach(async () => {
  await db.dropDatabase();
});

const count = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events'))[0].n;

describe('empty log', () => {
  it('assigns gap-free positions and per-stream versions', async () => {
    const r = await appendEvents(db, [employer('17081342'), enrolPu(nik(1), '17081342', '2013-01-15'), lapse(nik(1), '2013-05-01')], { atomic: true });
    expect(r.outcomes.map((o) => o.status === 'appended' && [o.position, o.streamVersion])).toEqual([[1, 1], [2, 1], [3, 2]]);
    const rows = await db.query<{ position: number; stream_version: number; region_code: string }>(
      'SELECT position, stream_version, region_code FROM events ORDER BY position',
    );
    expect(rows).toEqual([
      { position: 1, stream_version: 1, region_code: '3375' },
      { position: 2, stream_version: 1, region_code: '3375' },
      { position: 3, stream_version: 2, region_code: '3375' },
    ]);
  });

  it('records effective date and a recorded time set by the store', async () => {
    const before = Date.now();
    await appendEvents(db, [enrolBpu(nik(1), '2013-01-15')], { atomic: true });
    const [row] = await db.query<{ effective_on: string; recorded_at: Date; schema_version: number }>('SELECT effective_on, recorded_at, schema_version FROM events');
    expect(row.effective_on).toBe('2013-01-15');
    expect(row.schema_version).toBe(1);
    expect(new Date(row.recorded_at).getTime()).toBeGreaterThanOrEqual(before - 1000);
  });
});

describe('log with events', () => {
  it('treats a re-appended eventId as a no-op returning the stored position', async () => {
    const e = enrolBpu(nik(1), '2013-01-15');
    await appendEvents(db, [e], { atomic: true });
    const again = await appendEvents(db, [e], { atomic: true });
    expect(again.outcomes).toEqual([{ status: 'duplicate', index: 0, eventId: e.eventId, position: 1, streamId: e.streamId }]);
    expect(await count()).toBe(1);
  });

  it('rejects a wrong expected version with CONCURRENCY and writes nothing', async () => {
    await appendEvents(db, [enrolBpu(nik(1), '2013-01-15')], { atomic: true });
    const r = await appendEvents(db, [employer('17081342'), lapse(nik(1), '2013-02-01')].map((e, i) => (i ? { ...e, expectedVersion: 'NO_STREAM' as const } : e)), { atomic: true });
    expect(r.committed).toBe(false);
    expect(r.outcomes[1]).toMatchObject({ status: 'rejected', error: { code: 'CONCURRENCY', message: expect.stringMatching(/is at version 1, expected NO_STREAM/) } });
    expect(await count()).toBe(1);
  });

  it('accepts the right expected version', async () => {
    await appendEvents(db, [enrolBpu(nik(1), '2013-01-15')], { atomic: true });
    const r = await appendEvents(db, [{ ...lapse(nik(1), '2013-02-01'), expectedVersion: 1 }], { atomic: true });
    expect(r.outcomes[0]).toMatchObject({ status: 'appended', position: 2, streamVersion: 2 });
  });

  it('in an atomic batch, one domain-rule violation writes nothing', async () => {
    const r = await appendEvents(db, [enrolBpu(nik(1), '2013-01-15'), lapse(nik(2), '2013-02-01')], { atomic: true });
    expect(r.committed).toBe(false);
    expect(r.outcomes[1]).toMatchObject({ status: 'rejected', error: { code: 'DOMAIN_RULE' } });
    expect(await count()).toBe(0);
  });

  it('in an import batch, appends the valid events and reports the others', async () => {
    const r = await appendEvents(db, [enrolBpu(nik(1), '2013-01-15'), lapse(nik(2), '2013-02-01'), lapse(nik(1), '2013-03-01')], { atomic: false });
    expect(r.outcomes.map((o) => o.status)).toEqual(['appended', 'rejected', 'appended']);
    expect(await count()).toBe(2);
  });

  it('takes an event id given twice in one batch as the log would: a duplicate with the same payload, a CONFLICT with another', async () => {
    // Two different events under one id (a source system's bug): the first is appended, the second refused as a conflict.
    const twice = () => {
      const first = enrolBpu(nik(1), '2013-01-15');
      return [first, { ...enrolBpu(nik(2), '2013-01-15'), eventId: first.eventId }, { ...first }];
    };
    const atomic = await appendEvents(db, twice(), { atomic: true });
    expect(atomic.committed).toBe(false);
    expect(atomic.outcomes[1]).toMatchObject({ status: 'rejected', error: { code: 'CONFLICT', message: 'eventId: is in the log at position 1 with a different payload' } });
    expect(atomic.outcomes[2]).toMatchObject({ status: 'duplicate', position: 1 });
    const r = await new AppendPipeline(db).append([employer('17081342'), ...twice()]);
    expect(r.outcomes.map((o) => (o.status === 'rejected' ? o.error.message : o.status))).toEqual([
      'appended',
      'appended',
      'eventId: is in the log at position 2 with a different payload',
      'duplicate',
    ]);
    expect(await db.query('SELECT stream_id FROM events WHERE position > 1')).toHaveLength(1);
    // a CONFLICT is not a decision on the id: nothing recorded
    expect(await db.query('SELECT * FROM event_rejections')).toEqual([]);
  });

  it('serialises concurrent appends: positions stay gap-free and unique', async () => {
    const batches = Array.from({ length: 8 }, (_, b) => Array.from({ length: 25 }, (_, i) => enrolBpu(nik(b * 100 + i + 1), '2013-01-15')));
    await Promise.all(batches.map((batch) => appendEvents(db, batch, { atomic: true })));
    const rows = await db.query<{ position: number }>('SELECT position FROM events ORDER BY position');
    expect(rows.map((r) => r.position)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });
});

describe('retraction', () => {
  it('files under the retracted event stream and lets the worker enrol again', async () => {
    const enrolled = enrolBpu(nik(1), '2013-01-15');
    await appendEvents(db, [enrolled], { atomic: true });
    const retraction = ev('EventRetracted', '2013-02-01', { eventId: enrolled.eventId, reason: 'wrong person' });
    const r = await appendEvents(db, [retraction, enrolBpu(nik(1), '2013-02-01')], { atomic: true });
    expect(r.outcomes.map((o) => o.status === 'appended' && [o.streamId, o.streamVersion])).toEqual([
      [enrolled.streamId, 2],
      [enrolled.streamId, 3],
    ]);
  });

  it('decides retractions anywhere in a long batch, against the log and against the batch before them', async () => {
    const first = enrolBpu(nik(1), '2013-01-15');
    await appendEvents(db, [first], { atomic: true });
    // Past the first few hundred events, so the stream history is read between runs of the decider.
    const fillers = Array.from({ length: 700 }, (_, i) => enrolBpu(nik(i + 2), '2013-01-20'));
    const second = enrolBpu(nik(800), '2013-01-20');
    const r = await appendEvents(
      db,
      [
        ...fillers,
        ev('EventRetracted', '2013-02-01', { eventId: first.eventId, reason: 'wrong person' }),
        enrolBpu(nik(1), '2013-02-01'),
        second,
        ev('EventRetracted', '2013-02-02', { eventId: second.eventId, reason: 'duplicate' }),
        ev('EventRetracted', '2013-02-03', { eventId: second.eventId, reason: 'again' }),
      ],
      { atomic: false },
    );
    expect(r.outcomes.slice(700).map((o) => (o.status === 'rejected' ? o.error.message : o.status === 'appended' && [o.streamId, o.streamVersion]))).toEqual([
      [first.streamId, 2],
      [first.streamId, 3],
      [second.streamId, 1],
      [second.streamId, 2],
      `data.eventId: event ${second.eventId} is already retracted`,
    ]);
    expect(await verifyChain(db)).toMatchObject({ ok: true, checkedEvents: 705 });
  });

  it('rejects retracting an unknown or already retracted event', async () => {
    const enrolled = enrolBpu(nik(1), '2013-01-15');
    await appendEvents(db, [enrolled, ev('EventRetracted', '2013-02-01', { eventId: enrolled.eventId, reason: 'x' })], { atomic: true });
    const r = await appendEvents(
      db,
      [ev('EventRetracted', '2013-03-01', { eventId: enrolled.eventId, reason: 'again' }), ev('EventRetracted', '2013-03-01', { eventId: '00000000-0000-4000-8000-000000000000', reason: 'x' })],
      { atomic: false },
    );
    expect(r.outcomes.map((o) => o.status === 'rejected' && o.error.message)).toEqual([
      `data.eventId: event ${enrolled.eventId} is already retracted`,
      'data.eventId: no event 00000000-0000-4000-8000-000000000000 in the log',
    ]);
  });
});

// Each writer keeps the stream states it folded in a cache tied to its
// Database handle; a copy of the handle is a second writer with its own cache
// over the same log, as another process or a restarted one would be.
describe('writers whose cached stream states are missing or stale', () => {
  const statuses = (r: Awaited<ReturnType<typeof appendEvents>>) => r.outcomes.map((o) => (o.status === 'rejected' ? o.error.message : o.status));

  it('decides against the log for streams a fresh writer has not seen', async () => {
    const enrolled = enrolPu(nik(1), '17081342', '2013-01-15');
    await appendEvents(db, [employer('17081342'), enrolled, enrolBpu(nik(2), '2013-01-15')], { atomic: true });
    const fresh = { ...db };
    // A lapse needs the enrolment; a second enrolment must see the first; the employer must be found.
    expect(statuses(await appendEvents(fresh, [lapse(nik(1), '2013-03-01')], { atomic: false }))).toEqual(['appended']);
    expect(statuses(await appendEvents({ ...db }, [enrolBpu(nik(2), '2013-04-01')], { atomic: false }))).toEqual([
      'data.nik: worker already has an active enrolment since 2013-01-15',
    ]);
    expect(statuses(await appendEvents({ ...db }, [enrolPu(nik(3), '17081342', '2013-04-01')], { atomic: false }))).toEqual(['appended']);
    // Re-sending an event another writer appended is a duplicate, not a rejection.
    const again = await appendEvents({ ...db }, [enrolled], { atomic: false });
    expect(again.outcomes).toEqual([{ status: 'duplicate', index: 0, eventId: enrolled.eventId, position: 2, streamId: enrolled.streamId }]);
    const versions = await db.query<{ stream_id: string; v: number }>('SELECT stream_id, max(stream_version)::int AS v FROM events GROUP BY stream_id ORDER BY v DESC, stream_id');
    expect(versions[0]).toEqual({ stream_id: enrolled.streamId, v: 2 });
    expect(await count()).toBe(5);
  });

  it('drops what another writer changed since its last append', async () => {
    const other = { ...db };
    await appendEvents(db, [enrolBpu(nik(1), '2013-01-15')], { atomic: true });
    await appendEvents(other, [lapse(nik(1), '2013-03-01')], { atomic: true });
    // This writer cached nik 1 as active; the other writer's lapse must count.
    expect(statuses(await appendEvents(db, [lapse(nik(1), '2013-04-01')], { atomic: false }))).toEqual(['data.nik: worker has no active enrolment to lapse']);
    const r = await appendEvents(db, [enrolBpu(nik(1), '2013-05-01')], { atomic: true });
    expect(r.outcomes[0]).toMatchObject({ status: 'appended', position: 3, streamVersion: 3 });
  });
});

describe('the import pipeline (each batch decided while the previous one is written)', () => {
  it('gives the outcomes of appending batch by batch', async () => {
    const pipeline = new AppendPipeline(db);
    const results = await Promise.all([
      pipeline.append([employer('17081342'), enrolPu(nik(1), '17081342', '2013-01-15')]),
      pipeline.append([lapse(nik(1), '2013-03-01'), enrolBpu(nik(2), '2013-03-01')]),
      pipeline.append([lapse(nik(1), '2013-04-01'), enrolPu(nik(1), '17081342', '2013-05-01')]),
    ]);
    expect(results.map((r) => r.outcomes.map((o) => (o.status === 'rejected' ? o.error.message : [o.status, o.position])))).toEqual([
      [['appended', 1], ['appended', 2]],
      [['appended', 3], ['appended', 4]],
      ['data.nik: worker has no active enrolment to lapse', ['appended', 5]],
    ]);
    expect(await verifyChain(db)).toMatchObject({ ok: true, checkedEvents: 5 });
  });

  it('writes nothing after a batch whose write failed', async () => {
    // A real failure inside the database, after the batch was decided: a trigger refusing one stream.
    await db.exec(`CREATE FUNCTION refuse_test_stream() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.stream_id = 'employer-99999999' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_test_stream BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_test_stream();`);
    const pipeline = new AppendPipeline(db);
    const results = await Promise.allSettled([
      pipeline.append([employer('17081342')]),
      pipeline.append([employer('99999999')]),
      pipeline.append([enrolPu(nik(1), '17081342', '2013-01-15')]),
      pipeline.append([enrolBpu(nik(2), '2013-01-15')]),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? 'written' : (r.reason as Error).message))).toEqual([
      'written',
      'refused by the test',
      'not written: an earlier batch failed (refused by the test)',
      'not written: an earlier batch failed (refused by the test)',
    ]);
    expect(await db.query('SELECT stream_id FROM events ORDER BY position')).toEqual([{ stream_id: 'employer-17081342' }]);
  });

  it("never lets an append in the same process see the states of batches it has not written yet", async () => {
    // Batches decided ahead keep their states in the cache shared with appendEvents (the API's appends).
    // Whatever the interleaving, each lapse is decided against the log: appended only after its enrolment is.
    const pipeline = new AppendPipeline(db);
    const pending: Promise<unknown>[] = [];
    const lapses: Promise<Awaited<ReturnType<typeof appendEvents>>>[] = [];
    for (let i = 1; i <= 12; i++) {
      pending.push(pipeline.append([enrolBpu(nik(i), '2013-01-15'), enrolBpu(nik(100 + i), '2013-01-15')]));
      if (i % 2) await Promise.resolve();
      lapses.push(appendEvents(db, [lapse(nik(i), '2013-03-01')], { atomic: true }));
    }
    await Promise.all(pending);
    const outcomes = (await Promise.all(lapses)).map((r) => r.outcomes[0]);
    const rows = await db.query<{ stream_id: string; stream_version: number; type: string }>('SELECT stream_id, stream_version, type FROM events ORDER BY position');
    // Stream versions follow log order, from 1 without gaps; no lapse before its enrolment.
    const seen = new Map<string, number>();
    for (const r of rows) {
      expect(r.stream_version).toBe((seen.get(r.stream_id) ?? 0) + 1);
      seen.set(r.stream_id, r.stream_version);
      if (r.type === 'WorkerLapsed') expect(r.stream_version).toBe(2);
    }
    expect(rows.filter((r) => r.type === 'WorkerLapsed').length).toBe(outcomes.filter((o) => o.status === 'appended').length);
    expect(await verifyChain(db)).toMatchObject({ ok: true });
    // Every worker is now enrolled: a lapse of each that was refused goes in, against the log.
    const again = await appendEvents(db, outcomes.flatMap((o, i) => (o.status === 'rejected' ? [lapse(nik(i + 1), '2013-03-02')] : [])), { atomic: true });
    expect(again.committed).toBe(true);
    expect(await count()).toBe(36);
  });

  it('decides again against the log when another writer appended in between', async () => {
    const pipeline = new AppendPipeline(db);
    await pipeline.append([enrolBpu(nik(1), '2013-01-15')]);
    // The pipeline still takes nik 1 to be active; another writer lapses it.
    await appendEvents({ ...db }, [lapse(nik(1), '2013-03-01')], { atomic: true });
    const r = await pipeline.append([lapse(nik(1), '2013-04-01'), enrolBpu(nik(2), '2013-04-01')]);
    expect(r.outcomes.map((o) => (o.status === 'rejected' ? o.error.message : [o.status, o.position]))).toEqual([
      'data.nik: worker has no active enrolment to lapse',
      ['appended', 3],
    ]);
    expect(await verifyChain(db)).toMatchObject({ ok: true, checkedEvents: 3 });
  });
});

describe("an event id's outcome is final", () => {
  const rejections = () => db.query<{ event_id: string; code: string; issues: unknown; head_position: number }>('SELECT event_id::text, code, issues, head_position FROM event_rejections ORDER BY seq');

  it('refuses an id in the log sent again with another payload (CONFLICT naming the position), and takes the same payload as a DUPLICATE', async () => {
    const e = enrolBpu(nik(1), '2013-01-15');
    await appendEvents(db, [e], { atomic: true });
    const changed = await appendEvents(db, [{ ...enrolBpu(nik(1), '2013-02-15'), eventId: e.eventId }], { atomic: false });
    expect(changed.outcomes[0]).toMatchObject({ status: 'rejected', error: { code: 'CONFLICT', issues: [{ field: 'eventId', reason: 'is in the log at position 1 with a different payload' }] } });
    const same = await new AppendPipeline(db).append([{ ...e }]);
    expect(same.outcomes[0]).toMatchObject({ status: 'duplicate', position: 1 });
    expect(await count()).toBe(1);
    expect(await rejections()).toEqual([]);
  });

  it('records a rejection against the log and reports it again, unchanged, until it is retried', async () => {
    const early = lapse(nik(1), '2013-01-10');
    const first = await appendEvents(db, [early], { atomic: false });
    expect(first.outcomes[0]).toMatchObject({ status: 'rejected', error: { code: 'DOMAIN_RULE' } });
    expect(first.outcomes[0]).not.toHaveProperty('decidedAt');
    expect(await rejections()).toEqual([{ event_id: early.eventId, code: 'DOMAIN_RULE', issues: (first.outcomes[0] as { error: { issues: unknown } }).error.issues, head_position: 0 }]);

    // the worker enrols later: the lapse would now be valid, but its id was decided
    await appendEvents(db, [enrolBpu(nik(1), '2013-01-05')], { atomic: true });
    for (const again of [await appendEvents(db, [{ ...early }], { atomic: false }), await new AppendPipeline(db).append([{ ...early }])]) {
      expect(again.outcomes[0]).toMatchObject({ status: 'rejected', error: { code: 'DOMAIN_RULE', issues: (first.outcomes[0] as { error: { issues: unknown } }).error.issues } });
      expect((again.outcomes[0] as { decidedAt?: Date }).decidedAt).toBeInstanceOf(Date);
    }
    expect(await count()).toBe(1);
    expect(await rejections()).toHaveLength(1);

    // another payload under the rejected id is a conflict, naming the rejection
    const other = await appendEvents(db, [{ ...lapse(nik(1), '2013-03-01'), eventId: early.eventId }], { atomic: false });
    expect(other.outcomes[0]).toMatchObject({ status: 'rejected', error: { code: 'CONFLICT', message: expect.stringMatching(/^eventId: was rejected \(DOMAIN_RULE\) at \d{4}-.*with a different payload/) } });

    // retried explicitly: decided against the current log
    const retried = await new AppendPipeline(db, { retryRejected: true }).append([{ ...early }]);
    expect(retried.outcomes[0]).toMatchObject({ status: 'appended', position: 2 });
    const after = await appendEvents(db, [{ ...early }], { atomic: false });
    expect(after.outcomes[0]).toMatchObject({ status: 'duplicate', position: 2 });
  });

  it('records nothing for a refused atomic batch or a wrong expected version', async () => {
    const early = lapse(nik(1), '2013-01-10');
    const atomic = await appendEvents(db, [enrolBpu(nik(2), '2013-01-05'), early], { atomic: true });
    expect(atomic.committed).toBe(false);
    const stale = await appendEvents(db, [{ ...enrolBpu(nik(3), '2013-01-05'), expectedVersion: 4 }], { atomic: false });
    expect(stale.outcomes[0]).toMatchObject({ status: 'rejected', error: { code: 'CONCURRENCY' } });
    expect(await rejections()).toEqual([]);
    // so the same lapse, once its worker is enrolled, is decided afresh
    await appendEvents(db, [enrolBpu(nik(1), '2013-01-05')], { atomic: true });
    expect((await appendEvents(db, [{ ...early }], { atomic: true })).outcomes[0]).toMatchObject({ status: 'appended' });
  });

  it('keeps event_rejections append-only in the database itself', async () => {
    await appendEvents(db, [lapse(nik(1), '2013-01-10')], { atomic: false });
    await expect(db.query("UPDATE event_rejections SET code = 'X'")).rejects.toThrow(/event_rejections is append-only: UPDATE refused/);
    await expect(db.query('DELETE FROM event_rejections')).rejects.toThrow(/append-only: DELETE refused/);
    await expect(db.query('TRUNCATE event_rejections')).rejects.toThrow(/append-only: TRUNCATE refused/);
  });
});
