import pg from 'pg';
import { logger } from '../config/logger.ts';
import type { Database } from '../db/database.ts';
import { catchUp, PROJECTED_CHANNEL, type CatchUpOptions } from './runner.ts';

/** The advisory lock whose session holder is the one projector among the servers on a database. */
const LEADER_LOCK = 0x63616b77;
export const LOG_CHANNEL = 'cakupan_log';

export type Follower = {
  /** Whether this process holds the projector lock now. */
  readonly leader: boolean;
  /** Stops following; resolves once a running catch-up has committed its batch. */
  stop(): Promise<void>;
};

/**
 * Keeps the read models of a PostgreSQL database up with the log, whoever
 * appends (another server, `cakupan import`, plain SQL). Every server follows;
 * exactly one, the holder of a session advisory lock on its own connection,
 * projects. It wakes on the log's NOTIFY (a trigger on `events`) and, as a
 * fallback, polls every `pollMs`. The others retry the lock at each poll, so
 * when the leader dies (its session ends, and with it the lock) another takes
 * over within one poll. A dropped connection is reopened with back-off;
 * positions commit in order (the append lock), so catching up to the head is
 * gap-safe, and each batch commits with its checkpoint.
 */
export function followLog(
  db: Database,
  opts: {
    pollMs?: number;
    onAdvance?: (position: number) => void;
    /** The read models may have moved (a batch committed by any projector, with its position; or a poll, or a reconnect). */
    onProjected?: (position?: number) => void;
    /** The roll-up deltas of the batches this server projects (for its own cube). */
    onChanges?: CatchUpOptions['onChanges'];
  } = {},
): Follower {
  if (db.engine !== 'postgres' || !db.url) throw new Error('following the log needs PostgreSQL (PGlite serves one process)');
  const pollMs = opts.pollMs ?? 1000;
  let client: pg.Client | undefined;
  let leader = false;
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;

  const project = () => {
    if (!leader || stopped) return;
    if (running) {
      again = true; // a notification during a catch-up: one more round after it
      return;
    }
    running = (async () => {
      do {
        again = false;
        const position = await catchUp(db, { onChanges: opts.onChanges });
        opts.onAdvance?.(position);
      } while (again && !stopped);
    })()
      .catch((e: Error) => logger.warn({ err: e }, `following the log: catch-up failed (${e.message}); retrying at the next poll`))
      .finally(() => (running = undefined));
  };

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: db.url });
    c.on('error', (e) => {
      logger.warn({ err: e }, `following the log: connection lost (${e.message}); reconnecting`);
      if (client === c) {
        client = undefined;
        leader = false;
      }
      c.end().catch(() => {});
    });
    c.on('notification', (n) => {
      if (n.channel === LOG_CHANNEL) project();
      else if (n.channel === PROJECTED_CHANNEL) opts.onProjected?.(Number(n.payload) || undefined);
    });
    await c.connect();
    await c.query(`LISTEN ${LOG_CHANNEL}`);
    await c.query(`LISTEN ${PROJECTED_CHANNEL}`);
    client = c;
  };

  const tick = async () => {
    try {
      if (!client) await connect();
      if (stopped) return;
      if (!leader) {
        const [row] = (await client!.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LEADER_LOCK])).rows;
        if (row.ok) {
          leader = true;
          logger.info('following the log: this server is the projector');
        }
      }
      project();
      opts.onProjected?.(); // the poll fallback, also for what was missed while disconnected
    } catch (e) {
      logger.warn({ err: e }, `following the log: ${(e as Error).message}; retrying in ${pollMs} ms`);
      client?.end().catch(() => {});
      client = undefined;
      leader = false;
    } finally {
      if (!stopped) timer = setTimeout(() => (ticking = tick()), pollMs);
    }
  };
  ticking = tick();

  return {
    get leader() {
      return leader;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await ticking;
      await running;
      await client?.end().catch(() => {});
      client = undefined;
      leader = false;
    },
  };
}
