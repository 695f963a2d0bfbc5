import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendEvents } from '../../src/eventstore/append.ts';
import { verifyChain } from '../../src/eventstore/verify.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { employer, enrolBpu, enrolPu, lapse, nik } from '../support/events.ts';

let db: TestDatabase;
beforeEach(async () => {
  db = await freshDatabase();
  await appendEvents(db, [employer('17081342'), enrolPu(nik(1), '17081342', '2013-01-15'), enrolBpu(nik(2), '2013-02-01')], { atomic: true });
  await appendEvents(db, [lapse(nik(1), '2013-05-01'), enrolBpu(nik(3), '2013-06-01')], { atomic: true });
});
afterEach(async () => {
  await db.dropDatabase();
});

describe('an untouched log', () => {
  it('verifies over the whole chain and over a range', async () => {
    expect(await verifyChain(db)).toMatchObject({ ok: true, checkedEvents: 5, firstBadPosition: null, headPosition: 5 });
    expect(await verifyChain(db, 3, 4)).toMatchObject({ ok: true, checkedEvents: 2 });
  });
});

describe('a log tampered with through a privileged connection', () => {
  it('pinpoints the altered position', async () => {
    // the owner can switch the append-only trigger off; the hash chain still tells
    await db.exec(`ALTER TABLE events DISABLE TRIGGER events_append_only;
      UPDATE events SET data = jsonb_set(data, '{segment}', '"PMI"') WHERE position = 3;
      ALTER TABLE events ENABLE TRIGGER events_append_only;`);
    expect(await verifyChain(db)).toMatchObject({ ok: false, checkedEvents: 2, firstBadPosition: 3, reason: expect.stringMatching(/does not match/) });
    expect(await verifyChain(db, 4)).toMatchObject({ ok: true, checkedEvents: 2 }); // later links are intact on their own
  });

  it('reports a deleted event as a missing position', async () => {
    await db.exec(`ALTER TABLE events DISABLE TRIGGER events_append_only; DELETE FROM events WHERE position = 2; ALTER TABLE events ENABLE TRIGGER events_append_only;`);
    expect(await verifyChain(db)).toMatchObject({ ok: false, firstBadPosition: 2, reason: 'position 2 is missing' });
  });
});
