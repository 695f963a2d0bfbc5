import type { Sql } from '../db/database.ts';
import type { ChangeSet } from './changes.ts';
import { FACTS, type Cells, type Fact } from './cells.ts';

/** What a projection batch shares between its projections. */
export type Batch = {
  /** The batch's first position is 1: every read model is empty, rows are copied in without upserts. */
  fresh: boolean;
  cells: Cells;
  /** The batch's day-level deltas, for the servers' cubes. */
  changes: ChangeSet;
};

// Days since 1900-01-01 and months since January 1900 keep numeric keys small.
const DAY_BITS = 2 ** 17;
const EPOCH_1900 = Date.UTC(1900, 0, 1);
const JAKARTA_MS = 7 * 3600_000; // UTC+7, no daylight saving

/**
 * Accumulates one batch's movements of one fact in memory, summed per key,
 * and writes them once at three grains: per regency cell and effective day
 * (as known now), per province cell, effective month and recorded month
 * (vintages), and per regency cell, effective day and exact recorded instant
 * (appended). Keys are integers: the cell's id and day or month numbers.
 */
export class RollupWriter {
  private readonly m: number;
  // sums per key, four slots (a fact has up to four measures)
  private days = new Map<number, Float64Array>();
  private vintages = new Map<number, Float64Array>();
  private recorded = new Map<number, Map<number, Float64Array>>();
  private effs = new Map<string, { day: number; month: number }>();
  private dayText = new Map<number, string>();
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
      const t = Date.UTC(Number(eff.slice(0, 4)), Number(eff.slice(5, 7)) - 1, Number(eff.slice(8, 10)));
      const day = Math.round((t - EPOCH_1900) / 86_400_000);
      if (!(day >= 0 && day < DAY_BITS)) throw new RangeError(`effective date ${eff} is outside the roll-ups' range (1900-2258)`);
      e = { day, month: (Number(eff.slice(0, 4)) - 1900) * 12 + Number(eff.slice(5, 7)) - 1 };
      this.effs.set(eff, e);
      this.dayText.set(day, eff);
    }
    let vintage = this.vintageOf.get(recordedMs);
    if (vintage === undefined) {
      const j = new Date(recordedMs + JAKARTA_MS);
      this.vintageOf.set(recordedMs, (vintage = (j.getUTCFullYear() - 1900) * 12 + j.getUTCMonth()));
    }
    const dayKey = cell * DAY_BITS + e.day;
    put(this.days, dayKey, a, b, c, d);
    put(this.vintages, province * 2 ** 32 + e.month * 65_536 + vintage, a, b, c, d);
    let atRec = this.recorded.get(recordedMs);
    if (!atRec) this.recorded.set(recordedMs, (atRec = new Map()));
    put(atRec, dayKey, a, b, c, d);
  }

  async flush(tx: Sql): Promise<void> {
    if (!this.days.size) return;
    const spec = FACTS[this.fact];
    const cells = this.batch.cells;
    const measures = spec.measures as string[];
    const m = this.m;
    const sumsText = (s: Float64Array) => {
      let t = '';
      for (let i = 0; i < m; i++) t += `\t${s[i]}`;
      return t;
    };

    // rows in key order: index entries are appended instead of inserted at random pages
    let days = '';
    for (const [key, sums] of sorted(this.days)) {
      const cell = Math.floor(key / DAY_BITS);
      const eff = this.dayText.get(key % DAY_BITS)!;
      days += `${cell}\t${eff}${sumsText(sums)}\n`;
      const f = cells.get(cell);
      this.batch.changes.add({ fact: this.fact, region: f.region, dims: f.dims, eff, sums: Array.from(sums.subarray(0, m)) });
    }
    let vintages = '';
    for (const [key, sums] of sorted(this.vintages)) {
      const cell = Math.floor(key / 2 ** 32);
      const month = Math.floor(key / 65_536) % 65_536;
      vintages += `${cell}\t${monthText(month)}\t${monthText(key % 65_536)}${sumsText(sums)}\n`;
    }
    let recorded = '';
    for (const [ms, rows] of this.recorded) {
      const rec = new Date(ms).toISOString();
      for (const [key, sums] of rows) recorded += `${Math.floor(key / DAY_BITS)}\t${this.dayText.get(key % DAY_BITS)}\t${rec}${sumsText(sums)}\n`;
    }

    await this.upsert(tx, spec.days, ['cell', 'eff'], measures, days);
    await this.upsert(tx, spec.vintages, ['cell', 'month', 'vintage'], measures, vintages);
    // exact recorded instants are appended: a later batch adds rows, readers sum
    await tx.copyIn(spec.recorded, ['cell', 'eff', 'rec', ...measures], recorded);
    this.days.clear();
    this.vintages.clear();
    this.recorded.clear();
  }

  /** Adds rows to a table keyed by `keys`: copied straight in when the read models are empty, else through a staging table. */
  private async upsert(tx: Sql, table: string, keys: string[], measures: string[], text: string): Promise<void> {
    const cols = [...keys, ...measures];
    if (this.batch.fresh) return tx.copyIn(table, cols, text);
    const stage = `${table}_stage`;
    // a session's staging table, emptied at each commit
    await tx.exec(`CREATE TEMP TABLE IF NOT EXISTS ${stage} (LIKE ${table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`);
    await tx.copyIn(stage, cols, text);
    await tx.query(
      `INSERT INTO ${table} (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM ${stage}
       ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${measures.map((m) => `${m} = ${table}.${m} + EXCLUDED.${m}`).join(', ')}`,
    );
    await tx.query(`TRUNCATE ${stage}`);
  }
}

const sorted = <V>(map: Map<number, V>): [number, V][] => [...map].sort((a, b) => a[0] - b[0]);

function put(map: Map<number, Float64Array>, key: number, a: number, b: number, c: number, d: number): void {
  let row = map.get(key);
  if (!row) map.set(key, (row = new Float64Array(4)));
  row[0] += a;
  row[1] += b;
  row[2] += c;
  row[3] += d;
}

/** The first day of month number `n` (months since January 1900). */
function monthText(n: number): string {
  const y = 1900 + Math.floor(n / 12);
  const mo = (n % 12) + 1;
  return `${y}-${mo < 10 ? '0' : ''}${mo}-01`;
}
