import { addMonths, differenceInCalendarMonths, format, parseISO } from 'date-fns';
import { coverageSeries, type Measure } from '../../analytics/coverage-series.ts';
import type { Sql } from '../../db/database.ts';
import { jakartaDay } from '../../projections/log-event.ts';
import { builder } from '../builder.ts';
import { MeasureEnum, ProgramEnum, SegmentEnum, SponsorEnum } from './enums.ts';

type TargetRow = {
  target_id: string; name: string; metric: Measure; value: number; due_on: string; set_on: string;
  region_code: string | null; segment: string | null; sponsor: string | null; program: string | null; source: string;
};
type Progress = { at: string; actual: number; ratio: number; remaining: number; requiredPerMonth: number | null; projectedAtDue: number; onTrack: boolean };

async function valueAt(sql: Sql, t: TargetRow, date: string): Promise<number> {
  const filter = {
    regionCodes: t.region_code ? [t.region_code] : undefined,
    segments: t.segment ? [t.segment] : undefined,
    sponsors: t.sponsor ? [t.sponsor] : undefined,
    programs: t.program ? [t.program] : undefined,
  };
  const s = await coverageSeries(sql, { measure: t.metric, granularity: 'DAY', from: date, to: date, filter });
  return s.rows[0]?.value ?? 0;
}

/** Progress at a date (default today, Asia/Jakarta, or the due date if earlier), trend from the last 12 months. */
async function progress(sql: Sql, t: TargetRow, at?: string | null): Promise<Progress> {
  const today = jakartaDay(new Date());
  const date = at ?? (today < t.due_on ? today : t.due_on);
  const actual = await valueAt(sql, t, date);
  const yearAgo = await valueAt(sql, t, format(addMonths(parseISO(date), -12), 'yyyy-MM-dd'));
  const monthsLeft = Math.max(0, differenceInCalendarMonths(parseISO(t.due_on), parseISO(date)));
  const projectedAtDue = actual + ((actual - yearAgo) / 12) * monthsLeft;
  const remaining = Math.max(0, t.value - actual);
  return {
    at: date,
    actual,
    ratio: t.value ? actual / t.value : 0,
    remaining,
    requiredPerMonth: monthsLeft > 0 ? remaining / monthsLeft : null,
    projectedAtDue,
    onTrack: projectedAtDue >= t.value,
  };
}

const ProgressRef = builder.objectRef<Progress>('TargetProgress').implement({
  fields: (t) => ({
    at: t.field({ type: 'Date', description: 'Date the progress is measured at', resolve: (p) => p.at }),
    actual: t.exposeFloat('actual'),
    ratio: t.exposeFloat('ratio', { description: 'actual / target value' }),
    remaining: t.exposeFloat('remaining'),
    requiredPerMonth: t.exposeFloat('requiredPerMonth', { nullable: true, description: 'Needed gain per month to reach the target by its due date (null once due)' }),
    projectedAtDue: t.exposeFloat('projectedAtDue', { description: 'Linear projection from the change over the last 12 months' }),
    onTrack: t.exposeBoolean('onTrack'),
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
      resolve: (r, args, ctx) => progress(ctx.app.db, r, args.at),
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
