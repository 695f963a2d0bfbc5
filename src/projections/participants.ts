import type { Sql } from '../db/database.ts';
import type { LogEvent } from './log-event.ts';
import { readStream } from './log-event.ts';
import { fold, NO_WORKER, retractedIn, stepWorker, type Movement, type WorkerCell } from './movements.ts';
import { tableDigest, type Projection } from './projection.ts';
import { RollupWriter } from './rollup-writer.ts';

const MEASURES = ['enrolments', 'lapses', 'delta'] as const;

/** Active participants as movements (coverage_rollup) plus each worker's current cell. */
export const participants: Projection = {
  name: 'participants',
  tables: ['coverage_rollup', 'proj_workers'],

  async apply(tx, events, changes) {
    const mine = events.filter((e) => e.streamId.startsWith('worker-'));
    if (!mine.length) return;
    const states = await loadWorkers(tx, [...new Set(mine.map((e) => e.streamId))]);
    const writer = new RollupWriter('coverage_rollup', ['program', 'segment', 'sponsor'], [...MEASURES], changes);
    const emit = (movements: Movement[], sign: number, recordedAt: Date) => {
      for (const m of movements) {
        writer.add(m.eff, m.region, recordedAt, { program: m.program, segment: m.segment, sponsor: m.sponsor }, {
          enrolments: sign * m.enrolments,
          lapses: sign * m.lapses,
          delta: sign * m.delta,
        });
      }
    };
    for (const e of mine) {
      if (e.type === 'EventRetracted') {
        // Count the stream as if the retracted event had never been appended,
        // from the moment the retraction was recorded: emit the difference.
        const history = await readStream(tx, e.streamId, e.position);
        const after = retractedIn(history);
        const before = new Set(after);
        before.delete(e.data.eventId);
        const old = fold(stepWorker, NO_WORKER, history, before);
        const now = fold(stepWorker, NO_WORKER, history, after);
        emit(old.movements, -1, e.recordedAt);
        emit(now.movements, 1, e.recordedAt);
        states.set(e.streamId, now.state);
        continue;
      }
      const r = stepWorker(states.get(e.streamId) ?? NO_WORKER, e);
      emit(r.movements, 1, e.recordedAt);
      states.set(e.streamId, r.state);
    }
    await writer.flush(tx);
    await saveWorkers(tx, states);
  },

  async digest(sql) {
    const rollup = await tableDigest(sql, 'coverage_rollup', 'grain, program, province, region, segment, sponsor, eff, rec', 'enrolments <> 0 OR lapses <> 0 OR delta <> 0');
    const workers = await tableDigest(sql, 'proj_workers', 'stream_id');
    return `${rollup}:${workers}`;
  },
};

async function loadWorkers(tx: Sql, ids: string[]): Promise<Map<string, WorkerCell>> {
  const rows = await tx.query<WorkerCell & { stream_id: string }>(
    'SELECT stream_id, active, region, segment, sponsor, programs FROM proj_workers WHERE stream_id = ANY($1::text[])',
    [ids],
  );
  return new Map(rows.map(({ stream_id, ...cell }) => [stream_id, cell]));
}

async function saveWorkers(tx: Sql, states: Map<string, WorkerCell>): Promise<void> {
  const rows = [...states].map(([streamId, c]) => ({ streamId, ...c }));
  await tx.query(
    `INSERT INTO proj_workers (stream_id, active, region, segment, sponsor, programs)
     SELECT "streamId", active, region, segment, sponsor, ARRAY(SELECT jsonb_array_elements_text(programs))
       FROM jsonb_to_recordset($1::jsonb) AS r("streamId" text, active boolean, region text, segment text, sponsor text, programs jsonb)
     ON CONFLICT (stream_id) DO UPDATE SET active = EXCLUDED.active, region = EXCLUDED.region,
       segment = EXCLUDED.segment, sponsor = EXCLUDED.sponsor, programs = EXCLUDED.programs`,
    [JSON.stringify(rows)],
  );
}

export type { LogEvent };
