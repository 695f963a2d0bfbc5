import { describe, expect, it } from 'vitest';
import { addDays, addMonths, addQuarters, addWeeks, addYears, endOfMonth, endOfQuarter, endOfWeek, endOfYear, format, parseISO, startOfMonth, startOfQuarter, startOfWeek, startOfYear } from 'date-fns';
import fc from 'fast-check';
import { comparedPeriod, dayBefore, GRANULARITIES, isMonthEnd, monthEnd, nextMonth, periods } from '../../src/analytics/periods.ts';

describe('comparedPeriod', () => {
  it('compares a whole period with the whole previous one, also across a leap year', () => {
    expect(comparedPeriod('YEAR', { start: '2021-01-01', end: '2021-12-31' }, 'PREVIOUS_PERIOD')).toEqual({ start: '2020-01-01', end: '2020-12-31' });
    expect(comparedPeriod('YEAR', { start: '2017-01-01', end: '2017-12-31' }, 'PREVIOUS_PERIOD')).toEqual({ start: '2016-01-01', end: '2016-12-31' });
    expect(comparedPeriod('MONTH', { start: '2023-03-01', end: '2023-03-31' }, 'PREVIOUS_PERIOD')).toEqual({ start: '2023-02-01', end: '2023-02-28' });
  });

  it('keeps the clipping of a period cut short by `to` (month to date)', () => {
    const [p] = periods('MONTH', '2023-03-01', '2023-03-10');
    expect(comparedPeriod('MONTH', p, 'PREVIOUS_PERIOD')).toEqual({ start: '2023-02-01', end: '2023-02-10' });
    expect(comparedPeriod('MONTH', p, 'PREVIOUS_YEAR')).toEqual({ start: '2022-03-01', end: '2022-03-10' });
  });
});

describe('day arithmetic on date strings', () => {
  it('agrees with date-fns on every day from 1999 to 2031 (leap years and year ends included)', () => {
    for (let t = Date.UTC(1999, 0, 1); t <= Date.UTC(2031, 11, 31); t += 86_400_000) {
      const d = new Date(t).toISOString().slice(0, 10);
      const date = parseISO(d);
      expect(dayBefore(d)).toBe(format(addDays(date, -1), 'yyyy-MM-dd'));
      expect(monthEnd(d)).toBe(format(endOfMonth(date), 'yyyy-MM-dd'));
      expect(isMonthEnd(d)).toBe(format(endOfMonth(date), 'yyyy-MM-dd') === d);
      expect(nextMonth(d)).toBe(format(addMonths(startOfMonth(date), 1), 'yyyy-MM-dd'));
    }
  });
});

describe('periods', () => {
  // the calendar as date-fns has it (ISO weeks from Monday)
  const ymd = (d: Date) => format(d, 'yyyy-MM-dd');
  const WEEK = { weekStartsOn: 1 } as const;
  const reference = {
    DAY: [(d: Date) => d, (d: Date) => d, (d: Date) => addDays(d, 1)],
    WEEK: [(d: Date) => startOfWeek(d, WEEK), (d: Date) => endOfWeek(d, WEEK), (d: Date) => addWeeks(d, 1)],
    MONTH: [startOfMonth, endOfMonth, (d: Date) => addMonths(d, 1)],
    QUARTER: [startOfQuarter, endOfQuarter, (d: Date) => addQuarters(d, 1)],
    YEAR: [startOfYear, endOfYear, (d: Date) => addYears(d, 1)],
  } as const;
  it('cover [from, to] on calendar boundaries, capped at to, as date-fns counts them', () => {
    fc.assert(
      fc.property(fc.constantFrom(...GRANULARITIES), fc.integer({ min: 0, max: 12_000 }), fc.integer({ min: 0, max: 1_500 }), (g, a, span) => {
        const from = ymd(addDays(new Date(2000, 0, 1), a));
        const to = ymd(addDays(new Date(2000, 0, 1), a + (g === 'DAY' || g === 'WEEK' ? span % 200 : span)));
        const [start, end, next] = reference[g];
        const expected = [];
        for (let d = start(parseISO(from)); ymd(d) <= to; d = next(d)) {
          const e = ymd(end(d));
          expected.push({ start: ymd(d), end: e > to ? to : e });
        }
        expect(periods(g, from, to)).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });
});
