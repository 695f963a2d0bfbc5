/** Calendar days as day numbers (days since 1970-01-01, UTC) and back: what typed arrays keep instead of date strings. */
export const DAY_MS = 86_400_000;

/** The day number of a `YYYY-MM-DD` date (NaN when it is none). */
export const dayOf = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / DAY_MS;

const isoCache = new Map<number, string>();

/** The `YYYY-MM-DD` date of a day number, made once per day. */
export function isoOf(day: number): string {
  let s = isoCache.get(day);
  if (s === undefined) {
    s = new Date(day * DAY_MS).toISOString().slice(0, 10);
    isoCache.set(day, s);
  }
  return s;
}
