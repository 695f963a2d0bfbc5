import type { Database, Sql } from '../db/database.ts';
import { emptyStream, refold, type Fact, type StreamSnapshot } from '../domain/stream.ts';
import { CompactWorkerStates, ownCopy } from './compact-states.ts';

/**
 * The write side's view of streams: the state the deciders need, folded from
 * each stream's events in the log (there is no separate snapshot table that
 * could drift from it). Folded states are kept in a bounded in-process cache
 * that is only trusted at the log head it was filled at: when another writer
 * has appended since, the streams it touched are dropped first.
 *
 * The cache keeps two generations of Maps: states are set in the recent one,
 * a state found only in the older one moves to the recent one, and when the
 * recent one is full it becomes the older one and the older one is dropped.
 * So whatever was used within the last generation stays (an import's hot
 * employers, say), at about the cost of a Map lookup, with no per-entry
 * recency bookkeeping; a miss only costs a fold from the log.
 *
 * Worker streams, nearly all of a national history's streams, are kept apart
 * in a compact table ({@link CompactWorkerStates}, about 40 bytes a stream)
 * that is not evicted: a lapse arriving years after its enrolment still finds
 * the worker's state, so a long import stays on the optimistic path instead
 * of looking every later batch up in the log. The generations above hold the
 * rest (employers, reference streams, states with retractions).
 *
 * The import pipeline decides batches ahead of the log and writes their
 * states into the cache as it decides them (see {@link StreamStates.tentative}):
 * one Map write per event instead of a batch's own layer that every later
 * lookup would have to search first.
 */
export class StreamStates {
  #recent = new Map<string, StreamSnapshot>();
  #older = new Map<string, StreamSnapshot>();
  readonly #workers: CompactWorkerStates;
  /** Whether a worker-shaped id may be in the generations (then a compact set removes it from them). */
  #workersInMaps = false;
  /** States per generation: at most twice this many are kept. */
  readonly #generation: number;
  /** Log position the cached states are current at; -1 when nothing is cached. */
  #head = -1;
  /**
   * Whether the next append may assume that streams missing from the cache are
   * new and that its events are not in the log yet (see `appendEvents`). Off
   * after such a guess failed, on again after a batch that found neither.
   */
  optimistic = true;
  /** Bumped whenever the cache is dropped: views from before stop writing into it. */
  #epoch = 0;
  /** Tentative batches of this epoch not yet settled. */
  #open = 0;
  /** Appends deciding against the log (see {@link beginRead}) in progress. */
  #readers = 0;

  /**
   * `max`: states in the generations (employers, licences and the rest: the
   * reference scenario has about one for every 25 workers, 250,000 at a tenth
   * of the national scale, and an employer missing from the cache turns a
   * batch's guess into lookups); `maxWorkers`: worker streams in the compact table.
   */
  constructor(max = 2_000_000, maxWorkers?: number) {
    this.#generation = Math.max(1, Math.ceil(max / 2));
    this.#workers = new CompactWorkerStates(maxWorkers);
  }

  /** Worker states in the compact table and the bytes it holds, and the states in the generations (for logs and tests). */
  get compact(): { streams: number; bytes: number; others: number } {
    return { streams: this.#workers.size, bytes: this.#workers.bytes, others: this.#recent.size + this.#older.size };
  }

  /** Brings the cache in line with the log head (call under the append lock, or before any tentative batch). */
  async sync(tx: Sql, head: number): Promise<void> {
    if (head === this.#head) return;
    // Tentative states are dropped with the rest: they were decided on top of a head that has moved.
    if (this.#open === 0 && this.#head >= 0 && head > this.#head && head - this.#head <= 100_000) {
      const touched = await tx.query<{ stream_id: string }>('SELECT DISTINCT stream_id FROM events WHERE position > $1', [this.#head]);
      for (const { stream_id } of touched) {
        this.#recent.delete(stream_id);
        this.#older.delete(stream_id);
        this.#workers.delete(stream_id);
      }
    } else {
      this.#drop();
    }
    this.#head = head;
  }

  /**
   * The states of these streams at the synced head, from the cache or folded
   * from the log; `existing` counts the streams the log had to supply.
   */
  async load(tx: Sql, ids: Iterable<string>): Promise<{ states: Map<string, StreamSnapshot>; existing: number }> {
    const { states, missing } = this.#cached(ids);
    let existing = 0;
    if (missing.length) {
      for (const [id, history] of await streamHistories(tx, missing)) {
        states.set(id, refold(history));
        existing += 1;
      }
      for (const id of missing) {
        if (!states.has(id)) states.set(id, emptyStream());
        this.#remember(id, states.get(id)!);
      }
    }
    return { states, existing };
  }

  /**
   * Like `load`, but takes a stream missing from the cache to be new, without
   * asking the log, and looks states up only as the batch asks for them.
   * What the batch sets stays in the view (`changed`) until `committed`.
   */
  guess(): StateView & { changed: Map<string, StreamSnapshot> } {
    const changed = new Map<string, StreamSnapshot>();
    const cached = (id: string) => this.#lookup(id);
    return {
      changed,
      get: (id) => changed.get(id) ?? cached(id),
      set: (id, state) => void changed.set(id, state),
    };
  }

  /**
   * A view for a batch decided ahead of the log (the import pipeline): like
   * `guess`, but the states the batch decides go straight into the cache, so
   * the batches decided after it see them there. `settle` then says whether
   * the batch was written as decided. The cache stays true to the log because:
   * - tentative batches are written in the order they were decided, each on
   *   top of the one before, so once written their states are the log's;
   * - when one is not written as decided (a rejection, another writer, a
   *   failed write), the whole cache is dropped: the later ones were decided
   *   on top of it and will not be written as decided either;
   * - while an append decides against the log ({@link beginRead}), no
   *   tentative state is written, and any already there are dropped when it
   *   starts; a batch that could not write all its states drops the cache
   *   when it settles.
   * A state missing from the cache is safe: a batch guessing from it takes a
   * stream version that is taken, which the log's unique index refuses.
   */
  tentative(): TentativeView {
    const epoch = this.#epoch;
    let lossy = false;
    let settled = false;
    this.#open += 1;
    return {
      get: (id) => this.#lookup(id),
      set: (id, state) => {
        if (epoch === this.#epoch && this.#readers === 0) this.#remember(id, state);
        else lossy = true;
      },
      settle: (written, position = -1) => {
        if (settled || epoch !== this.#epoch) return;
        settled = true;
        this.#open -= 1;
        if (!written || lossy) this.#drop();
        else if (position > this.#head) this.#head = position;
      },
    };
  }

  /**
   * An append that decides against the log starts: tentative states are
   * dropped (they may never be written) and none are written until `endRead`.
   */
  beginRead(): void {
    this.#readers += 1;
    if (this.#open > 0) this.#drop();
  }

  endRead(): void {
    this.#readers -= 1;
  }

  #drop(): void {
    this.#recent.clear();
    this.#older.clear();
    this.#workers.clear();
    this.#workersInMaps = false;
    this.#head = -1;
    this.#epoch += 1;
    this.#open = 0;
  }

  #cached(ids: Iterable<string>): { states: Map<string, StreamSnapshot>; missing: string[] } {
    const states = new Map<string, StreamSnapshot>();
    const missing: string[] = [];
    for (const id of ids) {
      const cached = this.#lookup(id);
      if (cached) states.set(id, cached);
      else missing.push(id);
    }
    return { states, missing };
  }

  /**
   * Records the states a committed append produced, current at `head`. It runs
   * after the lock is released, so a later append of this process may already
   * have moved the cache on: then these (older) states are dropped.
   */
  committed(states: Map<string, StreamSnapshot>, head: number): void {
    if (head < this.#head) return;
    for (const [id, state] of states) this.#remember(id, state);
    this.#head = head;
  }

  #lookup(id: string): StreamSnapshot | undefined {
    const worker = this.#workers.get(id);
    if (worker !== undefined) return worker;
    const recent = this.#recent.get(id);
    if (recent !== undefined) return recent;
    const older = this.#older.get(id);
    if (older !== undefined) this.#remember(id, older);
    return older;
  }

  #remember(id: string, state: StreamSnapshot): void {
    if (this.#workers.set(id, state)) {
      if (this.#workersInMaps) {
        this.#recent.delete(id);
        this.#older.delete(id);
      }
      return;
    }
    if (CompactWorkerStates.holds(id)) this.#workersInMaps = true;
    // a stream id parsed from an import is a slice of its whole block of lines (hundreds of KB):
    // a key kept for long must not keep that block alive
    this.#recent.set(this.#recent.has(id) ? id : ownCopy(id), state);
    if (this.#recent.size >= this.#generation) {
      this.#older = this.#recent;
      this.#recent = new Map();
    }
  }
}

/** Stream states as a batch is decided against them (see `decideBatch`). */
export interface StateView {
  get(streamId: string): StreamSnapshot | undefined;
  set(streamId: string, state: StreamSnapshot): void;
}

export interface TentativeView extends StateView {
  /** Whether the batch was written as decided (and the log position after it); once. */
  settle(written: boolean, position?: number): void;
}

const perDatabase = new WeakMap<Database, StreamStates>();

export function streamStatesOf(db: Database): StreamStates {
  let states = perDatabase.get(db);
  if (!states) perDatabase.set(db, (states = new StreamStates()));
  return states;
}

/** Each stream's events in stream order, as facts the deciders fold. */
export async function streamHistories(tx: Sql, ids: string[]): Promise<Map<string, Fact[]>> {
  const rows = await tx.query<{ stream_id: string; event_id: string; type: string; data: unknown; effective_on: string }>(
    `SELECT stream_id, event_id::text, type, data, effective_on FROM events
      WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, stream_version`,
    [ids],
  );
  const histories = new Map<string, Fact[]>();
  for (const r of rows) {
    let history = histories.get(r.stream_id);
    if (!history) histories.set(r.stream_id, (history = []));
    history.push({ eventId: r.event_id, type: r.type, data: r.data, effectiveOn: r.effective_on } as Fact);
  }
  return histories;
}
