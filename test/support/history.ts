import type { Database } from '../../src/db/database.ts';
import { appendEvents, type AppendInput } from '../../src/eventstore/append.ts';
import { catchUp } from '../../src/projections/runner.ts';

/** Appends events (atomic) and brings the read models up to date; returns the recorded instant. */
export async function given(db: Database, events: AppendInput[]): Promise<Date> {
  const r = await appendEvents(db, events, { atomic: true });
  const rejected = r.outcomes.filter((o) => o.status === 'rejected');
  if (rejected.length) throw new Error(`test history rejected: ${rejected.map((o) => o.status === 'rejected' && o.error.message).join('; ')}`);
  await catchUp(db);
  const [{ at }] = await db.query<{ at: Date }>('SELECT max(recorded_at) AS at FROM events');
  await new Promise((resolve) => setTimeout(resolve, 5)); // the next batch is recorded strictly later
  return new Date(at);
}
