import { projectionStatus, slowestProjection } from '../../projections/runner.ts';
import { builder } from '../builder.ts';

type DataAsOf = { position: number; recordedAt: Date | null; projectedAt: Date | null; logHeadPosition: number };

const DataAsOfRef = builder.objectRef<DataAsOf>('DataAsOf').implement({
  description: 'How fresh the answers are: every aggregate reflects the log up to `position`. A BI tool can print "data as of recordedAt".',
  fields: (t) => ({
    position: t.exposeInt('position', { description: 'Last log position every read model has applied (0: none yet)' }),
    recordedAt: t.field({ type: 'DateTime', nullable: true, description: 'When the event at `position` was recorded', resolve: (d) => d.recordedAt }),
    projectedAt: t.field({ type: 'DateTime', nullable: true, description: 'When the read models last committed a batch', resolve: (d) => d.projectedAt }),
    logHeadPosition: t.exposeInt('logHeadPosition', { description: 'Last position in the log; above `position` while the read models catch up' }),
  }),
});

builder.queryField('dataAsOf', (t) =>
  t.field({
    type: DataAsOfRef,
    description: 'The log position (and its recorded time) that the aggregates reflect. Public.',
    resolve: async (_root, _args, ctx) => {
      const s = await projectionStatus(ctx.app.db);
      const slowest = slowestProjection(s);
      return { position: slowest.position, recordedAt: slowest.recordedAt, projectedAt: slowest.projectedAt, logHeadPosition: s.head };
    },
  }),
);
