import type { Database, Sql } from '../db/database.ts';
import { CakupanError, isCakupanError, ConcurrencyError, DomainRuleViolation } from '../domain/errors.ts';
import type { ProposedEvent } from '../domain/events.ts';
import type { EmployerState } from '../domain/employer/employer.ts';
import { decide, emptyStream, evolve, refold, type StreamSnapshot } from '../domain/stream.ts';
import { chainHash, GENESIS_HASH } from './hash.ts';

export type ExpectedVersion = number | 'NO_STREAM' | 'STREAM_EXISTS' | 'ANY';

export type AppendInput = ProposedEvent & { expectedVersion?: ExpectedVersion; metadata?: Record<string, unknown> };

export type AppendOutcome =
  | { status: 'appended'; index: number; eventId: string; position: number; streamId: string; streamVersion: number }
  | { status: 'duplicate'; index: number; eventId: string; position: number; streamId: string }
  | { status: 'rejected'; index: number; eventId: string; error: CakupanError };

export type AppendResult = {
  outcomes: AppendOutcome[];
  /** False when an atomic batch had a rejection and nothing was written. */
  committed: boolean;
  headPosition: number;
};

/** Every append takes this transaction-scoped lock, so positions commit in order. */
const APPEND_LOCK = 0x63616b75; // "caku"
export const SCHEMA_VERSION = 1;

type StoredRef = { event_id: string; position: number; stream_id: string; type: string; region_code: string | null };

/**
 * Appends a batch to the log in one transaction: idempotent on eventId,
 * checks expected versions and the domain rules against each stream's
 * snapshot (evolving through the batch, so later lines see earlier ones),
 * hashes the chain and inserts with one multi-row statement.
 * `atomic`: any rejection writes nothing. Otherwise rejected events are
 * reported and every valid one is appended.
 */
export async function appendEvents(db: Database, events: AppendInput[], opts: { atomic: boolean }): Promise<AppendResult> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
    const [head] = await tx.query<{ position: number; hash: Uint8Array; recorded_at: Date }>(
      'SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1',
    );
    const retractionTargets = events.flatMap((e) => (e.type === 'EventRetracted' ? [e.data.eventId] : []));
    const known = new Map<string, StoredRef>();
    for (const row of await tx.query<StoredRef>(
      'SELECT event_id::text, position, stream_id, type, region_code FROM events WHERE event_id = ANY($1::uuid[])',
      [[...new Set([...events.map((e) => e.eventId), ...retractionTargets])]],
    )) known.set(row.event_id, row);

    // Retractions file under the stream of the event they withdraw.
    for (const e of events) {
      if (e.type !== 'EventRetracted') continue;
      const target = known.get(e.data.eventId) ?? pendingTarget(events, e.data.eventId);
      if (target) Object.assign(e, { streamId: target.stream_id, regionCode: target.region_code });
    }
    const snapshots = await loadSnapshots(tx, events);
    const dirty = new Set<string>();
    const pending = new Map<string, { streamId: string; type: string; regionCode: string | null }>();
    const rows: Record<string, unknown>[] = [];
    const outcomes: AppendOutcome[] = [];
    let position = head?.position ?? 0;
    let previousHash: Uint8Array = head ? Buffer.from(head.hash) : GENESIS_HASH;
    const now = (await tx.query<{ now: Date }>("SELECT date_trunc('milliseconds', clock_timestamp()) AS now"))[0].now;
    // recorded_at never goes backwards along the log, even if the clock does.
    const recordedAt = head && head.recorded_at > now ? head.recorded_at : now;

    for (const [index, e] of events.entries()) {
      const stored = known.get(e.eventId);
      if (stored) {
        outcomes.push({ status: 'duplicate', index, eventId: e.eventId, position: stored.position, streamId: stored.stream_id });
        continue;
      }
      if (pending.has(e.eventId)) {
        outcomes.push({ status: 'rejected', index, eventId: e.eventId, error: new DomainRuleViolation('unique-event-id', 'eventId', 'appears twice in this batch') });
        continue;
      }
      try {
        if (e.type === 'EventRetracted' && !e.streamId) {
          throw new DomainRuleViolation('retract-existing', 'data.eventId', `no event ${e.data.eventId} in the log`);
        }
        const snapshot = snapshots.get(e.streamId) ?? emptyStream();
        checkExpectedVersion(e.streamId, e.expectedVersion ?? 'ANY', snapshot.version);
        decide(snapshot, e, {
          employer: (npp) => snapshots.get(`employer-${npp}`)?.employer as EmployerState | undefined,
          target: (id) => {
            const t = known.get(id) ?? pending.get(id);
            if (!t) return undefined;
            const streamId = 'stream_id' in t ? t.stream_id : t.streamId;
            return { streamId, type: t.type, retracted: (snapshots.get(streamId)?.retracted ?? []).includes(id) };
          },
        });
        let next = evolve(snapshot, e);
        if (e.type === 'EventRetracted') {
          const history = await streamHistory(tx, e.streamId, rows);
          next = refold([...history, e]);
        }
        position += 1;
        const row = {
          position,
          streamId: e.streamId,
          streamVersion: next.version,
          eventId: e.eventId,
          type: e.type,
          schemaVersion: SCHEMA_VERSION,
          effectiveOn: e.effectiveOn,
          recordedAt,
          regionCode: e.regionCode ?? regionFromSnapshot(snapshot),
          data: e.data,
          metadata: e.metadata ?? {},
        };
        previousHash = chainHash(previousHash, row);
        rows.push({ ...row, hash: Buffer.from(previousHash).toString('hex') });
        snapshots.set(e.streamId, next);
        dirty.add(e.streamId);
        pending.set(e.eventId, { streamId: e.streamId, type: e.type, regionCode: row.regionCode });
        outcomes.push({ status: 'appended', index, eventId: e.eventId, position, streamId: e.streamId, streamVersion: next.version });
      } catch (error) {
        if (!isCakupanError(error)) throw error;
        outcomes.push({ status: 'rejected', index, eventId: e.eventId, error });
      }
    }

    if (opts.atomic && outcomes.some((o) => o.status === 'rejected')) {
      return { outcomes, committed: false, headPosition: head?.position ?? 0 };
    }
    if (rows.length) {
      await insertEvents(tx, rows);
      await saveSnapshots(tx, [...dirty].map((id) => ({ streamId: id, snapshot: snapshots.get(id)!, position })));
    }
    return { outcomes, committed: true, headPosition: position };
  });
}

function pendingTarget(events: AppendInput[], eventId: string): StoredRef | undefined {
  const e = events.find((x) => x.eventId === eventId && x.type !== 'EventRetracted');
  return e && { event_id: e.eventId, position: 0, stream_id: e.streamId, type: e.type, region_code: e.regionCode };
}

function regionFromSnapshot(s: StreamSnapshot): string | null {
  return s.worker?.regionCode ?? s.employer?.regionCode ?? null;
}

function checkExpectedVersion(streamId: string, expected: ExpectedVersion, actual: number): void {
  const ok =
    expected === 'ANY' ||
    (expected === 'NO_STREAM' && actual === 0) ||
    (expected === 'STREAM_EXISTS' && actual > 0) ||
    expected === actual;
  if (!ok) throw new ConcurrencyError(streamId, String(expected), actual);
}

async function loadSnapshots(tx: Sql, events: AppendInput[]): Promise<Map<string, StreamSnapshot>> {
  const ids = new Set<string>();
  for (const e of events) {
    if (e.streamId) ids.add(e.streamId);
    if (e.type === 'WorkerEnrolled' && e.data.employerNpp) ids.add(`employer-${e.data.employerNpp}`);
  }
  const rows = await tx.query<{ stream_id: string; state: StreamSnapshot }>(
    'SELECT stream_id, state FROM streams WHERE stream_id = ANY($1::text[])',
    [[...ids]],
  );
  return new Map(rows.map((r) => [r.stream_id, r.state]));
}

type Fact = Parameters<typeof refold>[0][number];

/** A stream's stored events plus those of this batch not yet inserted. */
async function streamHistory(tx: Sql, streamId: string, batchRows: Record<string, unknown>[]): Promise<Fact[]> {
  const stored = await tx.query<{ event_id: string; type: string; data: unknown; effective_on: string }>(
    'SELECT event_id::text, type, data, effective_on FROM events WHERE stream_id = $1 ORDER BY stream_version',
    [streamId],
  );
  const fromLog = stored.map((r) => ({ eventId: r.event_id, type: r.type, data: r.data, effectiveOn: r.effective_on }) as Fact);
  const fromBatch = batchRows
    .filter((r) => r.streamId === streamId)
    .map((r) => ({ eventId: r.eventId, type: r.type, data: r.data, effectiveOn: r.effectiveOn }) as Fact);
  return [...fromLog, ...fromBatch];
}

async function insertEvents(tx: Sql, rows: Record<string, unknown>[]): Promise<void> {
  await tx.query(
    `INSERT INTO events (position, stream_id, stream_version, event_id, type, schema_version, data, metadata,
                         effective_on, recorded_at, region_code, hash)
     SELECT "position", "streamId", "streamVersion", "eventId", type, "schemaVersion", data, metadata,
            "effectiveOn", "recordedAt", "regionCode", decode(hash, 'hex')
       FROM jsonb_to_recordset($1::jsonb) AS r("position" bigint, "streamId" text, "streamVersion" int, "eventId" uuid,
            type text, "schemaVersion" int, data jsonb, metadata jsonb, "effectiveOn" date, "recordedAt" timestamptz,
            "regionCode" text, hash text)`,
    [JSON.stringify(rows)],
  );
}

async function saveSnapshots(tx: Sql, items: { streamId: string; snapshot: StreamSnapshot; position: number }[]): Promise<void> {
  await tx.query(
    `INSERT INTO streams (stream_id, version, state, position)
     SELECT "streamId", (snapshot->>'version')::int, snapshot, "position"
       FROM jsonb_to_recordset($1::jsonb) AS r("streamId" text, snapshot jsonb, "position" bigint)
     ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, state = EXCLUDED.state, position = EXCLUDED.position`,
    [JSON.stringify(items)],
  );
}
