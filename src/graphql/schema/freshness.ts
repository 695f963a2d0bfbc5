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

type DemoLoad = { state: 'LOADING' | 'LOADED'; scale: number; seed: number; events: number | null };

const DemoLoadRef = builder.objectRef<DemoLoad>('DemoLoad').implement({
  description: 'The demo data a server loaded into this database (`serve --demo`): the reference scenario, a synthetic national history at a share of the real counts. Its figures are not official statistics.',
  fields: (t) => ({
    state: t.exposeString('state', { description: 'LOADING until the last batch is in, then LOADED' }),
    scale: t.exposeFloat('scale', { description: 'Share of the real counts (0.001: one in a thousand; 70,000 stands for about 70 million)' }),
    seed: t.exposeInt('seed', { description: 'The scenario’s random seed' }),
    events: t.exposeInt('events', { nullable: true, description: 'Events the load appended (once LOADED)' }),
  }),
});

builder.queryField('demo', (t) =>
  t.field({
    type: DemoLoadRef,
    nullable: true,
    description: 'The demo load this database holds, or null when its history was imported (real or test data). Public: dashboards state the scale.',
    resolve: async (_root, _args, ctx) => {
      const [row] = await ctx.app.db.query<{ state: DemoLoad['state']; detail: { scale: number; seed: number; events?: number } }>("SELECT state, detail FROM service_loads WHERE name = 'demo'");
      return row ? { state: row.state, scale: row.detail.scale, seed: row.detail.seed, events: row.detail.events ?? null } : null;
    },
  }),
);
