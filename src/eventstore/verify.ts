import type { Sql } from '../db/database.ts';
import { chainHash, GENESIS_HASH } from './hash.ts';

export type Verification = { ok: boolean; checkedEvents: number; firstBadPosition: number | null; reason: string | null; headPosition: number; headHash: string | null };

type Row = {
  position: number; stream_id: string; stream_version: number; event_id: string; type: string; schema_version: number;
  effective_on: string; recorded_at: Date; region_code: string | null; data: unknown; metadata: unknown; hash: Uint8Array;
};

/**
 * Recomputes the hash chain over [from, to] (default: the whole log), starting
 * from the stored hash before `from`. The first position whose stored hash
 * differs from the recomputed one, or that breaks the gap-free sequence, is
 * reported: everything after it is unproven.
 */
export async function verifyChain(sql: Sql, from = 1, to = Number.MAX_SAFE_INTEGER, onProgress?: (position: number) => void): Promise<Verification> {
  const [head] = await sql.query<{ position: number; hash: Uint8Array }>('SELECT position, hash FROM events ORDER BY position DESC LIMIT 1');
  const headPosition = head?.position ?? 0;
  const headHash = head ? Buffer.from(head.hash).toString('hex') : null;
  let previous: Uint8Array = GENESIS_HASH;
  if (from > 1) {
    const [before] = await sql.query<{ hash: Uint8Array }>('SELECT hash FROM events WHERE position = $1', [from - 1]);
    if (!before) return { ok: false, checkedEvents: 0, firstBadPosition: from - 1, reason: `position ${from - 1} is missing`, headPosition, headHash };
    previous = before.hash;
  }
  let expected = from;
  let checked = 0;
  for (;;) {
    const rows = await sql.query<Row>(
      `SELECT position, stream_id, stream_version, event_id::text, type, schema_version, effective_on, recorded_at, region_code, data, metadata, hash
         FROM events WHERE position >= $1 AND position <= $2 ORDER BY position LIMIT 10000`,
      [expected, to],
    );
    if (!rows.length) break;
    for (const r of rows) {
      const bad = (reason: string) => ({ ok: false, checkedEvents: checked, firstBadPosition: expected, reason, headPosition, headHash });
      if (r.position !== expected) return bad(`position ${expected} is missing`);
      const recomputed = chainHash(previous, {
        position: r.position, streamId: r.stream_id, streamVersion: r.stream_version, eventId: r.event_id, type: r.type,
        schemaVersion: r.schema_version, effectiveOn: r.effective_on, recordedAt: new Date(r.recorded_at), regionCode: r.region_code,
        data: r.data, metadata: r.metadata,
      });
      if (!recomputed.equals(Buffer.from(r.hash))) return bad('stored hash does not match the recomputed chain (the event or an earlier one was altered)');
      previous = recomputed;
      checked += 1;
      expected += 1;
    }
    onProgress?.(expected - 1);
  }
  return { ok: true, checkedEvents: checked, firstBadPosition: null, reason: null, headPosition, headHash };
}
