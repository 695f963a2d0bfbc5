import {
  addDays, addMonths, addQuarters, addWeeks, addYears, endOfMonth, endOfQuarter, endOfWeek, endOfYear, format, parseISO,
  startOfMonth, startOfQuarter, startOfWeek, startOfYear, subWeeks, subYears,
} from 'date-fns';

export const GRANULARITIES = ['DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export type Period = { start: string; end: string };

const ymd = (d: Date) => format(d, 'yyyy-MM-dd');
const WEEK = { weekStartsOn: 1 } as const; // ISO weeks start on Monday

const rules: Record<Granularity, { start: (d: Date) => Date; end: (d: Date) => Date; next: (d: Date) => Date; back: (d: Date) => Date }> = {
  DAY: { start: (d) => d, end: (d) => d, next: (d) => addDays(d, 1), back: (d) => addDays(d, -1) },
  WEEK: { start: (d) => startOfWeek(d, WEEK), end: (d) => endOfWeek(d, WEEK), next: (d) => addWeeks(d, 1), back: (d) => addWeeks(d, -1) },
  MONTH: { start: startOfMonth, end: endOfMonth, next: (d) => addMonths(d, 1), back: (d) => addMonths(d, -1) },
  QUARTER: { start: startOfQuarter, end: endOfQuarter, next: (d) => addQuarters(d, 1), back: (d) => addQuarters(d, -1) },
  YEAR: { start: startOfYear, end: endOfYear, next: (d) => addYears(d, 1), back: (d) => addYears(d, -1) },
};

/**
 * Calendar periods covering [from, to]: each starts on its calendar boundary
 * and ends on its last day, capped at `to`. A period starting before `from`
 * is clipped to it for flows (see `clip`).
 */
export function periods(granularity: Granularity, from: string, to: string, max = Infinity): Period[] {
  const r = rules[granularity];
  const out: Period[] = [];
  const last = parseISO(to);
  for (let d = r.start(parseISO(from)); d <= last; d = r.next(d)) {
    const end = r.end(d);
    out.push({ start: ymd(d), end: ymd(end > last ? last : end) });
    if (out.length > max) break;
  }
  return out;
}

/** The period a compared value comes from: the one before, or the same one a year earlier. */
export function comparedPeriod(granularity: Granularity, p: Period, compare: 'PREVIOUS_PERIOD' | 'PREVIOUS_YEAR'): Period {
  const start = parseISO(p.start);
  const r = rules[granularity];
  if (compare === 'PREVIOUS_PERIOD') {
    const s = r.back(start);
    const fullEnd = r.end(s);
    if (p.end === ymd(r.end(start))) return { start: ymd(s), end: ymd(fullEnd) }; // a whole period: the whole previous one
    // a clipped period (e.g. month-to-date) keeps the same clipping
    const lengthDays = Math.round((parseISO(p.end).getTime() - start.getTime()) / 86_400_000);
    const clipped = addDays(s, lengthDays);
    return { start: ymd(s), end: ymd(clipped < fullEnd ? clipped : fullEnd) };
  }
  const shift = (d: Date) => (granularity === 'WEEK' ? subWeeks(d, 52) : subYears(d, 1));
  return { start: ymd(shift(start)), end: ymd(shift(parseISO(p.end))) };
}

export const dayBefore = (d: string) => ymd(addDays(parseISO(d), -1));
export const monthStart = (d: string) => `${d.slice(0, 7)}-01`;
export const monthEnd = (d: string) => ymd(endOfMonth(parseISO(d)));
export const isMonthEnd = (d: string) => monthEnd(d) === d;
export const nextMonth = (d: string) => ymd(addMonths(parseISO(monthStart(d)), 1));
export const maxDate = (a: string, b: string) => (a > b ? a : b);
