import DataLoader from 'dataloader';
import type { Measure } from '../../analytics/coverage-series.ts';
import { seriesFor } from '../../analytics/disclosure.ts';
import { minCellFor } from '../context.ts';
import type { Context } from '../context.ts';
import { builder } from '../builder.ts';
import { MeasureEnum } from './enums.ts';

/**
 * One loader per (measure, date, asOf) and request: every region asked for in
 * a response is answered by one grouped series query, not one query each.
 */
function coverageLoader(ctx: Context, measure: Measure, date: string, asOf: Date | null | undefined) {
  const cache = ((ctx as Context & { coverageLoaders?: Map<string, DataLoader<string, number | null>> }).coverageLoaders ??= new Map());
  const id = `${measure}|${date}|${asOf?.toISOString() ?? ''}`;
  let loader = cache.get(id);
  if (!loader) {
    loader = new DataLoader<string, number | null>(async (codes) => {
      const answer = new Map<string, number | null>();
      for (const level of ['PROVINCE', 'REGENCY'] as const) {
        const mine = codes.filter((c) => (level === 'PROVINCE' ? c.length === 2 : c.length === 4));
        if (!mine.length) continue;
        const s = await seriesFor(ctx.app.db, { measure, granularity: 'DAY', from: date, to: date, groupBy: [level], filter: { regionCodes: mine }, asOf }, { cube: ctx.app.cube, minCell: minCellFor(ctx) });
        for (const r of s.rows) answer.set((level === 'PROVINCE' ? r.provinceCode : r.regencyCode)!, r.value);
      }
      return codes.map((c) => answer.get(c) ?? 0);
    });
    cache.set(id, loader);
  }
  return loader;
}

const RegionLevel = builder.enumType('RegionLevel', { values: ['PROVINCE', 'REGENCY'] as const });

const Region = builder.prismaObject('Region', {
  description: 'A province or regency/city (Kemendagri codes; data: idn-area-data, ODbL).',
  fields: (t) => ({
    code: t.exposeString('code'),
    name: t.exposeString('name'),
    level: t.field({ type: RegionLevel, resolve: (r) => r.level as 'PROVINCE' | 'REGENCY' }),
    currentCode: t.exposeString('currentCode', { nullable: true, description: 'For a pre-2022 (or pre-2012) code: the current code of the same regency' }),
    parent: t.relation('parent', { nullable: true }),
    children: t.relation('children', { query: { where: { currentCode: null }, orderBy: { code: 'asc' } } }),
    coverage: t.float({
      description: 'A coverage measure for this region on a date (batched across regions); null where disclosure control hides it from a caller without a key.',
      args: { measure: t.arg({ type: MeasureEnum, required: true }), date: t.arg({ type: 'Date', required: true }), asOf: t.arg({ type: 'DateTime' }) },
      nullable: true,
      complexity: 2,
      resolve: (r, args, ctx) => coverageLoader(ctx, args.measure, args.date, args.asOf).load(r.currentCode ?? r.code),
    }),
  }),
});

builder.queryField('region', (t) =>
  t.prismaField({
    type: Region,
    nullable: true,
    args: { code: t.arg.string({ required: true }) },
    resolve: (query, _root, args, ctx) => ctx.app.prisma.region.findUnique({ ...query, where: { code: args.code } }),
  }),
);

builder.queryField('regions', (t) =>
  t.prismaField({
    type: [Region],
    description: 'Provinces, or the regencies/cities of `parentCode` (current codes only).',
    args: { parentCode: t.arg.string() },
    resolve: (query, _root, args, ctx) =>
      ctx.app.prisma.region.findMany({
        ...query,
        where: args.parentCode ? { parentCode: args.parentCode, currentCode: null } : { level: 'PROVINCE' },
        orderBy: { code: 'asc' },
      }),
  }),
);
