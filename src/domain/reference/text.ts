// What text the store can hold, and the shape of an id: one rule for the
// import's fields, the API's arguments and the CLI's key ids.

/** A string without a lone UTF-16 surrogate (PostgreSQL cannot store one in text or jsonb). */
export const isWellFormedUnicode = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** Text PostgreSQL can store: well-formed Unicode without a NUL character. */
export const isStorableText = (s: string): boolean => !s.includes('\u0000') && isWellFormedUnicode(s);

/** A UUID in its canonical hyphenated form, either case. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
