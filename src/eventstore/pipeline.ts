import { failpoint } from '../config/failpoint.ts';
import type { Database } from '../db/database.ts';
import {
  appendEvents,
  copyEvents,
  decideBatch,
  earlierRejections,
  isUniqueViolation,
  laterOf,
  lockedHead,
  readHead,
  storeClock,
  type AppendInput,
  type AppendResult,
  type DecidedBatch,
  type LogHead,
} from './append.ts';
import { streamStatesOf, type StreamStates, type TentativeView } from './stream-states.ts';

type Prepared = { base: LogHead; decided: DecidedBatch; states: TentativeView };

/**
 * Appends a sequence of import batches (non-atomic), deciding each batch while
 * the previous one is still being written: the main thread decides and hashes
 * batch n+1 while the database copies batch n in.
 *
 * Batch n+1 is decided on top of where batch n will leave the log (its head,
 * and its stream states, which are in the write side's cache already: see
 * `StreamStates.tentative`), taking unseen streams to be new, as `appendEvents`
 * does optimistically. Its write then takes the append lock and checks that
 * the head is exactly that (same position and hash): if another writer came
 * in between, if batch n was not written as decided, if any event was
 * rejected, if an id was rejected against the log before, or if a unique
 * index refuses a row, the batch is appended again
 * through `appendEvents`, which decides it against the log. So the outcomes
 * are always those of appending the batches one by one.
 */
export class AppendPipeline {
  readonly #db: Database;
  readonly #streams: StreamStates;
  /** Where the last decided batch leaves the log, while it is decided on top of the batches before it. */
  #tail: LogHead | undefined;
  #deciding: Promise<unknown> = Promise.resolve();
  #writing: Promise<unknown> = Promise.resolve();
  /** The first write that failed: no later batch is written after it (the log keeps the file's order). */
  #failure: Error | undefined;

  readonly #retryRejected: boolean;

  /** `retryRejected`: ids rejected against the log before are decided again (see `appendEvents`). */
  constructor(db: Database, opts: { retryRejected?: boolean } = {}) {
    this.#retryRejected = opts.retryRejected ?? false;
    this.#db = db;
    this.#streams = streamStatesOf(db);
  }

  /**
   * Decides the batch as soon as the previous one is decided, and writes it
   * after the previous one is written. Once a write has failed, later batches
   * are refused with that error rather than written out of order.
   */
  append(events: AppendInput[]): Promise<AppendResult> {
    const earlierWrites = this.#writing;
    const prepared = this.#deciding.then(() => this.#prepare(events, earlierWrites)).catch(() => undefined);
    this.#deciding = prepared;
    const written = Promise.all([prepared, earlierWrites]).then(([p]) => {
      if (this.#failure) {
        p?.states.settle(false);
        throw new Error(`not written: an earlier batch failed (${this.#failure.message})`, { cause: this.#failure });
      }
      return this.#write(events, p);
    });
    this.#writing = written.catch((e: unknown) => {
      this.#failure ??= e instanceof Error ? e : new Error(String(e));
    });
    return written;
  }

  async #prepare(events: AppendInput[], earlierWrites: Promise<unknown>): Promise<Prepared | undefined> {
    if (!this.#streams.optimistic || events.some((e) => e.type === 'EventRetracted' || e.expectedVersion !== undefined)) {
      this.#tail = undefined;
      return undefined;
    }
    if (!this.#tail) {
      // Nothing decided ahead: start from the log as the earlier batches leave it (verified under the lock when written).
      await earlierWrites;
      const head = await readHead(this.#db);
      await this.#streams.sync(this.#db, head.position);
      this.#tail = head;
    }
    const tail = this.#tail;
    const base: LogHead = { position: tail.position, hash: tail.hash, recordedAt: laterOf(tail.recordedAt, await storeClock(this.#db)) };
    const states = this.#streams.tentative();
    const decided = await decideBatch(events, states, new Map(), base, { stopOnReject: true, history: async () => [] });
    if (!decided) {
      states.settle(false);
      this.#tail = undefined;
      return undefined;
    }
    this.#tail = { position: decided.position, hash: decided.hash, recordedAt: decided.recordedAt };
    return { base, decided, states };
  }

  async #write(events: AppendInput[], prepared: Prepared | undefined): Promise<AppendResult> {
    if (prepared) {
      const written = await this.#db
        .transaction(async (tx) => {
          const head = await lockedHead(tx);
          if (head.position !== prepared.base.position || !head.hash.equals(prepared.base.hash)) return false;
          // decided as new ids: one that was rejected before is decided with lookups
          if ((await earlierRejections(tx, events)).size) return false;
          await copyEvents(tx, prepared.decided);
          failpoint('append-before-commit');
          return true;
        })
        .catch((e: unknown) => {
          if (isUniqueViolation(e)) return false;
          prepared.states.settle(false);
          throw e;
        });
      const { decided } = prepared;
      prepared.states.settle(written, decided.position);
      if (written) return { outcomes: decided.outcomes, committed: true, headPosition: decided.position };
      this.#streams.optimistic = false;
    }
    // Later batches decided on top of this one cannot be written as decided either.
    this.#tail = undefined;
    return appendEvents(this.#db, events, { atomic: false, retryRejected: this.#retryRejected });
  }
}
