import { Temporal } from '@js-temporal/polyfill';

// Calendar checks through Temporal, memoised: an import repeats the same few
// thousand dates millions of times, and the polyfill is slow per call.
const realDates = new Map<string, boolean>();

/** True when year-month-day is a real Gregorian date. */
export function isRealDate(year: number, month: number, day: number): boolean {
  const key = `${year}-${month}-${day}`;
  let ok = realDates.get(key);
  if (ok === undefined) {
    try {
      Temporal.PlainDate.from({ year, month, day }, { overflow: 'reject' });
      ok = true;
    } catch {
      ok = false;
    }
    if (realDates.size < 200_000) realDates.set(key, ok);
  }
  return ok;
}

/**
 * The dates the service accepts anywhere (import fields, `from`, `to`, `date`,
 * `asOf`): wide enough for any coverage history and target, narrow enough
 * that no date arithmetic or database conversion can overflow.
 */
export const SUPPORTED_DATES = { from: '1900-01-01', to: '2199-12-31' } as const;
export const DATE_RULE = `must be a real calendar date YYYY-MM-DD from ${SUPPORTED_DATES.from} to ${SUPPORTED_DATES.to}`;

/** True for a real calendar date written YYYY-MM-DD within SUPPORTED_DATES. */
export function isIsoDate(s: string): boolean {
  let ok = isoDates.get(s);
  if (ok === undefined) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
    ok = m !== null && s >= SUPPORTED_DATES.from && s <= SUPPORTED_DATES.to && isRealDate(Number(m[1]), Number(m[2]), Number(m[3]));
    if (isoDates.size < 200_000) isoDates.set(s, ok);
  }
  return ok;
}
const isoDates = new Map<string, boolean>();
