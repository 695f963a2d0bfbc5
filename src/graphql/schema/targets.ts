import { addMonths, differenceInCalendarMonths, format, parseISO } from 'date-fns';
import type { Measure } from '../../analytics/coverage-series.ts';
import { seriesFor } from '../../analytics/disclosure.ts';
import type { Cube } from '../../analytics/cube.ts';
import type { Sql } from '../../db/database.ts';
import { jakartaDay } from '../../projections/log-event.ts';
import { builder } from '../builder.ts';
import { minCellFor } from '../context.ts';
import { MeasureEnum, ProgramEnum, SegmentEnum, SponsorEnum } from './enums.ts';

type TargetRow = {
  target_id: string; name: string; metric: Measure; value: number; due_on: string; set_on: string;
  region_code: string | null; segment: string | null; sponsor: string | null; program: string | null; source: string;
};
/** Null figures: disclosure control hides the actual value (or the one a year before, which the projection would give away) from a caller without a key. */
type Progress = { at: string; actual: number | null; suppressed: boolean; ratio: number | null; remaining: number | null; requiredPerMonth: number | null; projectedAtDue: number | null; onTrack: boolean | null };

type Reader = { sql: Sql; cube?: Cube; minCell: number };

async function valueAt({ sql, cube, minCell }: Reader, t: TargetRow, date: string): Promise<number | null> {
  const filter = {
    regionCodes: t.region_code ? [t.region_code] : undefined,
    segments: t.segment ? [t.segment] : undefined,
    sponsors: t.sponsor ? [t.sponsor] : undefined,
    programs: t.program ? [t.program] : undefined,
  };
  const s = await seriesFor(sql, { measure: t.metric, granularity: 'DAY', from: date, to: date, filter }, { cube, minCell });
  return s.rows[0] ? s.rows[0].value : 0;
}

/** Progress at a date (default today, Asia/Jakarta, or the due date if earlier), trend from the last 12 months. */
async function progress(reader: Reader, t: TargetRow, at?: string | null): Promise<Progress> {
  const today = jakartaDay(new Date());
  const date = at ?? (today < t.due_on ? today : t.due_on);
  const actual = await valueAt(reader, t, date);
  const monthsLeft = Math.max(0, differenceInCalendarMonths(parseISO(t.due_on), parseISO(date)));
  if (actual === null) return { at: date, actual, suppressed: true, ratio: null, remaining: null, requiredPerMonth: null, projectedAtDue: null, onTrack: null };
  const yearAgo = await valueAt(reader, t, format(addMonths(parseISO(date), -12), 'yyyy-MM-dd'));
  const projectedAtDue = yearAgo === null ? null : actual + ((actual - yearAgo) / 12) * monthsLeft;
  const remaining = Math.max(0, t.value - actual);
  return {
    at: date,
    actual,
    suppressed: false,
    ratio: t.value ? actual / t.value : 0,
    remaining,
    requiredPerMonth: monthsLeft > 0 ? remaining / monthsLeft : null,
    projectedAtDue,
    onTrack: projectedAtDue === null ? null : projectedAtDue >= t.value,
  };
}

const ProgressRef = builder.objectRef<Progress>('TargetProgress').implement({
  fields: (t) => ({
    at: t.field({ type: 'Date', description: 'Date the progress is measured at', resolve: (p) => p.at }),
    actual: t.exposeFloat('actual', { nullable: true, description: 'Null where disclosure control hides it from a caller without a key (`suppressed`)' }),
    suppressed: t.exposeBoolean('suppressed', { description: 'True when the actual value is hidden from a caller without a key (docs/disclosure.md): the figures derived from it are null too' }),
    ratio: t.exposeFloat('ratio', { nullable: true, description: 'actual / target value' }),
    remaining: t.exposeFloat('remaining', { nullable: true }),
    requiredPerMonth: t.exposeFloat('requiredPerMonth', { nullable: true, description: 'Needed gain per month to reach the target by its due date (null once due)' }),
    projectedAtDue: t.exposeFloat('projectedAtDue', { nullable: true, description: 'Linear projection from the change over the last 12 months (null where either end is hidden by disclosure control)' }),
    onTrack: t.exposeBoolean('onTrack', { nullable: true }),
  }),
});

const TargetRef = builder.objectRef<TargetRow>('Target').implement({
  fields: (t) => ({
    id: t.exposeString('target_id'),
    name: t.exposeString('name'),
    metric: t.field({ type: MeasureEnum, resolve: (r) => r.metric }),
    value: t.exposeFloat('value'),
    dueOn: t.field({ type: 'Date', resolve: (r) => r.due_on }),
    setOn: t.field({ type: 'Date', resolve: (r) => r.set_on }),
    regionCode: t.exposeString('region_code', { nullable: true }),
    segment: t.field({ type: SegmentEnum, nullable: true, resolve: (r) => r.segment as never }),
    sponsor: t.field({ type: SponsorEnum, nullable: true, resolve: (r) => r.sponsor as never }),
    program: t.field({ type: ProgramEnum, nullable: true, resolve: (r) => r.program as never }),
    source: t.exposeString('source'),
    progress: t.field({
      type: ProgressRef,
      args: { at: t.arg({ type: 'Date' }) },
      complexity: 10,
      resolve: (r, args, ctx) => progress({ sql: ctx.app.db, cube: ctx.app.cube, minCell: minCellFor(ctx) }, r, args.at),
    }),
  }),
});

builder.queryField('targets', (t) =>
  t.field({
    type: [TargetRef],
    resolve: (_root, _args, ctx) =>
      ctx.app.db.query<TargetRow>('SELECT target_id, name, metric, value, due_on, set_on, region_code, segment, sponsor, program, source FROM coverage_targets ORDER BY due_on, target_id'),
  }),
);
