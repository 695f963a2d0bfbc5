import { failpoint } from '../config/failpoint.ts';
import { copyField, CopyRows, putAscii, putBytes, putUint } from '../db/copy-text.ts';
import type { Database, Sql } from '../db/database.ts';
import { createHash } from 'node:crypto';
import { CakupanError, isCakupanError, ConcurrencyError, ConflictError, DomainRuleViolation, ErrorCode, issuesMessage, type FieldIssue } from '../domain/errors.ts';
import type { ProposedEvent } from '../domain/events.ts';
import { decide, emptyStream, evolve, refold, type DecisionContext, type Fact, type StreamSnapshot } from '../domain/stream.ts';
import { canonicalEnvelope, canonicalJson, GENESIS_HASH, HashChain, PLAIN_ASCII, SCHEMA_VERSION } from './hash.ts';
import { streamHistories, streamStatesOf, type StateView, type StreamStates } from './stream-states.ts';

export type ExpectedVersion = number | 'NO_STREAM' | 'STREAM_EXISTS' | 'ANY';

export type AppendInput = ProposedEvent & {
  expectedVersion?: ExpectedVersion;
  metadata?: Record<string, unknown>;
  /**
   * The event's plain-ASCII COPY fields from stream_id to effective_on, when
   * the import's parse worker encoded them (`row[rowStart, rowEnd)`, see
   * `encodeResult`): the row and the hash input are copied from these bytes.
   */
  row?: Uint8Array;
  rowStart?: number;
  rowEnd?: number;
};

export type AppendOutcome =
  | { status: 'appended'; index: number; eventId: string; position: number; streamId: string; streamVersion: number }
  | { status: 'duplicate'; index: number; eventId: string; position: number; streamId: string }
  | {
      status: 'rejected';
      index: number;
      eventId: string;
      error: CakupanError;
      /** Set when the rejection is an earlier decision reported again (see `event_rejections`), not decided now. */
      decidedAt?: Date;
    };

export type AppendResult = {
  outcomes: AppendOutcome[];
  /** False when an atomic batch had a rejection and nothing was written. */
  committed: boolean;
  headPosition: number;
};

/** Every append takes this transaction-scoped lock, so positions commit in order. */
const APPEND_LOCK = 0x63616b75; // "caku"
export { SCHEMA_VERSION };

export type StoredRef = {
  event_id: string;
  position: number;
  stream_id: string;
  type: string;
  region_code: string | null;
  /** The stored payload (jsonb as text) and effective day: an id sent again is a duplicate only with the same content. */
  effective_on: string;
  data: string;
};

/** An event id's latest rejection against the log (`event_rejections`): its outcome until it is retried. */
export type EarlierRejection = { event_id: string; content_hash: Uint8Array; code: string; issues: FieldIssue[]; rejected_at: Date };

/** A rejection decided in this batch, recorded with the batch (see `event_rejections`). */
type FreshRejection = { eventId: string; contentHash: string; type: string; code: string; issues: FieldIssue[] };

/**
 * Appends a batch to the log in one transaction: idempotent on eventId,
 * checks expected versions and the domain rules against each stream's state
 * folded from the log (evolving through the batch, so later lines see earlier
 * ones), hashes the chain and writes the rows with one COPY.
 * `atomic`: any rejection writes nothing. Otherwise rejected events are
 * reported and every valid one is appended.
 *
 * Bulk imports mostly bring new events for new streams, so a batch is first
 * tried optimistically: streams the cache does not know are taken to be new
 * and the events to be absent from the log, without asking the log. The
 * unique indexes on event_id and (stream_id, stream_version) prove the guess
 * when the COPY succeeds: an event already in the log, or one decided against
 * a stream that in fact exists (it would take a version that is taken), makes
 * the COPY fail. That attempt, or one with any rejection (which a wrong guess
 * can also cause), is rolled back and the batch is decided again with both
 * looked up in the log, so the outcomes are always those of the careful path.
 */
export type AppendOptions = {
  /** All or nothing: any rejected event leaves the log untouched. */
  atomic: boolean;
  /**
   * Recorded time from an in-process clock instead of the database's: for
   * tests and benchmarks that record a history over many days. Never set in
   * production (the CLI and the API cannot), where recorded time is the store's.
   */
  clock?: () => Date;
  /**
   * Decide again the events whose ids were rejected against the log before
   * (`cakupan import --retry-rejected`); otherwise an earlier rejection is
   * the id's outcome and is reported again.
   */
  retryRejected?: boolean;
};

export async function appendEvents(db: Database, events: AppendInput[], opts: AppendOptions): Promise<AppendResult> {
  const streams = streamStatesOf(db);
  streams.beginRead();
  try {
    if (streams.optimistic && !events.some((e) => e.type === 'EventRetracted')) {
      const guessed = await appendOnce(db, streams, events, opts, 'guess').catch((e: unknown) => {
        if (isUniqueViolation(e)) return undefined;
        throw e;
      });
      if (guessed) return guessed;
      streams.optimistic = false;
    }
    return (await appendOnce(db, streams, events, opts, 'lookup'))!;
  } finally {
    streams.endRead();
  }
}

/** One attempt; with `guess`, undefined (and nothing written) when any event was rejected. */
async function appendOnce(db: Database, streams: StreamStates, events: AppendInput[], opts: AppendOptions, mode: 'guess' | 'lookup'): Promise<AppendResult | undefined> {
  const result = await db.transaction(async (tx) => {
    const head = await lockedHead(tx);
    await streams.sync(tx, head.position);
    const known = new Map<string, StoredRef>();
    const earlier = await earlierRejections(tx, events);
    // a guess assumes every id is new: an id rejected before is decided with lookups
    if (mode === 'guess' && earlier.size) return undefined;
    if (mode === 'lookup') {
      const retractionTargets = events.flatMap((e) => (e.type === 'EventRetracted' ? [e.data.eventId] : []));
      for (const row of await tx.query<StoredRef>(
        'SELECT event_id::text, position, stream_id, type, region_code, effective_on::text AS effective_on, data::text AS data FROM events WHERE event_id = ANY($1::uuid[])',
        [[...new Set([...events.map((e) => e.eventId), ...retractionTargets])]],
      )) known.set(row.event_id, row);
    }

    // Retractions file under the stream of the event they withdraw.
    for (const e of events) {
      if (e.type !== 'EventRetracted') continue;
      const target = known.get(e.data.eventId) ?? pendingTarget(events, e.data.eventId);
      if (target) Object.assign(e, { streamId: target.stream_id, regionCode: target.region_code });
    }
    let snapshots: StateView;
    let dirty: Map<string, StreamSnapshot>;
    if (mode === 'guess') {
      const view = streams.guess();
      snapshots = view;
      dirty = view.changed;
    } else {
      const loaded = await streams.load(tx, streamIdsOf(events));
      const changed = new Map<string, StreamSnapshot>();
      snapshots = {
        get: (id) => loaded.states.get(id),
        set: (id, state) => {
          loaded.states.set(id, state);
          changed.set(id, state);
        },
      };
      dirty = changed;
      // Nothing this batch needed was in the log already: the next may guess again.
      streams.optimistic = known.size === 0 && loaded.existing === 0;
    }
    const base = { ...head, recordedAt: laterOf(head.recordedAt, opts.clock?.() ?? (await storeClock(tx))) };
    const decided = await decideBatch(events, snapshots, known, base, {
      stopOnReject: mode === 'guess',
      earlier,
      retryRejected: opts.retryRejected ?? false,
      history: async (streamId) => (await streamHistories(tx, [streamId])).get(streamId) ?? [],
    });
    if (!decided) return undefined;
    if (opts.atomic && decided.rejected) {
      return { outcomes: decided.outcomes, committed: false, headPosition: head.position, dirty: new Map<string, StreamSnapshot>() };
    }
    await copyEvents(tx, decided);
    await recordRejections(tx, decided.rejections, head.position, base.recordedAt);
    failpoint('append-before-commit');
    return { outcomes: decided.outcomes, committed: true, headPosition: decided.position, dirty };
  });
  if (!result) return undefined;
  streams.committed(result.dirty, result.headPosition);
  return { outcomes: result.outcomes, committed: result.committed, headPosition: result.headPosition };
}

/** The end of the log: where the next batch continues the positions, the hash chain and recorded time. */
export type LogHead = { position: number; hash: Buffer; recordedAt: Date };

/** Takes the append lock, then reads the head (after the lock, so no append can slip in between). */
export async function lockedHead(tx: Sql): Promise<LogHead> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
  return readHead(tx);
}

export async function readHead(sql: Sql): Promise<LogHead> {
  const [head] = await sql.query<{ position: number; hash: Uint8Array; recorded_at: Date }>(
    'SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1',
  );
  return head ? { position: head.position, hash: Buffer.from(head.hash), recordedAt: head.recorded_at } : { position: 0, hash: GENESIS_HASH, recordedAt: new Date(0) };
}

/** The database's clock, to the millisecond stored: recorded time is the store's, not a client's. */
export async function storeClock(sql: Sql): Promise<Date> {
  return (await sql.query<{ now: Date }>("SELECT date_trunc('milliseconds', clock_timestamp()) AS now"))[0].now;
}

/** recorded_at never goes backwards along the log, even if the clock does. */
export const laterOf = (a: Date, b: Date) => (a > b ? a : b);

export type DecidedBatch = {
  outcomes: AppendOutcome[];
  /** Rejections decided in this batch, to record with it. */
  rejections: FreshRejection[];
  /** The appended events as COPY text rows. */
  rows: CopyRows;
  appended: number;
  rejected: boolean;
  /** The head after this batch. */
  position: number;
  hash: Buffer;
  recordedAt: Date;
};

/**
 * Decides a batch on top of `base`: duplicates (events in `known`) and
 * rejections are reported, every other event gets the next position, its
 * stream's next version, the chained hash and a COPY row. `snapshots` is
 * updated as events are decided, so later events see earlier ones. With
 * `stopOnReject` (a guess, which holds no retraction), returns undefined at
 * the first rejection, and an event id given twice in the batch is left to
 * the log's unique index to refuse.
 *
 * The events are decided synchronously in runs of a few hundred (one small
 * hot loop that the JIT compiles once); between runs the event loop gets a
 * turn, so the previous batch's COPY keeps streaming, and a retraction's
 * stream history is read from the log.
 */
export async function decideBatch(
  events: AppendInput[],
  snapshots: StateView,
  known: Map<string, StoredRef>,
  base: LogHead,
  opts: { stopOnReject: boolean; history: (streamId: string) => Promise<Fact[]>; earlier?: Map<string, EarlierRejection>; retryRejected?: boolean },
): Promise<DecidedBatch | undefined> {
  const batch = new BatchDecision(events, snapshots, known, base, opts.stopOnReject, opts.earlier ?? NO_REJECTIONS, opts.retryRejected ?? false);
  let index = 0;
  while (index < events.length) {
    index = batch.run(index, Math.min(events.length, index + YIELD_EVERY));
    if (batch.stopped) return undefined;
    if (index === events.length) break;
    const waiting = batch.needsHistory;
    if (waiting !== undefined) batch.histories.set(waiting, await opts.history(waiting));
    else await yieldToEventLoop();
  }
  return batch.result();
}

class BatchDecision {
  readonly pending = new Map<string, PendingFact>();
  readonly outcomes: AppendOutcome[] = [];
  readonly rejections: FreshRejection[] = [];
  /** Ids decided earlier in this batch (careful mode): the event and its outcome (its content is compared only when the id comes again). */
  readonly #decided = new Map<string, { event: AppendInput; position: number } | { event: AppendInput; error: CakupanError }>();
  readonly #earlier: Map<string, EarlierRejection>;
  readonly #retry: boolean;
  /** Log histories of the streams that retractions in this batch withdraw from. */
  readonly histories = new Map<string, Fact[]>();
  /** Set when `run` stopped before a retraction whose stream's history is not loaded yet. */
  needsHistory: string | undefined;
  stopped = false;
  readonly #events: AppendInput[];
  readonly #snapshots: StateView;
  readonly #known: Map<string, StoredRef>;
  readonly #stopOnReject: boolean;
  readonly #rows: CopyRows;
  readonly #chain: HashChain;
  readonly #recordedAt: Date;
  readonly #recordedAtText: string;
  readonly #recordedAtJson: string;
  readonly #decision: DecisionContext;
  #appended = 0;
  #position: number;
  #rejected = false;

  constructor(
    events: AppendInput[],
    snapshots: StateView,
    known: Map<string, StoredRef>,
    base: LogHead,
    stopOnReject: boolean,
    earlier: Map<string, EarlierRejection>,
    retry: boolean,
  ) {
    this.#earlier = earlier;
    this.#retry = retry;
    this.#events = events;
    this.#snapshots = snapshots;
    this.#known = known;
    this.#stopOnReject = stopOnReject;
    this.#rows = new CopyRows(events.length * 640);
    this.#chain = new HashChain(base.hash);
    this.#position = base.position;
    this.#recordedAt = base.recordedAt;
    this.#recordedAtText = base.recordedAt.toISOString();
    this.#recordedAtJson = JSON.stringify(this.#recordedAtText);
    this.#decision = {
      employer: (npp) => snapshots.get(`employer-${npp}`)?.employer,
      target: (id) => {
        const stored = known.get(id);
        const t = stored ? { streamId: stored.stream_id, type: stored.type } : this.pending.get(id);
        if (!t) return undefined;
        return { streamId: t.streamId, type: t.type, retracted: (snapshots.get(t.streamId)?.retracted ?? []).includes(id) };
      },
    };
  }

  /** Decides events[from, to); returns where it stopped (`to`, or earlier for a history or a rejection with stopOnReject). */
  run(from: number, to: number): number {
    this.needsHistory = undefined;
    const { pending, outcomes } = this;
    const careful = !this.#stopOnReject;
    for (let index = from; index < to; index++) {
      if (this.stopped) return index;
      const e = this.#events[index];
      // An id's outcome is final: in the log (a duplicate, or a CONFLICT when
      // the payload differs), rejected before (reported again, unless retried),
      // or decided earlier in this batch (the same, wherever batches are cut).
      const stored = this.#known.get(e.eventId);
      if (stored) {
        if (storedContent(stored) === contentOf(e)) outcomes.push({ status: 'duplicate', index, eventId: e.eventId, position: stored.position, streamId: stored.stream_id });
        else outcomes.push(this.#refused(index, e, new ConflictError(e.eventId, { position: stored.position })));
        continue;
      }
      const before = careful ? this.#decided.get(e.eventId) : undefined;
      if (before) {
        if (contentOf(before.event) !== contentOf(e)) {
          outcomes.push(this.#refused(index, e, 'position' in before ? new ConflictError(e.eventId, { position: before.position }) : new ConflictError(e.eventId, { rejectedAt: this.#recordedAt, code: before.error.code })));
        } else if ('position' in before) {
          outcomes.push({ status: 'duplicate', index, eventId: e.eventId, position: before.position, streamId: e.streamId });
        } else {
          outcomes.push(this.#refused(index, e, before.error));
        }
        continue;
      }
      const earlier = this.#retry ? undefined : this.#earlier.get(e.eventId);
      if (earlier) {
        const sameContent = Buffer.from(earlier.content_hash).toString('hex') === contentHash(contentOf(e));
        const error = sameContent ? new CakupanError(earlier.code as ErrorCode, issuesMessage(earlier.issues), earlier.issues) : new ConflictError(e.eventId, { rejectedAt: earlier.rejected_at, code: earlier.code });
        outcomes.push({ ...this.#refused(index, e, error), ...(sameContent ? { decidedAt: earlier.rejected_at } : {}) });
        continue;
      }
      try {
        if (e.type === 'EventRetracted' && !e.streamId) {
          throw new DomainRuleViolation('retract-existing', 'data.eventId', `no event ${e.data.eventId} in the log`);
        }
        const snapshot = this.#snapshots.get(e.streamId) ?? NEW_STREAM;
        checkExpectedVersion(e.streamId, e.expectedVersion ?? 'ANY', snapshot.version);
        decide(snapshot, e, this.#decision);
        let next: StreamSnapshot;
        if (e.type === 'EventRetracted') {
          const history = this.histories.get(e.streamId);
          if (!history) {
            // Decided again, from the start, once the history is loaded (the checks above change nothing).
            this.needsHistory = e.streamId;
            return index;
          }
          next = refold([...history, ...batchFacts(pending, e.streamId), e]);
        } else {
          next = evolve(snapshot, e);
        }
        const position = ++this.#position;
        const regionCode = e.regionCode ?? regionFromSnapshot(snapshot);
        if (e.row !== undefined && e.metadata === undefined && (regionCode === null || PLAIN_ASCII.test(regionCode))) {
          this.#appendEncoded(e, position, next.version, regionCode);
        } else {
          const dataJson = e.dataJson ?? canonicalJson(e.data);
          const metadataJson = e.metadata ? canonicalJson(e.metadata) : '{}';
          const hash = this.#chain.next(
            canonicalEnvelope(position, e.streamId, next.version, e.eventId, e.type, SCHEMA_VERSION, e.effectiveOn, this.#recordedAtJson, regionCode, dataJson, metadataJson),
          );
          this.#rows.push(
            `${copyField(e.streamId)}\t${e.eventId}\t${e.type}\t${SCHEMA_VERSION}\t${copyField(dataJson)}\t${copyField(metadataJson)}\t${e.effectiveOn}\t` +
              `${copyField(regionCode)}\t${position}\t${next.version}\t${this.#recordedAtText}\t\\\\x${hash}\n`,
          );
        }
        this.#appended += 1;
        this.#snapshots.set(e.streamId, next);
        if (careful) {
          pending.set(e.eventId, e);
          this.#decided.set(e.eventId, { event: e, position });
        }
        outcomes.push({ status: 'appended', index, eventId: e.eventId, position, streamId: e.streamId, streamVersion: next.version });
      } catch (error) {
        if (!isCakupanError(error)) throw error;
        if (this.#stopOnReject) {
          this.stopped = true;
          return index;
        }
        outcomes.push(this.#refused(index, e, error));
        this.#decided.set(e.eventId, { event: e, error });
        // a wrong expectedVersion is the caller's view of the stream, not a decision on the event: not recorded
        if (error.code !== ErrorCode.CONCURRENCY) this.rejections.push({ eventId: e.eventId, contentHash: contentHash(contentOf(e)), type: e.type, code: error.code, issues: error.issues });
      }
    }
    return to;
  }

  /** A rejection (with stopOnReject, the batch stops: a guess decides again with lookups). */
  #refused(index: number, e: AppendInput, error: CakupanError): AppendOutcome & { status: 'rejected' } {
    if (this.#stopOnReject) this.stopped = true;
    this.#rejected = true;
    return { status: 'rejected', index, eventId: e.eventId, error };
  }

  /**
   * The hash and the COPY row of an event whose plain-ASCII fields the parse
   * worker encoded (`e.row[rowStart, rowEnd)`: stream_id, event_id, type,
   * schema_version, data, metadata `{}` and effective_on, tab-separated),
   * copied byte for byte: the same bytes as the string path above, without
   * building a string per event. The canonical JSON is
   * `[position,"streamId",version,"eventId","type",schemaVersion,"effectiveOn",recordedAt,region,data,{}]`.
   */
  #appendEncoded(e: AppendInput, position: number, version: number, regionCode: string | null): void {
    const src = e.row!;
    const streamEnd = e.rowStart! + e.streamId.length;
    const idEnd = streamEnd + 1 + e.eventId.length;
    const typeEnd = idEnd + 1 + e.type.length;
    const dataStart = typeEnd + 2 + SCHEMA_VERSION_TEXT.length;
    const effStart = e.rowEnd! - e.effectiveOn.length;
    const dataEnd = effStart - 4; // "\t{}\t"
    // Room for the copied bytes and what goes around them (numbers, quotes, recorded time, region).
    const rowBytes = e.rowEnd! - e.rowStart! + (regionCode?.length ?? 0);

    const h = this.#chain.room(rowBytes + 96 + this.#recordedAtJson.length);
    let o = putAscii(h, 32, '[');
    o = putUint(h, o, position);
    o = putAscii(h, o, ',"');
    o = putBytes(h, o, src, e.rowStart!, streamEnd);
    o = putAscii(h, o, '",');
    o = putUint(h, o, version);
    o = putAscii(h, o, ',"');
    o = putBytes(h, o, src, streamEnd + 1, idEnd);
    o = putAscii(h, o, '","');
    o = putBytes(h, o, src, idEnd + 1, typeEnd);
    o = putAscii(h, o, `",${SCHEMA_VERSION_TEXT},"`);
    o = putBytes(h, o, src, effStart, e.rowEnd!);
    o = putAscii(h, o, '",');
    o = putAscii(h, o, this.#recordedAtJson);
    if (regionCode === null) o = putAscii(h, o, ',null,');
    else {
      o = putAscii(h, o, ',"');
      o = putAscii(h, o, regionCode);
      o = putAscii(h, o, '",');
    }
    o = putBytes(h, o, src, dataStart, dataEnd);
    o = putAscii(h, o, ',{}]');
    const hash = this.#chain.extend(o - 32);

    const r = this.#rows.reserve(rowBytes + 128 + this.#recordedAtText.length);
    let w = putBytes(r, this.#rows.length, src, e.rowStart!, e.rowEnd!);
    w = putAscii(r, w, '\t');
    w = regionCode === null ? putAscii(r, w, '\\N') : putAscii(r, w, regionCode);
    w = putAscii(r, w, '\t');
    w = putUint(r, w, position);
    w = putAscii(r, w, '\t');
    w = putUint(r, w, version);
    w = putAscii(r, w, '\t');
    w = putAscii(r, w, this.#recordedAtText);
    w = putAscii(r, w, '\t\\\\x');
    w = putAscii(r, w, hash);
    w = putAscii(r, w, '\n');
    this.#rows.wrote(w - this.#rows.length);
  }

  result(): DecidedBatch {
    return {
      outcomes: this.outcomes,
      rejections: this.rejections,
      rows: this.#rows,
      appended: this.#appended,
      rejected: this.#rejected,
      position: this.#position,
      hash: this.#chain.head,
      recordedAt: this.#recordedAt,
    };
  }
}

/** The state of a stream with no events yet (shared: deciders never change a state, they make the next one). */
const NEW_STREAM: StreamSnapshot = Object.freeze({ ...emptyStream(), retracted: Object.freeze([]) as unknown as string[] });

const NO_REJECTIONS = new Map<string, EarlierRejection>();

/**
 * What makes two events with one id the same event: type, effective day and
 * the payload as stored (canonical JSON, the worker pseudonymised). Not the
 * stream (a retraction's is filled in from the log) nor metadata.
 */
export const contentOf = (e: Pick<AppendInput, 'type' | 'effectiveOn' | 'data' | 'dataJson'>): string => `${e.type}\n${e.effectiveOn}\n${e.dataJson ?? canonicalJson(e.data)}`;
const storedContent = (s: StoredRef): string => `${s.type}\n${s.effective_on}\n${canonicalJson(JSON.parse(s.data))}`;
export const contentHash = (content: string): string => createHash('sha256').update(content, 'utf8').digest('hex');

/** The latest rejection of each of these ids that the log has recorded. */
export async function earlierRejections(tx: Sql, events: Pick<AppendInput, 'eventId'>[]): Promise<Map<string, EarlierRejection>> {
  const rows = await tx.query<EarlierRejection>(
    `SELECT DISTINCT ON (event_id) event_id::text, content_hash, code, issues, rejected_at
       FROM event_rejections WHERE event_id = ANY($1::uuid[]) ORDER BY event_id, seq DESC`,
    [events.map((e) => e.eventId)],
  );
  return rows.length ? new Map(rows.map((r) => [r.event_id, r])) : NO_REJECTIONS;
}

/** Records a batch's rejections in its transaction: the ids' outcomes from now on. */
export async function recordRejections(tx: Sql, rejections: FreshRejection[], headPosition: number, at: Date): Promise<void> {
  if (!rejections.length) return;
  await tx.query(
    `INSERT INTO event_rejections (event_id, content_hash, type, code, issues, head_position, rejected_at)
     SELECT r.id, decode(r.hash, 'hex'), r.type, r.code, r.issues::jsonb, $6, $7
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS r(id, hash, type, code, issues)`,
    [
      rejections.map((r) => r.eventId),
      rejections.map((r) => r.contentHash),
      rejections.map((r) => r.type),
      rejections.map((r) => r.code),
      rejections.map((r) => JSON.stringify(r.issues)),
      headPosition,
      at,
    ],
  );
}

const YIELD_EVERY = 500;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Writes decided rows with COPY. */
export async function copyEvents(tx: Sql, decided: Pick<DecidedBatch, 'rows' | 'appended'>): Promise<void> {
  if (decided.appended) await tx.copyIn('events', EVENT_COLUMNS, decided.rows.bytes);
}

// The order of the import's encoded fields (see `encodeResult`), then what the append decides.
const EVENT_COLUMNS = [
  'stream_id', 'event_id', 'type', 'schema_version', 'data', 'metadata', 'effective_on', 'region_code', 'position', 'stream_version', 'recorded_at', 'hash',
] as const;

const SCHEMA_VERSION_TEXT = String(SCHEMA_VERSION);

type PendingFact = Pick<AppendInput, 'streamId' | 'type' | 'data' | 'effectiveOn'>;

/** This batch's facts of one stream, not yet in the log. */
function batchFacts(pending: Map<string, PendingFact>, streamId: string): Fact[] {
  return [...pending].filter(([, f]) => f.streamId === streamId).map(([eventId, f]) => ({ eventId, type: f.type, data: f.data, effectiveOn: f.effectiveOn }) as Fact);
}

/** Streams whose state the batch needs: its own, and the employers that enrolments name. */
export function streamIdsOf(events: AppendInput[]): Set<string> {
  const ids = new Set<string>();
  for (const e of events) {
    if (e.streamId) ids.add(e.streamId);
    if (e.type === 'WorkerEnrolled' && e.data.employerNpp) ids.add(`employer-${e.data.employerNpp}`);
  }
  return ids;
}

function pendingTarget(events: AppendInput[], eventId: string): Pick<StoredRef, 'stream_id' | 'region_code'> | undefined {
  const e = events.find((x) => x.eventId === eventId && x.type !== 'EventRetracted');
  return e && { stream_id: e.streamId, region_code: e.regionCode };
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


/** A unique index refused a row (PostgreSQL error 23505). */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505';
}
