import { seriesFor } from '../../analytics/disclosure.ts';
import { bulkAnswer, bulkRows, decodeCursor, encodeCursor, MAX_PAGE, queryDigest } from '../../analytics/bulk-rows.ts';
import { ValidationError } from '../../domain/errors.ts';
import { estimatePoints, MAX_POINTS, type CoverageKey, type CoveragePoint, type CoverageRow, type CoverageSeries } from '../../analytics/coverage-series.ts';
import { builder } from '../builder.ts';
import { minCellFor } from '../context.ts';
import { ComparisonEnum, DimensionEnum, GranularityEnum, MeasureEnum, ProgramEnum, SegmentEnum, SponsorEnum } from './enums.ts';

export const CoverageFilterInput = builder.inputType('CoverageFilter', {
  fields: (t) => ({
    regionCodes: t.stringList({ description: 'Province (2-digit) or regency/city (4-digit) codes' }),
    segments: t.field({ type: [SegmentEnum] }),
    programs: t.field({ type: [ProgramEnum] }),
    sponsors: t.field({ type: [SponsorEnum] }),
  }),
});


export const CoverageKeyRef = builder.objectRef<CoverageKey>('CoverageKey').implement({
  description: 'The group a series belongs to; fields not grouped by are null.',
  fields: (t) => ({
    provinceCode: t.exposeString('provinceCode', { nullable: true }),
    regencyCode: t.exposeString('regencyCode', { nullable: true }),
    segment: t.field({ type: SegmentEnum, nullable: true, resolve: (k) => k.segment as never }),
    program: t.field({ type: ProgramEnum, nullable: true, resolve: (k) => k.program as never }),
    sponsor: t.field({ type: SponsorEnum, nullable: true, resolve: (k) => k.sponsor as never }),
  }),
});

export const CoveragePointRef = builder.objectRef<CoveragePoint>('CoveragePoint').implement({
  fields: (t) => ({
    period: t.field({ type: 'Date', description: 'First day of the calendar period', resolve: (p) => p.period }),
    periodEnd: t.field({ type: 'Date', description: 'Last day of the period, capped at `to`; stocks are read here', resolve: (p) => p.periodEnd }),
    value: t.exposeFloat('value', { nullable: true, description: 'Null where disclosure control hides it (`suppressed`)' }),
    suppressed: t.exposeBoolean('suppressed', { description: `True where a caller without a key may not see the value: a count below CAKUPAN_MIN_CELL, or a cell hidden so that no hidden one can be found by subtraction (docs/disclosure.md)` }),
    cumulative: t.exposeFloat('cumulative', { nullable: true, description: 'Running total of a flow measure since `from` (null for stocks and rates; for callers without a key, null from the first hidden period on)' }),
    compareValue: t.exposeFloat('compareValue', { nullable: true, description: 'The value of the compared period (with `compare`; null where disclosure control hides it)' }),
    denominator: t.exposeFloat('denominator', { nullable: true, description: 'For rates: the workforce or licensed businesses divided by; null when no estimate covers the scope (value is then 0)' }),
  }),
});

export const CoverageRowRef = builder.objectRef<CoverageRow>('CoverageRow').implement({
  description: 'One flat row (period, labels, value) for BI tools.',
  fields: (t) => ({
    period: t.field({ type: 'Date', resolve: (r) => r.period }),
    periodEnd: t.field({ type: 'Date', resolve: (r) => r.periodEnd }),
    provinceCode: t.exposeString('provinceCode', { nullable: true }),
    provinceName: t.exposeString('provinceName', { nullable: true, description: 'The province’s name (idn-area-data, Bahasa Indonesia), where the row has a province' }),
    regencyCode: t.exposeString('regencyCode', { nullable: true }),
    regencyName: t.exposeString('regencyName', { nullable: true, description: 'The regency’s or city’s name, where the row has one' }),
    segment: t.field({ type: SegmentEnum, nullable: true, resolve: (k) => k.segment as never }),
    program: t.field({ type: ProgramEnum, nullable: true, resolve: (k) => k.program as never }),
    sponsor: t.field({ type: SponsorEnum, nullable: true, resolve: (k) => k.sponsor as never }),
    value: t.exposeFloat('value', { nullable: true, description: 'Null where disclosure control hides it (`suppressed`)' }),
    suppressed: t.exposeBoolean('suppressed', { description: 'True where a caller without a key may not see the value (docs/disclosure.md)' }),
    compareValue: t.exposeFloat('compareValue', { nullable: true, description: 'The value of the compared period (with `compare`; null where disclosure control hides it)' }),
    denominator: t.exposeFloat('denominator', { nullable: true, description: 'For rates: the workforce or licensed businesses divided by' }),
  }),
});

const CoverageSeriesGroupRef = builder.objectRef<CoverageSeries['series'][number]>('CoverageSeriesGroup').implement({
  fields: (t) => ({
    key: t.field({ type: CoverageKeyRef, resolve: (g) => g.key }),
    points: t.field({ type: [CoveragePointRef], resolve: (g) => g.points }),
  }),
});

export const CoverageSeriesRef = builder.objectRef<CoverageSeries>('CoverageSeries').implement({
  fields: (t) => ({
    measure: t.field({ type: MeasureEnum, resolve: (s) => s.measure }),
    granularity: t.field({ type: GranularityEnum, resolve: (s) => s.granularity }),
    position: t.exposeInt('position', {
      description: 'The log position the answer reflects: the read models stood there (print it as "data as of"; `dataAsOf` says when it was recorded)',
    }),
    minCell: t.exposeInt('minCell', {
      nullable: true,
      description: 'The disclosure threshold K this answer was controlled with (callers without a key; participant measures), or null for raw values',
    }),
    suppressedCount: t.exposeInt('suppressedCount', { description: 'How many values disclosure control hid' }),
    series: t.field({ type: [CoverageSeriesGroupRef], resolve: (s) => s.series }),
    rows: t.field({ type: [CoverageRowRef], resolve: (s) => s.rows }),
  }),
});

/** The arguments of a series, shared by the query and the live subscription. */
export const coverageSeriesArgs = builder.args((t) => ({
  measure: t.field({ type: MeasureEnum, required: true }),
  granularity: t.field({ type: GranularityEnum, required: true }),
  from: t.field({ type: 'Date', required: true }),
  to: t.field({ type: 'Date', required: true }),
  filter: t.field({ type: CoverageFilterInput }),
  groupBy: t.field({ type: [DimensionEnum] }),
  asOf: t.field({ type: 'DateTime' }),
  compare: t.field({ type: ComparisonEnum }),
}));

builder.queryField('coverageSeries', (t) =>
  t.field({
    type: CoverageSeriesRef,
    description:
      'A gap-filled time series. Stocks (ACTIVE_*, rates) are read at each period end; flows are summed over the period. `asOf` counts only what was recorded by then.',
    args: coverageSeriesArgs,
    complexity: (args) => Math.max(20, estimatePoints(args)),
    resolve: (_root, args, ctx) => seriesFor(ctx.app.db, args, { cube: ctx.app.cube, minCell: minCellFor(ctx) }),
  }),
);

/** What a coverageRows page carries beside its edges. */
type RowPage = { totalCount: number; position: number; minCell: number | null };
const pageOf = (c: object) => c as RowPage;

builder.queryField('coverageRows', (t) =>
  t.connection(
    {
      type: CoverageRowRef,
      description: `The flat rows of a coverageSeries (same arguments, order, values and disclosure control), in pages of up to ${MAX_PAGE.toLocaleString('en-US')}, without coverageSeries' ${MAX_POINTS.toLocaleString('en-US')}-point cap: pull a regency panel page by page with \`first\`/\`after\` (or \`nodes\` and \`pageInfo.endCursor\`). Every page of one pull reflects the position of its first page, also when the log moves in between (read as of when that position was recorded).`,
      args: coverageSeriesArgs,
      complexity: (args) => 20 + Math.min(Math.max(args.first ?? 1000, 0), MAX_PAGE),
      resolve: async (_root, { first: firstArg, after, last, before, ...q }, ctx) => {
        if (last != null || before != null) throw new ValidationError([{ field: last != null ? 'last' : 'before', reason: 'coverageRows pages forwards only: use first and after' }]);
        const first = firstArg ?? 1000;
        if (first < 0 || first > MAX_PAGE) throw new ValidationError([{ field: 'first', reason: `must be between 0 and ${MAX_PAGE}` }]);
        const cursor = after ? decodeCursor(after, q) : undefined;
        const opts = { cube: ctx.app.cube, minCell: minCellFor(ctx) };
        const answer = await bulkAnswer(ctx.app.db, q, opts, cursor?.p);
        const offset = cursor?.o ?? 0;
        const end = Math.min(answer.totalRows, offset + first);
        const g = Math.max(1, answer.groupCount);
        const { rows } = await bulkRows(ctx.app.db, answer, opts, Math.floor(offset / g), Math.ceil(end / g));
        const page = rows.slice(offset - Math.floor(offset / g) * g, end - Math.floor(offset / g) * g);
        const cursorAt = (i: number) => encodeCursor({ o: offset + i + 1, p: answer.position, q: queryDigest(q) });
        const extra: RowPage = { totalCount: answer.totalRows, position: answer.position, minCell: answer.minCell };
        return {
          ...extra,
          edges: page.map((node, i) => ({ node, cursor: cursorAt(i) })),
          pageInfo: { hasNextPage: end < answer.totalRows, hasPreviousPage: offset > 0, startCursor: page.length ? cursorAt(0) : null, endCursor: page.length ? cursorAt(page.length - 1) : null },
        };
      },
    },
    {
      name: 'CoverageRowConnection',
      fields: (t) => ({
        nodes: t.field({ type: [CoverageRowRef], description: 'The page’s rows (the edges’ nodes, flat: what a BI tool reads)', resolve: (c) => c.edges.map((e) => e.node) }),
        totalCount: t.int({ description: 'Rows in the whole answer (groups x periods)', resolve: (c) => pageOf(c).totalCount }),
        position: t.int({ description: 'The log position every page of this pull reflects', resolve: (c) => pageOf(c).position }),
        minCell: t.int({ nullable: true, description: 'The disclosure threshold K applied, or null for raw values', resolve: (c) => pageOf(c).minCell }),
      }),
    },
    { name: 'CoverageRowEdge' },
  ),
);

builder.queryField('coverageAt', (t) =>
  t.field({
    type: [CoverageRowRef],
    description: 'A breakdown on one date; with `limit`, the top N by value (descending; values hidden by disclosure control last).',
    args: {
      measure: t.arg({ type: MeasureEnum, required: true }),
      date: t.arg({ type: 'Date', required: true }),
      filter: t.arg({ type: CoverageFilterInput }),
      groupBy: t.arg({ type: [DimensionEnum] }),
      asOf: t.arg({ type: 'DateTime' }),
      limit: t.arg.int(),
    },
    complexity: (args) => Math.max(10, estimatePoints({ ...args, granularity: 'DAY', from: args.date, to: args.date })),
    resolve: async (_root, args, ctx) => {
      const s = await seriesFor(ctx.app.db, { ...args, granularity: 'DAY', from: args.date, to: args.date }, { cube: ctx.app.cube, minCell: minCellFor(ctx) });
      if (args.limit == null) return s.rows;
      // (hidden values last: their order would say something about them)
      return [...s.rows].sort((a, b) => (b.value ?? -Infinity) - (a.value ?? -Infinity)).slice(0, Math.max(0, args.limit));
    },
  }),
);
