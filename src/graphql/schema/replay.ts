import { coverageSeries } from '../../analytics/coverage-series.ts';
import { ValidationError } from '../../domain/errors.ts';
import { positionAsOf, withReplay } from '../../projections/replay.ts';
import { builder } from '../builder.ts';
import { CoverageFilterInput, CoverageSeriesRef } from './coverage.ts';
import { ComparisonEnum, DimensionEnum, GranularityEnum, MeasureEnum } from './enums.ts';

const ReplayQuery = builder.inputType('ReplayQuery', {
  description: 'A coverageSeries to answer from the replayed read models (same arguments, without asOf).',
  fields: (t) => ({
    measure: t.field({ type: MeasureEnum, required: true }),
    granularity: t.field({ type: GranularityEnum, required: true }),
    from: t.field({ type: 'Date', required: true }),
    to: t.field({ type: 'Date', required: true }),
    filter: t.field({ type: CoverageFilterInput }),
    groupBy: t.field({ type: [DimensionEnum] }),
    compare: t.field({ type: ComparisonEnum }),
  }),
});

type Digest = { name: string; digest: string };
const DigestRef = builder.objectRef<Digest>('ProjectionDigest').implement({
  fields: (t) => ({ name: t.exposeString('name'), digest: t.exposeString('digest') }),
});

type ReplayResult = { position: number; digests: Digest[]; series: Awaited<ReturnType<typeof coverageSeries>>[] };
const ReplayRef = builder.objectRef<ReplayResult>('Replay').implement({
  fields: (t) => ({
    position: t.exposeInt('position', { description: 'The last log position the read models were rebuilt to' }),
    digests: t.field({ type: [DigestRef], resolve: (r) => r.digests }),
    series: t.field({ type: [CoverageSeriesRef], resolve: (r) => r.series }),
  }),
});

builder.queryField('replay', (t) =>
  t.field({
    type: ReplayRef,
    description:
      'Rebuilds the read models from position 0 up to `toPosition` (or the last event recorded by `asOf`) in isolation (never touching the live ones) and answers the given queries from them.',
    authScopes: { auditor: true },
    args: {
      toPosition: t.arg.int(),
      asOf: t.arg({ type: 'DateTime' }),
      queries: t.arg({ type: [ReplayQuery], defaultValue: [] }),
    },
    complexity: 500,
    resolve: async (_root, args, ctx) => {
      if (args.toPosition == null && !args.asOf) throw new ValidationError([{ field: 'toPosition', reason: 'give toPosition or asOf' }]);
      if (args.toPosition != null && args.toPosition < 0) throw new ValidationError([{ field: 'toPosition', reason: 'must not be negative' }]);
      // a replay writes temporary tables: on the primary, never a read replica
      const db = ctx.app.primary.db;
      const position = args.toPosition ?? (await positionAsOf(db, args.asOf!));
      return withReplay(db, position, async (sql, digests) => ({
        position,
        digests: Object.entries(digests).map(([name, digest]) => ({ name, digest })),
        series: await Promise.all((args.queries ?? []).map((q) => coverageSeries(sql, q))),
      }));
    },
  }),
);
