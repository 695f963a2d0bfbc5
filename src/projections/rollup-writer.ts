import { CopyRows, putAscii, putUint } from '../db/copy-text.ts';
import type { Sql } from '../db/database.ts';
import type { ChangeSet } from './changes.ts';
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
const MAX_DAY = 2 ** 17; // 2258
/** Month number of a date's month (months since January 1900). */
const monthNumber = (date: string) => (Number(date.slice(0, 4)) - 1900) * 12 + Number(date.slice(5, 7)) - 1;

/**
 * Sums of up to four measures per (cell, sub-key), both small integers: one
 * map per cell from sub-key to a slot of one growing array, so a batch of
 * hundreds of thousands of keys allocates a few arrays, not an object each.
 * Read back in (cell, sub-key) order: the order of the tables' primary keys.
 */
class SumTable {
  private byCell: (Map<number, number> | undefined)[] = [];
  sums = new Float64Array(4 * 1024);
  size = 0;

  add(cell: number, sub: number, a: number, b: number, c: number, d: number): void {
    let slots = this.byCell[cell];
    if (!slots) this.byCell[cell] = slots = new Map();
    let slot = slots.get(sub);
    if (slot === undefined) {
      slot = this.size++;
      slots.set(sub, slot);
      if (this.size * 4 > this.sums.length) {
        const bigger = new Float64Array(this.sums.length * 2);
        bigger.set(this.sums);
        this.sums = bigger;
      }
    }
    const s = this.sums;
    const i = slot * 4;
    s[i] += a;
    s[i + 1] += b;
    s[i + 2] += c;
    s[i + 3] += d;
  }

  /** Each (cell, sub-key) in order, with the offset of its sums in `sums`. */
  forEach(fn: (cell: number, sub: number, at: number) => void): void {
    for (let cell = 0; cell < this.byCell.length; cell++) {
      const slots = this.byCell[cell];
      if (!slots) continue;
      const subs = [...slots.keys()].sort((x, y) => x - y);
      for (const sub of subs) fn(cell, sub, slots.get(sub)! * 4);
    }
  }

  clear(): void {
    this.byCell = [];
    this.sums.fill(0, 0, this.size * 4);
    this.size = 0;
  }
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
  private days = new SumTable();
  private vintages = new SumTable();
  private run = new SumTable();
  private runMs = Number.NaN;
  private recorded = new CopyRows();
  private effs = new Map<string, { day: number; month: number }>();
  private dayText: string[] = [];
  private vintageOf = new Map<number, number>();

  constructor(
    private readonly fact: Fact,
    private readonly batch: Batch,
  ) {
    this.m = FACTS[fact].measures.length;
  }

  /** One movement: effective day, regency, recorded instant (ms), dims in the fact's order, sums in measure order. */
  add(eff: string, region: string, recordedMs: number, dims: readonly string[], sums: readonly number[]): void {
    const cells = this.batch.cells;
    this.addTo(eff, cells.id(this.fact, region, dims), cells.id(this.fact, region.slice(0, 2), dims), recordedMs, sums[0], sums[1], sums[2], sums[3] ?? 0);
  }

  /** One movement to a regency cell and its province's cell, by id (up to four measures, in order). */
  addTo(eff: string, cell: number, province: number, recordedMs: number, a: number, b: number, c: number, d = 0): void {
    let e = this.effs.get(eff);
    if (!e) {
      const y = Number(eff.slice(0, 4));
      const mo = Number(eff.slice(5, 7));
      const day = Math.round((Date.UTC(y, mo - 1, Number(eff.slice(8, 10))) - EPOCH_1900) / 86_400_000);
      if (!(day >= 0 && day < MAX_DAY)) throw new RangeError(`effective date ${eff} is outside the roll-ups' range (1900-2258)`);
      this.effs.set(eff, (e = { day, month: monthNumber(eff) }));
      this.dayText[day] = eff;
    }
    if (recordedMs !== this.runMs) {
      // (a writer fed in two passes, as employers and then licences, may go back: rows of an instant then split, and readers sum them)
      this.endRun();
      this.runMs = recordedMs;
    }
    let vintage = this.vintageOf.get(recordedMs);
    if (vintage === undefined) {
      this.vintageOf.set(recordedMs, (vintage = monthNumber(jakartaMonth(new Date(recordedMs)).month)));
    }
    this.days.add(cell, e.day, a, b, c, d);
    this.vintages.add(province, e.month * 65_536 + vintage, a, b, c, d);
    this.run.add(cell, e.day, a, b, c, d);
  }

  /** Encodes the current recorded instant's rows. */
  private endRun(): void {
    if (!this.run.size) return;
    const rec = new Date(this.runMs).toISOString();
    this.encode(this.recorded, this.run, (cell, day) => [String(cell), this.dayText[day], rec]);
    this.run.clear();
  }

  /** COPY text rows: key fields, then the fact's measures. */
  private encode(out: CopyRows, table: SumTable, keys: (cell: number, sub: number) => string[]): void {
    const m = this.m;
    const sums = table.sums;
    table.forEach((cell, sub, at) => {
      const fields = keys(cell, sub);
      let bytes = m * 18 + 1;
      for (const f of fields) bytes += f.length + 1;
      const buf = out.reserve(bytes);
      let w = out.length;
      for (const f of fields) {
        w = putAscii(buf, w, f);
        buf[w++] = 9; // tab
      }
      for (let k = 0; k < m; k++) {
        const v = sums[at + k];
        if (v < 0) buf[w++] = 45; // minus
        w = putUint(buf, w, Math.abs(v));
        buf[w++] = k === m - 1 ? 10 : 9;
      }
      out.wrote(w - out.length);
    });
  }

  async flush(tx: Sql): Promise<void> {
    this.endRun();
    if (!this.days.size) return;
    const spec = FACTS[this.fact];
    const measures = spec.measures as string[];
    const days = new CopyRows();
    this.encode(days, this.days, (cell, day) => [String(cell), this.dayText[day]]);
    const vintages = new CopyRows();
    this.encode(vintages, this.vintages, (cell, sub) => [String(cell), monthText(sub >>> 16), monthText(sub & 0xffff)]);
    const update = { fresh: this.batch.fresh, update: 'add' } as const;
    await copyUpsert(tx, spec.days, ['cell', 'eff'], measures, days.bytes, update);
    await copyUpsert(tx, spec.vintages, ['cell', 'month', 'vintage'], measures, vintages.bytes, update);
    // exact recorded instants are appended: a later batch adds rows, readers sum
    await tx.copyIn(spec.recorded, ['cell', 'eff', 'rec', ...measures], this.recorded.bytes);
    this.batch.changes.add(this.changes());
  }

  /** The batch's day rows as changes for the cubes, read when asked (no object per row kept). */
  private changes() {
    const { fact, m, days, dayText } = this;
    const cells = this.batch.cells;
    return {
      size: days.size,
      forEach(fn: (c: { fact: Fact; region: string; dims: readonly string[]; eff: string; sums: number[] }) => void) {
        days.forEach((cell, day, at) => {
          const f = cells.get(cell);
          fn({ fact, region: f.region, dims: f.dims, eff: dayText[day], sums: Array.from(days.sums.subarray(at, at + m)) });
        });
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
  rows: string | Uint8Array,
  opts: { fresh: boolean; update: 'add' | 'replace' },
): Promise<void> {
  const cols = [...keys, ...values];
  if (opts.fresh) return tx.copyIn(table, cols, rows);
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

/** The first day of month number `n` (months since January 1900). */
function monthText(n: number): string {
  const y = 1900 + Math.floor(n / 12);
  const mo = (n % 12) + 1;
  return `${y}-${mo < 10 ? '0' : ''}${mo}-01`;
}
