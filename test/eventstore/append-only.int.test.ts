import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendEvents } from '../../src/eventstore/append.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { enrolBpu, nik } from '../support/events.ts';

let db: TestDatabase;
beforeEach(async () => {
  db = await freshDatabase();
  await appendEvents(db, [enrolBpu(nik(1), '2013-01-15')], { atomic: true });
});
afterEach(async () => {
  await db.dropDatabase();
});

describe('the events table', () => {
  it.each([
    ['UPDATE', "UPDATE events SET type = 'Tampered'"],
    ['DELETE', 'DELETE FROM events'],
    ['TRUNCATE', 'TRUNCATE events'],
  ])('refuses a raw %s in the database itself', async (op, sql) => {
    await expect(db.query(sql)).rejects.toThrow(`events is append-only: ${op} refused`);
    const rows = await db.query<{ type: string }>('SELECT type FROM events');
    expect(rows).toEqual([{ type: 'WorkerEnrolled' }]);
  });
});
