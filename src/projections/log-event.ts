import type { Sql } from '../db/database.ts';

/** An event as projections read it from the log. */
export type LogEvent = {
  position: number;
  streamId: string;
  eventId: string;
  type: string;
  data: Record<string, any>;
  effectiveOn: string;
  recordedAt: Date;
};

const COLUMNS = 'position, stream_id AS "streamId", event_id::text AS "eventId", type, data, effective_on AS "effectiveOn", recorded_at AS "recordedAt"';

export async function readLog(sql: Sql, afterPosition: number, limit: number, toPosition = Number.MAX_SAFE_INTEGER): Promise<LogEvent[]> {
  return normalise(
    await sql.query<LogEvent>(`SELECT ${COLUMNS} FROM events WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3`, [afterPosition, toPosition, limit]),
  );
}

/** One stream's events up to and including a position, in order. */
export async function readStream(sql: Sql, streamId: string, toPosition: number): Promise<LogEvent[]> {
  return normalise(await sql.query<LogEvent>(`SELECT ${COLUMNS} FROM events WHERE stream_id = $1 AND position <= $2 ORDER BY position`, [streamId, toPosition]));
}

function normalise(rows: LogEvent[]): LogEvent[] {
  for (const r of rows) if (!(r.recordedAt instanceof Date)) r.recordedAt = new Date(r.recordedAt);
  return rows;
}

const jakarta = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The Asia/Jakarta calendar day of an instant, YYYY-MM-DD. */
export const jakartaDay = (t: Date): string => jakarta.format(t);

/** Midnight (Asia/Jakarta, UTC+7 without DST) starting the day of an instant. */
export const jakartaDayStart = (t: Date): Date => new Date(`${jakartaDay(t)}T00:00:00+07:00`);
