import { CopyBinary } from '../db/copy-binary.ts';
import type { CopyStream, Sql } from '../db/database.ts';
import { VINTAGE_DAYS, vintageDay, widenSpan, type Change, type ChangeSet } from './changes.ts';
import { FACTS, type Cells, type Fact } from './cells.ts';
import { jakartaMonth } from './log-event.ts';
import { tableDigest } from './projection.ts';

/** What a projection batch shares between its projections. */
export type Batch = {
  /** The batch's first position is 1: every read model is empty, rows are copied in without upserts. */
  fresh: boolean;
  cells: Cells;
  /** The batch's day-level deltas, for the servers' cubes. */
  changes: ChangeSet;
};

// Effective days count from 1900-01-01, months from January 1900: small integers.
const EPOCH_1900 = Date.UTC(1900, 0, 1);
const EPOCH_1900_DAY = EPOCH_1900 / 86_400_000;
const MAX_DAY = 2 ** 17; // 2258
/** Month number of a date's month (months since January 1900). */
const monthNumber = (date: string) => (Number(date.slice(0, 4)) - 1900) * 12 + Number(date.slice(5, 7)) - 1;

/**
 * Sums of up to four measures per (cell, sub-key), both small non-negative
 * integers, in an open-addressing hash table over typed arrays: a batch of
 * hundreds of thousands of keys allocates a few arrays, not an object or a
 * Map entry each. Read back in (cell, sub-key) order: the order of the
 * tables' primary keys.
 */
class SumTable {
  // entries of three int32s (cell, sub-key, slot; cell -1 = empty), side by side: one cache line per probe
  private table = new Int32Array(3 << 12).fill(-1);
  private mask = (1 << 12) - 1;
  sums = new Float64Array(4 * 1024);
  size = 0;

  add(cell: number, sub: number, a: number, b: number, c: number, d: number): void {
    const i = this.slotOf(cell, sub) * 4;
    const s = this.sums;
    s[i] += a;
    s[i + 1] += b;
    s[i + 2] += c;
    s[i + 3] += d;
  }

  private slotOf(cell: number, sub: number): number {
    const { table, mask } = this;
    let h = (Math.imul(cell, 0x9e3779b1) ^ Math.imul(sub, 0x85ebca6b)) & mask;
    for (;;) {
      const c = table[h * 3];
      if (c === cell && table[h * 3 + 1] === sub) return table[h * 3 + 2];
      if (c === -1) break;
      h = (h + 1) & mask;
    }
    const slot = this.size++;
    table[h * 3] = cell;
    table[h * 3 + 1] = sub;
    table[h * 3 + 2] = slot;
    if (slot * 4 + 4 > this.sums.length) {
      const bigger = new Float64Array(this.sums.length * 2);
      bigger.set(this.sums);
      this.sums = bigger;
    }
    if (this.size * 2 > mask) this.resize((mask + 1) * 2);
    return slot;
  }

  /** Rehashes into `n` entries (a power of two). */
  private resize(n: number): void {
    const old = this.table;
    const table = new Int32Array(n * 3).fill(-1);
    const mask = n - 1;
    for (let j = 0; j < old.length; j += 3) {
      if (old[j] === -1) continue;
      let h = (Math.imul(old[j], 0x9e3779b1) ^ Math.imul(old[j + 1], 0x85ebca6b)) & mask;
      while (table[h * 3] !== -1) h = (h + 1) & mask;
      table[h * 3] = old[j];
      table[h * 3 + 1] = old[j + 1];
      table[h * 3 + 2] = old[j + 2];
    }
    this.table = table;
    this.mask = mask;
  }

  /** Each (cell, sub-key) in order, with the offset of its sums in `sums`. */
  forEach(fn: (cell: number, sub: number, at: number) => void): void {
    // (cell, sub-key) as one number, sorted natively: cells stay below 2^21, sub-keys below 2^32
    const keys = new Float64Array(this.size);
    const { table } = this;
    let k = 0;
    for (let j = 0; j < table.length; j += 3) if (table[j] !== -1) keys[k++] = table[j] * 4_294_967_296 + table[j + 1];
    for (const key of keys.sort()) {
      const cell = Math.floor(key / 4_294_967_296);
      const sub = key - cell * 4_294_967_296;
      fn(cell, sub, this.slotOf(cell, sub) * 4);
    }
  }
}

/**
 * The sums per (cell, effective day) of one batch, as known now, and of the
 * current recorded instant, in one open-addressing table: a movement finds
 * its entry with one probe and adds to both. An entry remembers the last run
 * (recorded instant) that touched it; when the run ends, its entries' sums
 * are encoded as exact recorded rows and added to their vintages.
 * An entry's fields share one 64-byte stretch of `ent` (one cache line: most
 * keys of a batch are met once, so each is a miss), integers all: sums of a
 * batch's +/-1 movements stay far inside int32.
 */
class DayTable {
  /** buckets: entry number + 1 (0 = empty) */
  private buckets: Int32Array;
  private mask: number;
  size = 0;
  /** entries of ENTRY int32s: cell, day, the last run that touched it, its province's cell, 4 sums as known now, 4 sums of that run, the day's month, whether the base recording day touched it */
  ent: Int32Array;
  /** entries the current run touched, in first-touch order */
  touched: Int32Array;
  touchedCount = 0;

  constructor(expectedKeys: number) {
    let n = 1 << 12;
    while (n < expectedKeys * 2) n *= 2;
    this.buckets = new Int32Array(n);
    this.mask = n - 1;
    this.ent = new Int32Array((n >>> 1) * ENTRY);
    this.touched = new Int32Array(n >>> 1);
  }

  /** The offset in `ent` of the entry of (cell, day), added when new. */
  at(cell: number, day: number): number {
    const { buckets, mask, ent } = this;
    let h = (Math.imul(cell, 0x9e3779b1) ^ Math.imul(day, 0x85ebca6b)) & mask;
    for (;;) {
      const b = buckets[h];
      if (b === 0) break;
      const at = (b - 1) * ENTRY;
      if (ent[at] === cell && ent[at + 1] === day) return at;
      h = (h + 1) & mask;
    }
    const at = this.size * ENTRY;
    buckets[h] = ++this.size;
    ent[at] = cell;
    ent[at + 1] = day;
    // (the entries keep their offsets when the table grows)
    if (this.size * 2 > mask) this.grow();
    return at;
  }

  /** Doubles the buckets and the entries, rehashing. */
  private grow(): void {
    const n = (this.mask + 1) * 2;
    const buckets = new Int32Array(n);
    const mask = n - 1;
    const ent = new Int32Array((n >>> 1) * ENTRY);
    ent.set(this.ent);
    for (let e = 0; e < this.size; e++) {
      let h = (Math.imul(ent[e * ENTRY], 0x9e3779b1) ^ Math.imul(ent[e * ENTRY + 1], 0x85ebca6b)) & mask;
      while (buckets[h] !== 0) h = (h + 1) & mask;
      buckets[h] = e + 1;
    }
    const touched = new Int32Array(n >>> 1);
    touched.set(this.touched);
    this.buckets = buckets;
    this.mask = mask;
    this.ent = ent;
    this.touched = touched;
  }

  /** The entries' offsets in (cell, day) order (the primary key's): two stable counting sorts, by day then by cell. */
  ordered(): Int32Array {
    const n = this.size;
    const { ent } = this;
    const cells = new Int32Array(n);
    const days = new Int32Array(n);
    let maxCell = 0;
    for (let e = 0; e < n; e++) {
      cells[e] = ent[e * ENTRY];
      days[e] = ent[e * ENTRY + 1];
      if (cells[e] > maxCell) maxCell = cells[e];
    }
    const order = countingSort(cells, n, maxCell + 1, countingSort(days, n, MAX_DAY, null));
    for (let i = 0; i < n; i++) order[i] *= ENTRY;
    return order;
  }
}

/** int32s per DayTable entry (64 bytes). */
const ENTRY = 16;
/** Offsets in a DayTable entry. */
const STAMP = 2;
const PROVINCE = 3;
const SUMS = 4;
const RUN = 8;
const MONTH = 12;
/** 1 when an instant of the batch's first recording day touched the entry. */
const BASE = 13;

/** Entries 0..n-1 (or `order`'s, keeping their order among equals) sorted by `key[entry]` in [0, k). */
export function countingSort(key: Int32Array, n: number, k: number, order: Int32Array | null): Int32Array {
  const count = new Int32Array(k + 1);
  for (let i = 0; i < n; i++) count[key[i] + 1]++;
  for (let j = 1; j <= k; j++) count[j] += count[j - 1];
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const e = order ? order[i] : i;
    out[count[key[e]]++] = e;
  }
  return out;
}

/**
 * Accumulates one batch's movements of one fact in memory, summed per key,
 * and writes them once at three grains: per regency cell and effective day
 * (as known now), per province cell, effective month and recorded month
 * (vintages), and per regency cell, effective day and exact recorded instant
 * (appended). Keys are integers: the cell's id and day or month numbers.
 * Recorded time never decreases along the log, so the rows of one recorded
 * instant are (nearly always) complete when the next instant starts, and are
 * encoded then.
 */
export class RollupWriter {
  private readonly m: number;
  private days: DayTable;
  private vintages = new SumTable();
  /** the current recorded instant: its number (entries stamped with it belong to it), epoch ms, vintage (recorded month) and recording day */
  private run = 0;
  private runMs = Number.NaN;
  private runVintage = 0;
  private runDay = 0;
  /**
   * The batch's first recording day (Asia/Jakarta), and the sums per (cell,
   * day, recording day) of instants on other days (nearly always none: a
   * batch is usually one import's instants), for the cubes' as-of cuts.
   */
  private baseDay = -1;
  private otherDays: SumTable | undefined;
  private lastEff = '';
  private lastE: { day: number; month: number } | undefined;
  private recorded = new CopyBinary();
  private recordedStream: CopyStream | undefined;
  private effs = new Map<string, { day: number; month: number }>();
  private dayText: string[] = [];
  private vintageOf = new Map<number, { month: number; day: number }>();

  /** `expectedKeys`: about how many (cell, day) keys the batch will have (the tables are sized for it, and grow past it). */
  constructor(
    private readonly fact: Fact,
    private readonly batch: Batch,
    expectedKeys = 0,
  ) {
    this.m = FACTS[fact].measures.length;
    this.days = new DayTable(expectedKeys);
  }

  /** One movement: effective day, regency, recorded instant (ms), dims in the fact's order, sums in measure order. */
  add(eff: string, region: string, recordedMs: number, dims: readonly string[], sums: readonly number[]): void {
    const cells = this.batch.cells;
    this.addTo(eff, cells.id(this.fact, region, dims), cells.id(this.fact, region.slice(0, 2), dims), recordedMs, sums[0], sums[1], sums[2], sums[3] ?? 0);
  }

  /** One movement to a regency cell and its province's cell, by id (up to four measures, in order). */
  addTo(eff: string, cell: number, province: number, recordedMs: number, a: number, b: number, c: number, d = 0): void {
    // an event's movements share its date and instant: looked up once
    let e = eff === this.lastEff ? this.lastE : this.effs.get(eff);
    if (!e) {
      const y = Number(eff.slice(0, 4));
      const mo = Number(eff.slice(5, 7));
      const day = Math.round((Date.UTC(y, mo - 1, Number(eff.slice(8, 10))) - EPOCH_1900) / 86_400_000);
      if (!(day >= 0 && day < MAX_DAY)) throw new RangeError(`effective date ${eff} is outside the roll-ups' range (1900-2258)`);
      this.effs.set(eff, (e = { day, month: monthNumber(eff) }));
      this.dayText[day] = eff;
    }
    this.lastEff = eff;
    this.lastE = e;
    if (recordedMs !== this.runMs) {
      // (a writer fed in two passes, as employers and then licences, may go back: rows of an instant then split, and readers sum them)
      this.endRun();
      this.run++;
      this.runMs = recordedMs;
      let vintage = this.vintageOf.get(recordedMs);
      if (vintage === undefined) {
        const day = vintageDay(recordedMs);
        if (!(day >= 0 && day < VINTAGE_DAYS)) throw new RangeError(`recorded time ${new Date(recordedMs).toISOString()} is outside the roll-ups' range (2000-2089)`);
        this.vintageOf.set(recordedMs, (vintage = { month: monthNumber(jakartaMonth(new Date(recordedMs)).month), day }));
      }
      this.runVintage = vintage.month;
      this.runDay = vintage.day;
      if (this.baseDay < 0) this.baseDay = vintage.day;
      widenSpan(this.batch.changes.spans, vintage.day, recordedMs, recordedMs);
    }
    const t = this.days;
    const at = t.at(cell, e.day);
    const ent = t.ent;
    if (ent[at + STAMP] !== this.run) {
      // the entry's first movement of this instant
      ent[at + STAMP] = this.run;
      ent[at + PROVINCE] = province;
      ent[at + MONTH] = e.month;
      t.touched[t.touchedCount++] = at;
    }
    ent[at + SUMS] += a;
    ent[at + SUMS + 1] += b;
    ent[at + SUMS + 2] += c;
    ent[at + SUMS + 3] += d;
    ent[at + RUN] += a;
    ent[at + RUN + 1] += b;
    ent[at + RUN + 2] += c;
    ent[at + RUN + 3] += d;
  }

  /**
   * Encodes the current recorded instant's rows (in no particular order: the
   * table has no key), adds them to their vintages and empties the run's sums.
   */
  private endRun(): void {
    const t = this.days;
    if (!t.touchedCount) return;
    const rec = this.runMs;
    const { m, recorded } = this;
    const { touched, ent } = t;
    const vintages = this.vintages;
    const base = this.runDay === this.baseDay;
    const other = base ? undefined : (this.otherDays ??= new SumTable());
    for (let k = 0; k < t.touchedCount; k++) {
      const at = touched[k];
      recorded.row(3 + m).int4(ent[at]).date(ent[at + 1] + EPOCH_1900_DAY).timestamptz(rec);
      for (let x = 0; x < m; x++) recorded.int4(ent[at + RUN + x]);
      vintages.add(ent[at + PROVINCE], ent[at + MONTH] * 65_536 + this.runVintage, ent[at + RUN], ent[at + RUN + 1], ent[at + RUN + 2], ent[at + RUN + 3]);
      if (other) other.add(ent[at], ent[at + 1] * VINTAGE_DAYS + this.runDay, ent[at + RUN], ent[at + RUN + 1], ent[at + RUN + 2], ent[at + RUN + 3]);
      else ent[at + BASE] = 1;
      ent.fill(0, at + RUN, at + RUN + 4);
    }
    t.touchedCount = 0;
    if (this.recordedStream && recorded.pending > STREAM_CHUNK) this.recordedStream.write(recorded.take());
  }

  /**
   * From here on, the exact recorded rows go to the database as they are
   * encoded, in a COPY the connection is given to until `flush` (or `abort`):
   * PostgreSQL stores them while the fold goes on, if it yields now and then.
   */
  streamRecorded(tx: Sql): void {
    this.recordedStream = tx.copyInStream(FACTS[this.fact].recorded, this.recordedColumns);
  }

  /** The exact recorded rows' columns, in the order `endRun` encodes them. */
  private get recordedColumns(): string[] {
    return ['cell', 'eff', 'rec', ...FACTS[this.fact].measures];
  }

  /** Gives up a streamed COPY (the transaction fails): call when the fold fails. */
  async abort(): Promise<void> {
    await this.recordedStream?.abort();
    this.recordedStream = undefined;
  }

  /** Binary COPY rows: the key fields (`keys` starts the row), then the fact's measures. */
  private encode(out: CopyBinary, table: SumTable, keys: (out: CopyBinary, cell: number, sub: number) => void): void {
    const m = this.m;
    const sums = table.sums;
    table.forEach((cell, sub, at) => {
      keys(out, cell, sub);
      for (let k = 0; k < m; k++) out.int4(sums[at + k]);
    });
  }

  async flush(tx: Sql): Promise<void> {
    this.endRun();
    const spec = FACTS[this.fact];
    // exact recorded instants are appended: a later batch adds rows, readers sum
    if (this.recordedStream) await this.recordedStream.end(this.recorded.bytes);
    else if (this.recorded.length) await tx.copyIn(spec.recorded, this.recordedColumns, this.recorded);
    this.recordedStream = undefined;
    const t = this.days;
    if (!t.size) return;
    const measures = spec.measures as string[];
    const m = this.m;
    const fields = 2 + m;
    const { ent } = t;
    const order = t.ordered();
    const fresh = this.batch.fresh;
    // A day row past its cell's last day in the table is a new key: those are
    // copied straight in (most of a batch's rows: history mostly moves forward),
    // the others added to the rows there by the upsert.
    const last = fresh ? undefined : await lastDays(tx, spec.days, order, ent);
    // (sized exactly: a row is its field count, then each field's length and value)
    const rowBytes = 2 + 8 + 8 + 8 * m;
    const appended = new CopyBinary(64 + t.size * rowBytes);
    const merged = new CopyBinary(last ? 64 + rowBytes * 64 : 1024);
    for (const at of order) {
      const out = last && ent[at + 1] <= (last.get(ent[at]) ?? -1) ? merged : appended;
      out.row(fields).int4(ent[at]).date(ent[at + 1] + EPOCH_1900_DAY);
      for (let k = 0; k < m; k++) out.int4(ent[at + SUMS + k]);
    }
    const vintages = new CopyBinary(64 + this.vintages.size * (2 + 8 + 8 + 8 + 8 * m));
    this.encode(vintages, this.vintages, (out, cell, sub) => out.row(fields + 1).int4(cell).date(monthDay(sub >>> 16)).date(monthDay(sub & 0xffff)));
    const update = { fresh, update: 'add' } as const;
    await copyNew(tx, spec.days, ['cell', 'eff', ...measures], appended, fresh);
    if (merged.length) await copyUpsert(tx, spec.days, ['cell', 'eff'], measures, merged, update);
    await copyUpsert(tx, spec.vintages, ['cell', 'month', 'vintage'], measures, vintages, update);
    this.batch.changes.add(this.changes(order));
  }

  /**
   * The batch's day rows as changes for the cubes, read when asked (no object
   * per row kept), in key order: a cube then appends each cell's rows in day
   * order instead of inserting them among the rows it has. A day row is split
   * by recording day when instants of other days than the batch's first
   * touched it.
   */
  private changes(order: Int32Array) {
    const { fact, m, days, dayText, baseDay } = this;
    const cells = this.batch.cells;
    // the other recording days' rows in (cell, day, recording day) order
    const others: { cell: number; day: number; vintage: number; sums: number[] }[] = [];
    this.otherDays?.forEach((cell, sub, at) => {
      const s = this.otherDays!.sums;
      others.push({ cell, day: Math.floor(sub / VINTAGE_DAYS), vintage: sub % VINTAGE_DAYS, sums: Array.from({ length: m }, (_, k) => s[at + k]) });
    });
    return {
      size: days.size + others.length,
      forEach(fn: (c: Change) => void) {
        // one change object, refilled for each row (a ChangeSource's change is only valid during the call)
        const c: Change = { fact, region: '', dims: [], eff: '', vintage: baseDay, sums: new Array<number>(m).fill(0) };
        const { ent } = days;
        let j = 0;
        for (let i = 0; i < order.length; i++) {
          const at = order[i];
          const cell = ent[at];
          const day = ent[at + 1];
          const f = cells.get(cell);
          c.region = f.region;
          c.dims = f.dims;
          c.eff = dayText[day];
          for (let k = 0; k < m; k++) c.sums[k] = ent[at + SUMS + k];
          // (every other day's key is a day row's key: both lists are in key order)
          const first = j;
          for (; j < others.length && others[j].cell === cell && others[j].day === day; j++) for (let k = 0; k < m; k++) c.sums[k] -= others[j].sums[k];
          if (ent[at + BASE]) {
            c.vintage = baseDay;
            fn(c);
          }
          for (let o = first; o < j; o++) {
            c.vintage = others[o].vintage;
            for (let k = 0; k < m; k++) c.sums[k] = others[o].sums[k];
            fn(c);
          }
        }
      },
    };
  }
}

/**
 * Writes COPY text rows (`keys` then `values` columns) into a read-model
 * table keyed by `keys`: copied straight in when the read models are empty
 * (`fresh`), else through a session staging table (emptied at each commit)
 * and one upsert that adds to (`add`) or replaces (`replace`) the values of
 * rows already there.
 */
export async function copyUpsert(
  tx: Sql,
  table: string,
  keys: readonly string[],
  values: readonly string[],
  rows: string | Uint8Array | CopyBinary,
  opts: { fresh: boolean; update: 'add' | 'replace' },
): Promise<void> {
  const cols = [...keys, ...values];
  if (opts.fresh) return copyNew(tx, table, cols, rows, true);
  const stage = `${table}_stage`;
  await tx.exec(`CREATE TEMP TABLE IF NOT EXISTS ${stage} (LIKE ${table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`);
  await tx.copyIn(stage, cols, rows);
  const set = values.map((v) => (opts.update === 'add' ? `${v} = ${table}.${v} + EXCLUDED.${v}` : `${v} = EXCLUDED.${v}`));
  await tx.query(
    `INSERT INTO ${table} (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM ${stage}
     ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${set.join(', ')}`,
  );
  // (a replay applies many batches in one transaction)
  await tx.query(`TRUNCATE ${stage}`);
}

/**
 * Copies rows whose keys `table` does not hold: straight in, and into an
 * empty table (`empty`) with its primary key built after when they are many.
 */
export async function copyNew(tx: Sql, table: string, columns: readonly string[], rows: string | Uint8Array | CopyBinary, empty: boolean): Promise<void> {
  if (!rows.length) return;
  return empty && rows.length > BULK_BYTES ? withoutPrimaryKey(tx, table, () => tx.copyIn(table, columns, rows)) : tx.copyIn(table, columns, rows);
}

/**
 * The last effective day (days since 1900-01-01) each cell of a batch's day
 * rows has in `table`, for the cells that have one: one index probe a cell
 * (`ordered` entries are grouped by cell). The projection lock keeps it true
 * until the batch commits.
 */
async function lastDays(tx: Sql, table: string, order: Int32Array, ent: Int32Array): Promise<Map<number, number>> {
  const cells: number[] = [];
  for (const at of order) if (ent[at] !== cells.at(-1)) cells.push(ent[at]);
  const rows = await tx.query<{ cell: number; last: number | null }>(
    `SELECT u.cell, (SELECT max(d.eff) - DATE '1900-01-01' FROM ${table} d WHERE d.cell = u.cell) AS last FROM unnest($1::int[]) AS u(cell)`,
    [cells],
  );
  const last = new Map<number, number>();
  for (const r of rows) if (r.last !== null) last.set(r.cell, r.last);
  return last;
}

/** Encoded recorded rows are streamed in chunks of about this many bytes. */
const STREAM_CHUNK = 1 << 20;

/** Past this many bytes of rows, an empty table is filled first and its primary key built after. */
const BULK_BYTES = 1 << 20;

/**
 * Runs `fill` on a table whose primary key is dropped for it and built again
 * after, under the same name, in the caller's transaction: one sorted build
 * instead of an index insertion per row (a 466,000-row roll-up copies in half
 * the time). Only for a table the transaction has just to fill: its lock
 * keeps readers waiting until the commit (they would see it empty meanwhile).
 */
async function withoutPrimaryKey(tx: Sql, table: string, fill: () => Promise<void>): Promise<void> {
  const [pk] = await tx.query<{ name: string; def: string }>(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'`,
    [table],
  );
  if (!pk) return fill();
  await tx.exec(`ALTER TABLE ${table} DROP CONSTRAINT ${pk.name}`);
  await fill();
  await tx.exec(`ALTER TABLE ${table} ADD CONSTRAINT ${pk.name} ${pk.def}`);
}

/**
 * Digests of a fact's three roll-up tables, by the cells' fields (ids depend
 * on the order cells were first met, which batching can change). A recorded
 * instant's rows may be split across batches, so they are compared as sums.
 */
export async function rollupDigests(sql: Sql, fact: Fact): Promise<string[]> {
  const { dims, measures, days, vintages, recorded } = FACTS[fact];
  const cell = ['c.region', ...dims.map((d) => `c.${d}`)].join(', ');
  const order = ['region', ...dims].join(', ');
  const nonZero = (m: (x: string) => string) => measures.map((x) => `${m(x)} <> 0`).join(' OR ');
  const of = (table: string) => `${table} f JOIN rollup_cells c ON c.id = f.cell`;
  const f = (x: string) => `f.${x}`;
  return [
    await tableDigest(sql, `(SELECT ${cell}, f.eff, ${measures.map(f).join(', ')} FROM ${of(days)} WHERE ${nonZero(f)}) t`, `${order}, eff`),
    await tableDigest(sql, `(SELECT ${cell}, f.month, f.vintage, ${measures.map(f).join(', ')} FROM ${of(vintages)} WHERE ${nonZero(f)}) t`, `${order}, month, vintage`),
    await tableDigest(
      sql,
      `(SELECT ${cell}, f.eff, f.rec, ${measures.map((m) => `sum(f.${m}) AS ${m}`).join(', ')} FROM ${of(recorded)}
         GROUP BY ${cell}, f.eff, f.rec HAVING ${nonZero((m) => `sum(f.${m})`)}) t`,
      `${order}, eff, rec`,
    ),
  ];
}

/** The first day of month number `n` (months since January 1900), in days since 1970-01-01. */
const monthDay = (n: number): number => Date.UTC(1900 + Math.floor(n / 12), n % 12, 1) / 86_400_000;
