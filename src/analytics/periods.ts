import { addDays, addMonths, addQuarters, addWeeks, addYears, endOfMonth, endOfQuarter, endOfWeek, endOfYear, format, parseISO, subWeeks, subYears } from 'date-fns';

export const GRANULARITIES = ['DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export type Period = { start: string; end: string };

const ymd = (d: Date) => format(d, 'yyyy-MM-dd');
const WEEK = { weekStartsOn: 1 } as const; // ISO weeks start on Monday

// The calendar as compared periods step through it (date-fns); the periods of
// a series themselves are computed on strings below.
const rules: Record<Granularity, { end: (d: Date) => Date; back: (d: Date) => Date }> = {
  DAY: { end: (d) => d, back: (d) => addDays(d, -1) },
  WEEK: { end: (d) => endOfWeek(d, WEEK), back: (d) => addWeeks(d, -1) },
  MONTH: { end: endOfMonth, back: (d) => addMonths(d, -1) },
  QUARTER: { end: endOfQuarter, back: (d) => addQuarters(d, -1) },
  YEAR: { end: endOfYear, back: (d) => addYears(d, -1) },
};

/**
 * Calendar periods covering [from, to]: each starts on its calendar boundary
 * and ends on its last day, capped at `to`. A period starting before `from`
 * is clipped to it for flows (see `clip`).
 */
export function periods(granularity: Granularity, from: string, to: string, max = Infinity): Period[] {
  const out: Period[] = [];
  for (let start = periodStart(granularity, from); start <= to; start = nextPeriod(granularity, start)) {
    const end = periodEnd(granularity, start);
    out.push({ start, end: end > to ? to : end });
    if (out.length > max) break;
  }
  return out;
}

// Calendar periods by string and UTC arithmetic (a series walks hundreds of
// them per answer); they agree with date-fns' startOf*/endOf* (unit-tested).
const addDaysTo = (d: string, n: number) => isoDay(utc(d) + n * DAY_MS);
const pad2 = (n: number) => String(n).padStart(2, '0');
function periodStart(g: Granularity, d: string): string {
  switch (g) {
    case 'DAY':
      return d;
    case 'WEEK':
      return addDaysTo(d, -((new Date(utc(d)).getUTCDay() + 6) % 7)); // back to Monday
    case 'MONTH':
      return monthStart(d);
    case 'QUARTER':
      return `${d.slice(0, 4)}-${pad2(Math.floor((Number(d.slice(5, 7)) - 1) / 3) * 3 + 1)}-01`;
    case 'YEAR':
      return `${d.slice(0, 4)}-01-01`;
  }
}
function periodEnd(g: Granularity, start: string): string {
  switch (g) {
    case 'DAY':
      return start;
    case 'WEEK':
      return addDaysTo(start, 6);
    case 'MONTH':
      return monthEnd(start);
    case 'QUARTER':
      return monthEnd(nextMonth(nextMonth(start)));
    case 'YEAR':
      return `${start.slice(0, 4)}-12-31`;
  }
}
function nextPeriod(g: Granularity, start: string): string {
  switch (g) {
    case 'DAY':
      return addDaysTo(start, 1);
    case 'WEEK':
      return addDaysTo(start, 7);
    case 'MONTH':
      return nextMonth(start);
    case 'QUARTER':
      return nextMonth(nextMonth(nextMonth(start)));
    case 'YEAR':
      return `${String(Number(start.slice(0, 4)) + 1).padStart(4, '0')}-01-01`;
  }
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

// Day arithmetic on 'YYYY-MM-DD' strings, on the hot path of every series
// (hundreds of calls per answer): plain UTC arithmetic, no parsing or formatting library.
const DAY_MS = 86_400_000;
const utc = (d: string) => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)));
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Days in month `m` (1-12) of year `y` (Gregorian). */
const daysInMonth = (y: number, m: number) => (m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : MONTH_DAYS[m - 1]);
const DAY_TEXT = Array.from({ length: 32 }, (_, i) => String(i).padStart(2, '0'));

export const dayBefore = (d: string) => {
  const day = Number(d.slice(8, 10));
  if (day > 1) return `${d.slice(0, 8)}${DAY_TEXT[day - 1]}`;
  const y = Number(d.slice(0, 4));
  const m = Number(d.slice(5, 7));
  return m === 1 ? `${String(y - 1).padStart(4, '0')}-12-31` : `${d.slice(0, 5)}${DAY_TEXT[m - 1]}-${DAY_TEXT[daysInMonth(y, m - 1)]}`;
};
export const monthStart = (d: string) => `${d.slice(0, 7)}-01`;
export const monthEnd = (d: string) => `${d.slice(0, 7)}-${DAY_TEXT[daysInMonth(Number(d.slice(0, 4)), Number(d.slice(5, 7)))]}`;
export const isMonthEnd = (d: string) => Number(d.slice(8, 10)) === daysInMonth(Number(d.slice(0, 4)), Number(d.slice(5, 7)));
export const nextMonth = (d: string) => {
  const y = Number(d.slice(0, 4));
  const m = Number(d.slice(5, 7));
  return m === 12 ? `${String(y + 1).padStart(4, '0')}-01-01` : `${d.slice(0, 4)}-${DAY_TEXT[m + 1]}-01`;
};
export const maxDate = (a: string, b: string) => (a > b ? a : b);

/**
 * How many periods {@link periods} gives for [from, to], by arithmetic (no
 * walk): what a request's cost is estimated from before anything runs.
 * 0 when from is after to or either is not a date.
 */
export function periodCount(granularity: Granularity, from: string, to: string): number {
  if (!(from <= to) || !/^\d{4}-\d{2}-\d{2}$/.test(from) || !/^\d{4}-\d{2}-\d{2}$/.test(to)) return 0;
  const months = (d: string) => Number(d.slice(0, 4)) * 12 + Number(d.slice(5, 7)) - 1;
  switch (granularity) {
    case 'DAY':
      return Math.round((utc(to) - utc(from)) / DAY_MS) + 1;
    case 'WEEK':
      return Math.round((utc(periodStart('WEEK', to)) - utc(periodStart('WEEK', from))) / (7 * DAY_MS)) + 1;
    case 'MONTH':
      return months(to) - months(from) + 1;
    case 'QUARTER':
      return Math.floor(months(to) / 3) - Math.floor(months(from) / 3) + 1;
    case 'YEAR':
      return Number(to.slice(0, 4)) - Number(from.slice(0, 4)) + 1;
  }
}
