import { readFileSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { PGlite, types } from '@electric-sql/pglite';
import { CopyBinary } from './copy-binary.ts';

/** The SQL surface the hot paths use; identical on PGlite and PostgreSQL. */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters. */
  exec(script: string): Promise<void>;
  /**
   * Bulk-loads rows with `COPY table (columns) FROM STDIN` in PostgreSQL's text
   * format: one row per line, tab-separated, `\N` for NULL, fields escaped with
   * `copyField` (copy-text.ts); as a string or as UTF-8 bytes (`CopyRows`);
   * or rows in the binary format (`CopyBinary`, copy-binary.ts).
   */
  copyIn(table: string, columns: readonly string[], rows: string | Uint8Array | CopyBinary): Promise<void>;
  /**
   * A binary `COPY table (columns) FROM STDIN` fed chunk by chunk (the
   * chunks of one `CopyBinary`, see `take`), so that PostgreSQL stores rows
   * while the caller computes the next ones. Nothing else may run on this
   * Sql until `end` (or `abort`) settles. PGlite copies the chunks at `end`.
   */
  copyInStream(table: string, columns: readonly string[]): CopyStream;
  /**
   * The rows of a query (without parameters) in COPY's text format, read
   * with `COPY (query) TO STDOUT`: far cheaper than one result row object
   * each for large reads; decode them with `copyLines` or `CopyFields`, and `copyValue`
   * (copy-text.ts).
   */
  copyOut(query: string): Promise<string>;
  /**
   * The same rows, handed to `onRows` in blocks of whole lines as they
   * arrive (PostgreSQL: about 256 KB each, so the caller parses while the
   * server still sends; PGlite: one block).
   */
  copyOutBlocks(query: string, onRows: (block: string) => void): Promise<void>;
}

export interface CopyStream {
  write(chunk: Uint8Array): void;
  /** Sends the last chunk and waits for the server to have stored every row. */
  end(last: Uint8Array): Promise<void>;
  /** Fails the COPY (the transaction is then aborted); resolves once the connection is usable for ROLLBACK. */
  abort(): Promise<void>;
}

const copySql = (table: string, columns: readonly string[], source: string, binary: boolean) =>
  `COPY ${table} (${columns.map((c) => `"${c}"`).join(', ')}) FROM ${source}${binary ? ' WITH (FORMAT binary)' : ''}`;
const copyBytes = (rows: string | Uint8Array | CopyBinary) => (rows instanceof CopyBinary ? rows.bytes : typeof rows === 'string' ? Buffer.from(rows) : rows);

export interface Database extends Sql {
  readonly engine: 'pglite' | 'postgres';
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** The PGlite instance (embedded engine only), shared with Prisma's adapter. */
  readonly pglite?: PGlite;
  readonly url?: string;
}

// Both engines return the same JS shapes: bigint and numeric as numbers (all
// counts and positions fit in 2^53), dates as 'YYYY-MM-DD' strings.
const PARSERS: Record<number, (v: string) => unknown> = {
  [types.INT8]: Number,
  [types.NUMERIC]: Number,
  [types.DATE]: (v: string) => v,
};

/**
 * COPY output as it arrives, handed to `onRows` as the text of whole lines in
 * blocks of about 256 KB (a block ends at a line's end, so a row's bytes,
 * UTF-8 included, are never split).
 */
function lineBlocks(onRows: (block: string) => void): { push(chunk: Uint8Array): void; end(): void } {
  let chunks: Uint8Array[] = [];
  let bytes = 0;
  const flush = (all: boolean) => {
    const buf = Buffer.concat(chunks);
    const end = all ? buf.length : buf.lastIndexOf(10) + 1;
    if (end > 0) onRows(buf.toString('utf8', 0, end));
    chunks = end < buf.length ? [buf.subarray(end)] : [];
    bytes = buf.length - end;
  };
  return {
    push(chunk) {
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes >= 256 * 1024) flush(false);
    },
    end() {
      if (bytes) flush(true);
    },
  };
}

/**
 * Bytes for PGlite's COPY FROM '/dev/blob'. PGlite only asks the blob for its
 * bytes as one ArrayBuffer (`arrayBuffer()`), so they are handed over as they
 * are: a real Blob would copy them in and read them back out part by part,
 * hundreds of milliseconds for the tens of MB of a projection batch or an
 * import on Node 20. (Should PGlite read a blob otherwise, every COPY into it
 * fails: the copy tests on PGlite would say so.)
 */
function bytesBlob(parts: readonly Uint8Array[]): Blob {
  const bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts);
  const exact: ArrayBuffer =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? (bytes.buffer as ArrayBuffer)
      : (bytes.buffer as ArrayBuffer).slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return { size: exact.byteLength, type: '', arrayBuffer: async () => exact } as Blob;
}

/**
 * Opens PGlite on a data directory (none: in memory). `loadDataDir` fills a
 * new one from a dump, `template` from a dump file (pglite-template.ts).
 */
export async function openPglite(dataDir?: string, options: { loadDataDir?: Blob; template?: string } = {}): Promise<Database> {
  const loadDataDir = options.loadDataDir ?? (options.template ? new Blob([readFileSync(options.template)]) : undefined);
  const db = await PGlite.create(dataDir ?? 'memory://', { parsers: PARSERS, loadDataDir });
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Sql => {
    const copyOutBlocks: Sql['copyOutBlocks'] = async (query, onRows) => {
      // PGlite writes COPY output to a blob it exposes as /dev/blob, made of
      // the many small writes PostgreSQL made: read part by part (on Node 20
      // Blob.text() takes several times as long for tens of MB)
      const result = await q.query(`COPY (${query}) TO '/dev/blob'`);
      if (!result.blob) return;
      const blocks = lineBlocks(onRows);
      for await (const chunk of result.blob.stream()) blocks.push(chunk);
      blocks.end();
    };
    return {
      async query<T>(text: string, params?: unknown[]) {
        return (await q.query<T>(text, params)).rows;
      },
      async exec(script: string) {
        await q.exec(script);
      },
      async copyIn(table, columns, rows) {
        // PGlite reads COPY input from a blob it exposes as /dev/blob.
        await q.query(copySql(table, columns, "'/dev/blob'", rows instanceof CopyBinary), [], { blob: bytesBlob([copyBytes(rows)]) });
      },
      copyInStream(table, columns) {
        const chunks: Uint8Array[] = [];
        return {
          write: (chunk) => void chunks.push(chunk),
          end: async (last) => {
            chunks.push(last);
            await q.query(copySql(table, columns, "'/dev/blob'", true), [], { blob: bytesBlob(chunks) });
          },
          abort: async () => void (chunks.length = 0),
        };
      },
      copyOutBlocks,
      async copyOut(query) {
        let text = '';
        await copyOutBlocks(query, (block) => (text += block));
        return text;
      },
    };
  };
  return {
    engine: 'pglite',
    pglite: db,
    ...wrap(db),
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    close: () => db.close(),
  };
}

export async function openPostgres(url: string, max = 10): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    // an unreachable server fails a request in seconds instead of hanging it
    connectionTimeoutMillis: 5000,
    types: { getTypeParser: ((oid: number, format?: string) => PARSERS[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser },
  });
  // An idle client can lose its server (restart, admin kill); the pool drops it
  // and the next query reconnects, so this is worth a log line, not a crash.
  pool.on('error', (e) => process.emitWarning(`PostgreSQL connection lost: ${e.message}`));
  // A client checked out of the pool has no 'error' listener of the pool's: if
  // its server goes away between two of its queries (a transaction awaiting
  // JavaScript, a restart), pg emits 'error' on it, and an unheard 'error'
  // ends the process. Its next query fails instead (answered UNAVAILABLE), and
  // the pool drops it when it is released (it is no longer queryable).
  pool.on('connect', (client) => client.on('error', () => undefined));
  // Fail fast with a clear message rather than on the first query.
  const probe = await pool.connect().catch((e: Error) => {
    throw new Error(`cannot connect to PostgreSQL at ${redactUrl(url)}: ${e.message}`);
  });
  probe.release();
  const copyWith = async (client: pg.PoolClient, table: string, columns: readonly string[], rows: string | Uint8Array | CopyBinary) => {
    await pipeline(Readable.from([copyBytes(rows)]), client.query(copyFrom(copySql(table, columns, 'STDIN', rows instanceof CopyBinary))));
  };
  const copyOutBlocksWith = async (client: pg.PoolClient, query: string, onRows: (block: string) => void) => {
    const blocks = lineBlocks(onRows);
    // A consumer's error stops the handing over, not the reading: leaving the
    // loop early would leave the connection inside the COPY, hung for good
    // (and with it the transaction and the projection lock it holds).
    let failed: { error: unknown } | undefined;
    const hand = (fn: () => void) => {
      if (failed) return;
      try {
        fn();
      } catch (error) {
        failed = { error };
      }
    };
    for await (const chunk of client.query(copyTo(`COPY (${query}) TO STDOUT`))) hand(() => blocks.push(chunk as Buffer));
    hand(() => blocks.end());
    if (failed) throw failed.error;
  };
  const copyOutWith = async (client: pg.PoolClient, query: string) => {
    let text = '';
    await copyOutBlocksWith(client, query, (block) => (text += block));
    return text;
  };
  /** Runs `fn` on a client of its own when `c` is the pool. */
  const onClient = async <T>(c: pg.Pool | pg.PoolClient, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    if (!(c instanceof pg.Pool)) return fn(c);
    const client = await c.connect();
    try {
      return await fn(client);
    } finally {
      client.release();
    }
  };
  const wrap = (c: pg.Pool | pg.PoolClient): Sql => ({
    async query<T>(text: string, params?: unknown[]) {
      return (await c.query(text, params)).rows as T[];
    },
    async exec(script: string) {
      await c.query(script);
    },
    copyIn: (table, columns, rows) => onClient(c, (client) => copyWith(client, table, columns, rows)),
    copyInStream(table, columns) {
      if (c instanceof pg.Pool) throw new Error('copyInStream runs in a transaction');
      const source = new PassThrough();
      const done = pipeline(source, c.query(copyFrom(copySql(table, columns, 'STDIN', true))));
      done.catch(() => undefined); // (awaited by end or abort)
      return {
        write: (chunk) => void source.write(chunk),
        end: async (last) => {
          source.end(last);
          await done;
        },
        abort: async () => {
          source.destroy(new Error('COPY abandoned'));
          await done.catch(() => undefined);
        },
      };
    },
    copyOut: (query) => onClient(c, (client) => copyOutWith(client, query)),
    copyOutBlocks: (query, onRows) => onClient(c, (client) => copyOutBlocksWith(client, query, onRows)),
  });
  return {
    engine: 'postgres',
    url,
    ...wrap(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** Error codes of a PostgreSQL server that is down, starting, stopping or unreachable (class 08, admin shutdown, cannot connect now). */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03']);
const UNAVAILABLE_SYSCALLS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * Whether an error means the database cannot be reached right now (retrying
 * later may work), as opposed to a failing statement: node-postgres's socket
 * errors and lost connections, and the server's own "shutting down" and
 * "starting up" refusals, also when wrapped by Prisma's driver adapter.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  for (let x = e as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; x && depth < 5; x = x.cause as typeof x, depth++) {
    const code = typeof x.code === 'string' ? x.code : undefined;
    if (code && (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || UNAVAILABLE_SYSCALLS.has(code))) return true;
    if (typeof x.message === 'string' && /^Connection terminated|connection timeout|Client has encountered a connection error/i.test(x.message)) return true;
  }
  return false;
}
