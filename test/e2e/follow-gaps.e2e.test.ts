import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { openPostgres, type Database } from '../../src/db/database.ts';
import { appendEvents } from '../../src/eventstore/append.ts';
import { withReplay } from '../../src/projections/replay.ts';
import { digests } from '../../src/projections/runner.ts';
import { createPgDatabase } from '../support/database.ts';
import { enrolBpu, nik } from '../support/events.ts';
import { httpQuery, startServer } from '../support/server.ts';

// Gap safety of following the log: while a real server projects whatever is
// appended, four writers append concurrently, one of them through
// deliberately slow transactions (it holds its inserted rows uncommitted for
// a while, with later writers waiting). Nothing may be skipped or counted
// twice: the server's figures count every worker once, and its incrementally
// built read models equal a rebuild of the final log.

const REGENCIES = ['3375', '1771', '3171', '1101'];
const BATCHES = 12;
const PER_BATCH = 5;

/** The same database, but every transaction waits `ms` after its work before it commits. */
function slowCommits(db: Database, ms: number): Database {
  return {
    ...db,
    transaction: (fn) =>
      db.transaction(async (tx) => {
        const r = await fn(tx);
        await tx.query('SELECT pg_sleep($1)', [ms / 1000]);
        return r;
      }),
  };
}

describe('following the log while several writers append', () => {
  it('skips nothing and counts nothing twice, with a slow transaction among the appends', async () => {
    const target = await createPgDatabase();
    const env = { ...process.env, DATABASE_URL: target.url, CAKUPAN_PSEUDONYM_SECRET: 'e2e-secret-0123456789', CAKUPAN_LOG_FORMAT: 'json', CAKUPAN_FOLLOW_POLL_MS: '100' };
    const server = await startServer([], env);
    const config = loadConfig(env);
    expect(config.databaseUrl).toBe(target.url);
    const writers = await Promise.all(REGENCIES.map(() => openPostgres(target.url, 2)));
    try {
      await Promise.all(
        writers.map(async (db, w) => {
          const writer = w === 0 ? slowCommits(db, 300) : db;
          for (let b = 0; b < BATCHES; b++) {
            const events = Array.from({ length: PER_BATCH }, (_, i) => enrolBpu(nik(1 + b * PER_BATCH + i, REGENCIES[w]), '2014-01-15', REGENCIES[w]));
            const r = await appendEvents(writer, events, { atomic: true });
            expect(r.committed).toBe(true);
          }
        }),
      );
      const total = REGENCIES.length * BATCHES * PER_BATCH;
      const head = (await writers[1].query<{ p: number }>('SELECT max(position) AS p FROM events'))[0].p;
      expect(head).toBe(total);

      // the server catches up with everything, whoever appended it
      const q = `{ dataAsOf { position } coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: MONTH, from: "2014-01-01", to: "2014-01-31", groupBy: [PROVINCE]) { position rows { provinceCode value } } }`;
      type Answer = { dataAsOf: { position: number }; coverageSeries: { position: number; rows: { provinceCode: string; value: number }[] } };
      let answer: Answer | undefined;
      for (const end = Date.now() + 15_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
        answer = await httpQuery<Answer>(server.url, q);
        if (answer.coverageSeries.position === head) break;
      }
      expect(answer!.dataAsOf.position).toBe(head);
      expect(answer!.coverageSeries.position).toBe(head);
      expect(answer!.coverageSeries.rows).toEqual(REGENCIES.map((r) => ({ provinceCode: r.slice(0, 2), value: BATCHES * PER_BATCH })).sort((a, b) => a.provinceCode.localeCompare(b.provinceCode)));

      // and what it built batch by batch is what a rebuild of the final log gives
      const live = await digests(writers[1]);
      expect(await withReplay(writers[1], head, async (_sql, d) => d)).toEqual(live);
    } finally {
      await server.stop();
      for (const w of writers) await w.close();
      await target.drop();
    }
  });
});
