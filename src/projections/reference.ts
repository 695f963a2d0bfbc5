import type { Sql } from '../db/database.ts';
import { assertNever, type CoverageTargetSet, type WorkforceEstimated } from '../domain/events.ts';
import { readStream, type LogEvent } from './log-event.ts';
import { retractedIn } from './movements.ts';
import { tableDigest, type Projection } from './projection.ts';

type Estimate = LogEvent & WorkforceEstimated;
type Target = LogEvent & CoverageTargetSet;

/** Workforce estimates (rate denominators) and coverage targets: small tables read directly. */
export const reference: Projection = {
  name: 'reference',
  tables: ['workforce_estimates', 'coverage_targets'],

  async apply(tx, events) {
    // estimates are only ever added: written together, in order, before anything later in the batch
    let estimates: Estimate[] = [];
    const flush = async () => {
      await insertEstimates(tx, estimates);
      estimates = [];
    };
    for (const e of events) {
      switch (e.type) {
        case 'WorkforceEstimated':
          estimates.push(e);
          break;
        case 'CoverageTargetSet':
          await upsertTarget(tx, e);
          break;
        case 'EventRetracted':
          if (e.streamId.startsWith('workforce-')) {
            await flush();
            // Kept, but no longer counted for cuts at or after the retraction.
            await tx.query('UPDATE workforce_estimates SET retracted_at = $2 WHERE event_id = $1::uuid', [e.data.eventId, e.recordedAt]);
          } else if (e.streamId.startsWith('target-')) {
            const history = await readStream(tx, e.streamId, e.position);
            const retracted = retractedIn(history);
            const latest = history.filter((h): h is Target => h.type === 'CoverageTargetSet' && !retracted.has(h.eventId)).at(-1);
            if (latest) await upsertTarget(tx, latest);
            else await tx.query('DELETE FROM coverage_targets WHERE target_id = $1', [e.streamId.slice('target-'.length)]);
          }
          break;
        // the other projections' facts
        case 'EmployerRegistered':
        case 'EmployerDeregistered':
        case 'EmployerLicensed':
        case 'WorkerEnrolled':
        case 'WorkerLapsed':
        case 'WorkerProgramsChanged':
        case 'FigurePublished':
          break;
        default:
          assertNever(e);
      }
    }
    await flush();
  },

  async digest(sql) {
    return [await tableDigest(sql, 'workforce_estimates', 'event_id'), await tableDigest(sql, 'coverage_targets', 'target_id')].join(':');
  },
};

async function insertEstimates(tx: Sql, estimates: Estimate[]): Promise<void> {
  if (!estimates.length) return;
  const column = <T>(f: (e: Estimate) => T) => estimates.map(f);
  await tx.query(
    `INSERT INTO workforce_estimates (event_id, region_code, segment, formality, effective_on, count, source, recorded_at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::date[], $6::int[], $7::text[], $8::timestamptz[])
     ON CONFLICT (event_id) DO NOTHING`,
    [
      column((e) => e.eventId),
      column((e) => e.data.regionCode ?? ''),
      column((e) => e.data.segment ?? ''),
      column((e) => e.data.formality ?? ''),
      column((e) => e.effectiveOn),
      column((e) => e.data.count),
      column((e) => e.data.source),
      column((e) => e.recordedAt),
    ],
  );
}

async function upsertTarget(tx: Sql, e: Target): Promise<void> {
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
