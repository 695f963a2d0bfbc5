import type { Sql } from '../db/database.ts';
import { readStream, type LogEvent } from './log-event.ts';
import { retractedIn } from './movements.ts';
import { tableDigest, type Projection } from './projection.ts';

/** Workforce estimates (rate denominators) and coverage targets: small tables read directly. */
export const reference: Projection = {
  name: 'reference',
  tables: ['workforce_estimates', 'coverage_targets'],

  async apply(tx, events) {
    for (const e of events) {
      if (e.type === 'WorkforceEstimated') await insertEstimate(tx, e);
      else if (e.type === 'CoverageTargetSet') await upsertTarget(tx, e);
      else if (e.type === 'EventRetracted' && e.streamId.startsWith('workforce-')) {
        // Kept, but no longer counted for cuts at or after the retraction.
        await tx.query('UPDATE workforce_estimates SET retracted_at = $2 WHERE event_id = $1::uuid', [e.data.eventId, e.recordedAt]);
      } else if (e.type === 'EventRetracted' && e.streamId.startsWith('target-')) {
        const history = await readStream(tx, e.streamId, e.position);
        const retracted = retractedIn(history);
        const latest = history.filter((h) => h.type === 'CoverageTargetSet' && !retracted.has(h.eventId)).at(-1);
        if (latest) await upsertTarget(tx, latest);
        else await tx.query('DELETE FROM coverage_targets WHERE target_id = $1', [e.streamId.slice('target-'.length)]);
      }
    }
  },

  async digest(sql) {
    return [await tableDigest(sql, 'workforce_estimates', 'event_id'), await tableDigest(sql, 'coverage_targets', 'target_id')].join(':');
  },
};

async function insertEstimate(tx: Sql, e: LogEvent): Promise<void> {
  const d = e.data;
  await tx.query(
    `INSERT INTO workforce_estimates (event_id, region_code, segment, formality, effective_on, count, source, recorded_at)
     VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id) DO NOTHING`,
    [e.eventId, d.regionCode ?? '', d.segment ?? '', d.formality ?? '', e.effectiveOn, d.count, d.source, e.recordedAt],
  );
}

async function upsertTarget(tx: Sql, e: LogEvent): Promise<void> {
  const d = e.data;
  await tx.query(
    `INSERT INTO coverage_targets (target_id, name, metric, value, due_on, set_on, region_code, segment, sponsor, program, source, position)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (target_id) DO UPDATE SET name = EXCLUDED.name, metric = EXCLUDED.metric, value = EXCLUDED.value,
       due_on = EXCLUDED.due_on, set_on = EXCLUDED.set_on, region_code = EXCLUDED.region_code, segment = EXCLUDED.segment,
       sponsor = EXCLUDED.sponsor, program = EXCLUDED.program, source = EXCLUDED.source, position = EXCLUDED.position`,
    [d.targetId, d.name, d.metric, d.value, d.dueOn, e.effectiveOn, d.scope.regionCode ?? null, d.scope.segment ?? null, d.scope.sponsor ?? null, d.scope.program ?? null, d.source, e.position],
  );
}
