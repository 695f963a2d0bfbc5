import { Repeater } from 'graphql-yoga';
import { logger } from '../config/logger.ts';

/** The read models moved: answers now reflect the log up to `position`. */
export type LogAdvanced = { position: number; recordedAt: Date | null };

/**
 * Tells subscribers when the read models this server answers from move past a
 * position. Whatever may have moved them (a mutation's catch-up in this
 * process, the follower's NOTIFY or poll) calls `poke`; the watch reads where
 * they stand (one query, only while someone listens) and publishes each new
 * position once, in order. `close` ends every subscription (a draining server
 * must not wait for streams that never end).
 */
export class LogWatch {
  private readonly listeners = new Set<(a: LogAdvanced) => void>();
  private readonly stops = new Set<() => void>();
  private last: LogAdvanced | undefined;
  private checking: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly read: () => Promise<LogAdvanced>) {}

  /** The read models may have moved: reads where they stand and publishes a new position. */
  poke(): void {
    if (this.closed || this.listeners.size === 0) return;
    if (this.checking) {
      this.again = true; // moved during a check: look once more after it
      return;
    }
    this.checking = (async () => {
      do {
        this.again = false;
        const now = await this.read();
        if (this.last && now.position <= this.last.position) continue;
        this.last = now;
        for (const l of this.listeners) l(now);
      } while (this.again && !this.closed);
    })()
      .catch((e: Error) => logger.warn({ err: e }, `watching the read models: ${e.message}`))
      .finally(() => (this.checking = undefined));
  }

  /**
   * Every advance from now on, until the consumer returns or the watch closes.
   * Advances a slow consumer has not taken yet collapse into the newest.
   */
  subscribe(): AsyncIterableIterator<LogAdvanced> {
    return new Repeater<LogAdvanced>(async (push, stop) => {
      if (this.closed) return stop();
      let pending: LogAdvanced | undefined;
      let waiting = false;
      const listener = (a: LogAdvanced) => {
        pending = a;
        if (waiting) return;
        waiting = true;
        // push resolves when the consumer takes it; until then newer advances replace the pending one
        void push(pending).then(() => {
          waiting = false;
          if (pending !== a) listener(pending!);
        });
      };
      this.listeners.add(listener);
      this.stops.add(stop);
      await stop;
      this.listeners.delete(listener);
      this.stops.delete(stop);
    });
  }

  close(): void {
    this.closed = true;
    for (const stop of this.stops) stop();
  }
}
