import { CopyFields } from '../db/copy-text.ts';
import type { Database, Sql } from '../db/database.ts';
import { Cells, FACT_NAMES, FACTS, type Fact as FactName, type FactSpec } from '../projections/cells.ts';
import { CHANGES_FORMAT, vintageDay, vintageDayStart, VINTAGE_DAYS, widenSpan, type Change, type ChangeSet, type Spans } from '../projections/changes.ts';
import { countingSort } from '../projections/rollup-writer.ts';
import { checkpoint } from '../projections/runner.ts';
import type { Prefix } from './buckets.ts';
import { isMonthEnd } from './periods.ts';

// An in-memory cube of the roll-ups "as known now", per server: month totals
// per cell at three levels (regency, province, national), day totals at
// province and national level in 31-day blocks, and the regency cells' day
// rows as sorted lists (most regency cell-months have a row or two: blocks
// there would cost a hundred MB for the demo), all in typed arrays. A series
// then sums a few hundred cells in memory instead of thousands of rows in
// SQL. It is loaded from the day rows of the roll-ups and follows them
// through read_model_changes (each projection batch's day-level deltas);
// answers always reflect the read models' committed position (checked per
// answer).
//
// As-of cuts: on the first one, the cube also loads each regency cell's rows
// by (effective day, recording day) from the exact recorded rows (the Asia/
// Jakarta day each was recorded on), and follows them from then on. A cut at
// an instant reads the rows of the recording days before its own, plus its
// own day whole when the instant is past that day's last recorded instant;
// only a cut falling between two instants of one day reads that day's rows
// up to the instant by SQL (bounded by one day of recording). A cut's
// balances per query shape are summed from those rows once and kept, as the
// "as known now" shapes are.

type Level = 'R' | 'P' | 'N';
/** A group of a query shape: its key, and its first day with a row. */
type Group = { id: string; keyValues: string[]; firstDay: string };
/**
 * One query shape (the level its cells are at, the measure it sums): its
 * groups, which group each cell of its level sums into (by the cell's
 * ordinal; -1: none), and the groups' month-end balances by month, then
 * group: [month * groups + group], so one month's are one slice.
 */
export type Shape = { level: Level; mi: number; groups: readonly Group[]; groupOf: Int32Array; cum: Float64Array };
type DateAt = { i: number; end: boolean; last: number; monthKey: number };
/** Query shapes whose balances a fact keeps between changes. */
const MAX_SHAPES = 256;
/** Entries of query shapes' rows by recording day kept at once (16 bytes each). */
const MAX_REC_ENTRIES = 1 << 22;
const LEVELS: readonly Level[] = ['R', 'P', 'N'];

type Cell = {
  /** its place in its level, in order of creation (Shape.groupOf's index). */
  ord: number;
  /** province, region and each dim, by column name ('' where the level sums it away). */
  values: Record<string, string>;
  /** month totals, [month * measures + measure], months from the fact's `lo`. */
  months: Int32Array;
  /** day totals for days of a month: month index → offset in the fact's day slab of [day * measures + measure] (levels P and N). */
  days?: Map<number, number>;
  /** the day rows (level R). */
  rows?: DayRows;
  /** the first effective day with a roll-up row (a group exists from it on, as in SQL). */
  firstDay: string;
};

/** Months are counted as year * 12 + month - 1. */
const monthNumber = (d: string) => Number(d.slice(0, 4)) * 12 + Number(d.slice(5, 7)) - 1;
/** A day's key in DayRows: its month number * 32 + its day of the month - 1 (day), so a month's days are the keys [month * 32, month * 32 + 31). */
const dayKey = (month: number, day: number) => month * 32 + day;

/** A copy of `a` in a larger array of `size`. */
function grown<A extends Int32Array | Float64Array>(a: A, size: number): A {
  const next = new (a.constructor as new (n: number) => A)(size);
  next.set(a);
  return next;
}

/** The first of `a[0..n)` (in ascending order) that is not below `k` (n: none). */
function lowerBound(a: Int32Array, n: number, k: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One regency cell's day rows in day order: keys (dayKey) and sums [row * measures + measure]. */
class DayRows {
  keys = new Int32Array(4);
  sums: Int32Array;
  n = 0;
  constructor(private readonly m: number) {
    this.sums = new Int32Array(4 * m);
  }

  /** The first row on or after day key `k`. */
  private seek(k: number): number {
    return lowerBound(this.keys, this.n, k);
  }

  /** Adds a day's sums; true when the day's month had no row before. */
  add(k: number, sums: readonly number[]): boolean {
    const m = this.m;
    // (rows arrive in day order when loaded: appending is the common case)
    const at = this.n && this.keys[this.n - 1] >= k ? this.seek(k) : this.n;
    let firstOfMonth = false;
    if (at === this.n || this.keys[at] !== k) {
      const monthKey = k - (k & 31);
      firstOfMonth = !(at > 0 && this.keys[at - 1] >= monthKey) && !(at < this.n && this.keys[at] < monthKey + 32);
      if (this.n === this.keys.length) {
        const keys = new Int32Array(this.n * 2);
        keys.set(this.keys);
        this.keys = keys;
        const next = new Int32Array(this.n * 2 * m);
        next.set(this.sums);
        this.sums = next;
      }
      this.keys.copyWithin(at + 1, at, this.n);
      this.sums.copyWithin((at + 1) * m, at * m, this.n * m);
      this.keys[at] = k;
      this.sums.fill(0, at * m, (at + 1) * m);
      this.n++;
    }
    for (let j = 0; j < m; j++) this.sums[at * m + j] += sums[j];
    return firstOfMonth;
  }

  /** The sum of measure `mi` over the rows from day key `lo` to `hi`, both included. */
  sum(mi: number, lo: number, hi: number): number {
    let v = 0;
    for (let r = this.seek(lo); r < this.n && this.keys[r] <= hi; r++) v += this.sums[r * this.m + mi];
    return v;
  }
}

/** One regency cell's rows by (effective day key, recording day), in that order: what as-of cuts read. */
class VRows {
  days: Int32Array;
  vds: Int32Array;
  sums: Int32Array;
  n = 0;
  /** `capacity`: rows before the arrays grow (a load knows each cell's count). */
  constructor(
    private readonly m: number,
    capacity = 4,
  ) {
    this.days = new Int32Array(capacity);
    this.vds = new Int32Array(capacity);
    this.sums = new Int32Array(capacity * m);
  }

  /**
   * The rows summed per (recording day, month), in that order, with the
   * first day among each prefix: what a cut's month-end balances read (a
   * cut takes a prefix). Made at load, and again after the rows change.
   */
  private byVd: { vds: Int32Array; months: Int32Array; sums: Int32Array; minDay: Int32Array } | undefined;

  /** How many of `recordedOrder`'s entries were recorded on days before `limit` (a prefix). */
  before(limit: number): number {
    const { vds } = this.recordedOrder();
    return lowerBound(vds, vds.length, limit);
  }

  recordedOrder(): { vds: Int32Array; months: Int32Array; sums: Int32Array; minDay: Int32Array } {
    if (this.byVd) return this.byVd;
    const { n, m, days } = this;
    const order = Int32Array.from({ length: n }, (_, r) => r).sort((a, b) => this.vds[a] - this.vds[b] || (days[a] >> 5) - (days[b] >> 5) || a - b);
    const vds = new Int32Array(n);
    const months = new Int32Array(n);
    const sums = new Int32Array(n * m);
    const minDay = new Int32Array(n);
    let e = -1;
    for (const r of order) {
      const vd = this.vds[r];
      const month = days[r] >> 5;
      if (e < 0 || vds[e] !== vd || months[e] !== month) {
        e++;
        vds[e] = vd;
        months[e] = month;
        minDay[e] = e && minDay[e - 1] < days[r] ? minDay[e - 1] : days[r];
      } else if (days[r] < minDay[e]) minDay[e] = days[r];
      for (let k = 0; k < m; k++) sums[e * m + k] += this.sums[r * m + k];
    }
    const size = e + 1;
    return (this.byVd = { vds: vds.slice(0, size), months: months.slice(0, size), sums: sums.slice(0, size * m), minDay: minDay.slice(0, size) });
  }

  /** Adds a (day, recording day)'s sums. */
  add(k: number, vd: number, sums: readonly number[]): void {
    const m = this.m;
    this.byVd = undefined;
    let at = this.n;
    // (rows arrive in order when loaded, and mostly after the last one when followed)
    while (at > 0 && (this.days[at - 1] > k || (this.days[at - 1] === k && this.vds[at - 1] > vd))) at--;
    if (!(at > 0 && this.days[at - 1] === k && this.vds[at - 1] === vd)) {
      if (this.n === this.days.length) {
        const size = Math.max(4, this.n * 2);
        this.days = grown(this.days, size);
        this.vds = grown(this.vds, size);
        this.sums = grown(this.sums, size * m);
      }
      this.days.copyWithin(at + 1, at, this.n);
      this.vds.copyWithin(at + 1, at, this.n);
      this.sums.copyWithin((at + 1) * m, at * m, this.n * m);
      this.days[at] = k;
      this.vds[at] = vd;
      this.sums.fill(0, at * m, (at + 1) * m);
      this.n++;
      at++;
    }
    at--;
    for (let j = 0; j < m; j++) this.sums[at * m + j] += sums[j];
  }

  /** The sum of measure `mi` over the rows from day key `lo` to `hi` recorded on days before `limit`. */
  sum(mi: number, lo: number, hi: number, limit: number): number {
    let v = 0;
    for (let r = lowerBound(this.days, this.n, lo); r < this.n && this.days[r] <= hi; r++) if (this.vds[r] < limit) v += this.sums[r * this.m + mi];
    return v;
  }
}

/** Rows by recording day as read, in any order: put in (cell, day, recording day) order by three stable counting sorts. */
class LoadedRows {
  n = 0;
  ord = new Int32Array(1 << 16);
  day = new Int32Array(1 << 16);
  vd = new Int32Array(1 << 16);
  sums: Int32Array;
  constructor(private readonly m: number) {
    this.sums = new Int32Array((1 << 16) * m);
  }

  push(ord: number, day: number, vd: number, sums: readonly number[]): void {
    if (this.n === this.ord.length) {
      this.ord = grown(this.ord, this.n * 2);
      this.day = grown(this.day, this.n * 2);
      this.vd = grown(this.vd, this.n * 2);
      this.sums = grown(this.sums, this.n * 2 * this.m);
    }
    const i = this.n++;
    this.ord[i] = ord;
    this.day[i] = day;
    this.vd[i] = vd;
    for (let k = 0; k < this.m; k++) this.sums[i * this.m + k] = sums[k];
  }

  /** Each cell's rows, in order, by ordinal. */
  byCell(): (VRows | undefined)[] {
    const { n, m } = this;
    if (!n) return [];
    // (stable: by recording day, then day, then cell; every key is a small non-negative integer)
    let order: Int32Array | null = null;
    for (const key of [this.vd, this.day, this.ord]) {
      let max = 0;
      for (let i = 0; i < n; i++) if (key[i] > max) max = key[i];
      order = countingSort(key, n, max + 1, order);
    }
    const byOrd: (VRows | undefined)[] = [];
    const row = new Array<number>(m).fill(0);
    // (rows of one cell are consecutive now: each cell's arrays are made at its size)
    for (let i = 0, start = 0; i < n; i++) {
      const r = order![i];
      const ord = this.ord[r];
      if (!byOrd[ord]) {
        for (start = i; start < n && this.ord[order![start]] === ord; start++);
        byOrd[ord] = new VRows(m, start - i);
      }
      for (let k = 0; k < m; k++) row[k] = this.sums[r * m + k];
      byOrd[ord]!.add(this.day[r], this.vd[r], row);
    }
    // (made now rather than by the first cuts)
    for (const rows of byOrd) rows?.recordedOrder();
    return byOrd;
  }
}

/**
 * Where an as-of cut falls: the rows recorded on days before `limit` count,
 * and (when the cut falls between two instants of one day) `tail`, that day's
 * rows up to the instant, per fact and regency cell ordinal.
 */
export type Cut = { key: string; position: number; limit: number; tail?: Record<FactName, Map<number, TailRow[]>> };
type TailRow = { day: number; sums: number[] };

/** A query shape as of a cut: groups over the regency cells (by ordinal), and their month-end balances, as Shape. */
type CutShape = { mi: number; groups: readonly Group[]; groupOf: Int32Array; cum: Float64Array; tail?: Map<number, TailRow[]> };
/**
 * A query shape's rows by recording day, per entry: recording day, `(month
 * - lo) * candidates + candidate group`, the measure's sum, and the first day
 * among the entries so far of that entry's cells; in recording-day order.
 */
/** A fact's regency cells' rows by recording day in one list (Fact.recordedOrder): per entry, its cell's ordinal, recording day, month, `m` sums and first day so far. */
type RecordedOrder = { m: number; vds: Int32Array; ords: Int32Array; months: Int32Array; sums: Int32Array; minDay: Int32Array; parts: Map<string, [number, number]> };
type RecShape = {
  candidateOf: Int32Array;
  candidates: readonly { id: string; keyValues: string[] }[];
  vds: Int32Array;
  cells: Int32Array;
  sums: Float64Array;
  minDay: Int32Array;
};

/**
 * A few cells' rows by recording day (a region filter): their own entries
 * (VRows.recordedOrder's), put in recording-day order by a counting sort.
 * `own` is how many there are.
 */
function cellsEntries(vrows: readonly (VRows | undefined)[], candidateOf: Int32Array, own: number, G: number, lo: number, m: number, mi: number, out: RecEntries): void {
  const vd = new Int32Array(own);
  const c = new Int32Array(own);
  const sum = new Int32Array(own);
  const min = new Int32Array(own);
  let n = 0;
  let maxVd = 0;
  for (let ord = 0; ord < candidateOf.length; ord++) {
    const g = candidateOf[ord];
    const vr = g >= 0 ? vrows[ord] : undefined;
    if (!vr) continue;
    const { vds, months, sums, minDay } = vr.recordedOrder();
    for (let j = 0; j < vds.length; j++, n++) {
      vd[n] = vds[j];
      c[n] = (months[j] - lo) * G + g;
      sum[n] = sums[j * m + mi];
      min[n] = minDay[j];
      if (vds[j] > maxVd) maxVd = vds[j];
    }
  }
  for (const i of countingSort(vd, n, maxVd + 1, null)) out.add(vd[i], c[i], sum[i], min[i]);
}

/**
 * The entries of the parts a shape reads (`next[k]` to `ends[k]` of the
 * fact's list, each in recording-day order), merged by recording day.
 */
function partsEntries(all: RecordedOrder, next: Int32Array, ends: Int32Array, candidateOf: Int32Array, G: number, lo: number, mi: number, out: RecEntries): void {
  const R = candidateOf.length;
  const { m, vds, ords, months, sums, minDay } = all;
  const P = next.length;
  for (;;) {
    let vd = 0x7fffffff;
    for (let k = 0; k < P; k++) if (next[k] < ends[k] && vds[next[k]] < vd) vd = vds[next[k]];
    if (vd === 0x7fffffff) return;
    for (let k = 0; k < P; k++) {
      let j = next[k];
      const end = ends[k];
      for (; j < end && vds[j] === vd; j++) {
        const ord = ords[j];
        const g = ord < R ? candidateOf[ord] : -1;
        if (g >= 0) out.add(vd, (months[j] - lo) * G + g, sums[j * m + mi], minDay[j]);
      }
      next[k] = j;
    }
  }
}

/** A query shape's rows by recording day as they are summed: entries added in recording-day order, one per (recording day, month and group). */
class RecEntries {
  private vds = new Int32Array(4096);
  private cells = new Int32Array(4096);
  private sums = new Float64Array(4096);
  private minDay = new Int32Array(4096);
  private size = 0;
  /** The entries of the current recording day start here. */
  private first = 0;
  private vd = -1;
  /** (month - lo) * groups + group -> its latest entry */
  private readonly slot: Int32Array;

  constructor(monthsTimesGroups: number) {
    this.slot = new Int32Array(monthsTimesGroups).fill(-1);
  }

  add(vd: number, c: number, sum: number, minDay: number): void {
    if (vd !== this.vd) {
      this.vd = vd;
      this.first = this.size;
    }
    let e = this.slot[c];
    if (e < this.first) {
      e = this.slot[c] = this.size++;
      if (this.size > this.vds.length) {
        this.vds = grown(this.vds, this.size * 2);
        this.cells = grown(this.cells, this.size * 2);
        this.sums = grown(this.sums, this.size * 2);
        this.minDay = grown(this.minDay, this.size * 2);
      }
      this.vds[e] = vd;
      this.cells[e] = c;
      this.minDay[e] = minDay;
    } else if (minDay < this.minDay[e]) this.minDay[e] = minDay;
    this.sums[e] += sum;
  }

  entries(): Omit<RecShape, 'candidateOf' | 'candidates'> {
    const n = this.size;
    return { vds: this.vds.slice(0, n), cells: this.cells.slice(0, n), sums: this.sums.slice(0, n), minDay: this.minDay.slice(0, n) };
  }
}

class Fact {
  lo = 0;
  n = 0;
  readonly levels: Record<Level, Map<string, Cell>> = { R: new Map(), P: new Map(), N: new Map() };
  /** Each level's cells by ordinal. */
  private readonly byOrd: Record<Level, Cell[]> = { R: [], P: [], N: [] };
  /** Per level, the ordinals of the cells with a day row in a month (by month number): all a day date within that month adds to its month's opening balance. */
  private readonly active: Record<Level, Map<number, number[]>> = { R: new Map(), P: new Map(), N: new Map() };
  /** Every cell-month's 31 days in one array (one small typed array each would cost more in allocation and GC than the figures). */
  days = new Int32Array(1 << 16);
  /** Once an as-of cut has loaded them: each regency cell's rows by recording day, by ordinal. */
  vrows: (VRows | undefined)[] | undefined;
  private daysUsed = 0;

  private dayBlock(): number {
    const size = 31 * this.spec.measures.length;
    if (this.daysUsed + size > this.days.length) {
      const next = new Int32Array(this.days.length * 2);
      next.set(this.days);
      this.days = next;
    }
    this.daysUsed += size;
    return this.daysUsed - size;
  }
  constructor(
    readonly name: FactName,
    readonly spec: FactSpec,
  ) {}

  /** Makes room for `month` (and a few years either side, so growth is rare). */
  grow(month: number, until = month): void {
    if (this.n && month >= this.lo && until < this.lo + this.n) return;
    const lo = Math.min(this.n ? this.lo : month, month) - 24;
    const hi = Math.max(this.n ? this.lo + this.n : until, until) + 60;
    const m = this.spec.measures.length;
    for (const level of Object.values(this.levels)) {
      for (const cell of level.values()) {
        const next = new Int32Array((hi - lo) * m);
        next.set(cell.months, (this.lo - lo) * m);
        cell.months = next;
        if (cell.days) cell.days = new Map([...cell.days].map(([k, v]) => [k + this.lo - lo, v]));
      }
    }
    this.lo = lo;
    this.n = hi - lo;
  }

  /**
   * Month-end balances per group for one query shape (level, keys, filter,
   * measure): the cumulative sum over the group's cells. Kept until the fact
   * changes, so a series with a new range or granularity but a known shape
   * reads them instead of summing cells again.
   */
  private shapes = new Map<string, Shape>();

  balances(level: Level, q: CubeQuery, mi: number): Shape {
    const key = JSON.stringify([level, q.keys, q.provinces, q.regions, q.where, mi]);
    let shape = this.shapes.get(key);
    if (shape) return shape;
    const m = this.spec.measures.length;
    const n = this.n;
    const { groupOf, groups: keys } = this.grouping(level, q);
    const groups: Group[] = keys.map(({ id, keyValues }) => ({ id, keyValues, firstDay: '9999-12-31' }));
    for (const cell of this.byOrd[level]) {
      const gi = groupOf[cell.ord];
      if (gi >= 0 && cell.firstDay < groups[gi].firstDay) groups[gi].firstDay = cell.firstDay;
    }
    const G = groups.length;
    const cum = new Float64Array(n * G);
    for (const cell of this.byOrd[level]) {
      const gi = groupOf[cell.ord];
      if (gi < 0) continue;
      const from = cell.months;
      for (let i = 0, j = mi; i < n; i++, j += m) cum[i * G + gi] += from[j];
    }
    for (let i = G; i < n * G; i++) cum[i] += cum[i - G];
    if (this.shapes.size >= MAX_SHAPES) this.shapes.clear();
    shape = { level, mi, groups, groupOf, cum };
    this.shapes.set(key, shape);
    return shape;
  }

  /** Where a date falls: its month's index, whether it is the month's last day, its day of the month - 1, and its month's first day key (DayRows). */
  dateAt(x: string): DateAt {
    const month = monthNumber(x);
    return { i: month - this.lo, end: isMonthEnd(x), last: Number(x.slice(8, 10)) - 1, monthKey: dayKey(month, 0) };
  }

  /**
   * Each group's month-end balance a date's figures start from (`cum` laid
   * out as in Shape): the date's own month when it is a month end (or past
   * the cube's months), else the month before; `done` when that is the answer.
   */
  private opening(cum: Float64Array, G: number, { i, end }: DateAt): { out: Float64Array; done: boolean } {
    const n = this.n;
    if (i < 0 || !n) return { out: new Float64Array(G), done: true };
    const month = i >= n || end ? Math.min(i, n - 1) : i - 1;
    return { out: month >= 0 ? cum.slice(month * G, (month + 1) * G) : new Float64Array(G), done: i >= n || end };
  }

  /**
   * Every group's balance (cumulative sum of measure `mi`) at the end of a
   * day: its month's opening balance, plus the day rows up to the day of the
   * cells with rows in that month (a few percent of them).
   */
  balancesAt({ level, mi, groups, groupOf, cum }: Shape, at: DateAt): Float64Array {
    const { out, done } = this.opening(cum, groups.length, at);
    if (done) return out;
    const { i, last, monthKey } = at;
    const m = this.spec.measures.length;
    const cells = this.byOrd[level];
    for (const ord of this.active[level].get(monthKey >> 5) ?? []) {
      const g = ord < groupOf.length ? groupOf[ord] : -1;
      if (g < 0) continue;
      const cell = cells[ord];
      if (cell.rows) out[g] += cell.rows.sum(mi, monthKey, monthKey + last);
      else {
        const block = cell.days!.get(i)!;
        let v = 0;
        for (let d = 0; d <= last; d++) v += this.days[block + d * m + mi];
        out[g] += v;
      }
    }
    return out;
  }

  /** The cells a (region, dims) row adds to at each level, found once per row key. */
  private cellsOf = new Map<string, Cell[]>();
  /**
   * The same by the dims array itself: a roll-up cell's fields (`Cells`) keep
   * one array per cell, so the batches a projection hands over and a load find
   * a row's cells without building its key (a first start adds half a million rows).
   */
  private cellsOfDims = new WeakMap<readonly string[], { region: string; cells: Cell[] }>();

  private cells(region: string, dims: readonly string[]): Cell[] {
    const known = this.cellsOfDims.get(dims);
    if (known?.region === region) return known.cells;
    const cells = this.cellsByKey(region, dims);
    this.cellsOfDims.set(dims, { region, cells });
    return cells;
  }

  private cellsByKey(region: string, dims: readonly string[]): Cell[] {
    const rest = dims.join('\t');
    const rowKey = `${region}\t${rest}`;
    let cells = this.cellsOf.get(rowKey);
    if (cells) return cells;
    const province = region.slice(0, 2);
    const m = this.spec.measures.length;
    cells = LEVELS.map((level) => {
      const p = level === 'N' ? '' : province;
      const r = level === 'R' ? region : '';
      const key = `${p}\t${r}\t${rest}`;
      let cell = this.levels[level].get(key);
      if (!cell) {
        const values: Record<string, string> = { province: p, region: r };
        this.spec.dims.forEach((d, k) => (values[d] = dims[k]));
        cell = { ord: this.byOrd[level].length, values, months: new Int32Array(this.n * m), firstDay: '9999-12-31' };
        if (level === 'R') cell.rows = new DayRows(m);
        else cell.days = new Map();
        this.levels[level].set(key, cell);
        this.byOrd[level].push(cell);
      }
      return cell;
    });
    this.cellsOf.set(rowKey, cells);
    return cells;
  }

  /** Adds one day-level delta (region, dims in spec order, eff, sums) to every level, and to the rows by recording day once loaded (`vintage`: the recording day). */
  add(region: string, dims: readonly string[], eff: string, sums: number[], vintage = -1): void {
    if (this.shapes.size) this.shapes.clear();
    if (this.cutShapes.size) this.cutShapes.clear();
    if (this.recShapes.size) {
      this.recShapes.clear();
      this.recEntries = 0;
    }
    this.byRecording = undefined;
    const month = monthNumber(eff);
    this.grow(month);
    const i = month - this.lo;
    const day = Number(eff.slice(8, 10)) - 1;
    const m = this.spec.measures.length;
    const cells = this.cells(region, dims);
    for (let l = 0; l < LEVELS.length; l++) {
      const cell = cells[l];
      if (eff < cell.firstDay) cell.firstDay = eff;
      for (let k = 0; k < m; k++) cell.months[i * m + k] += sums[k];
      let firstOfMonth: boolean;
      if (cell.rows) firstOfMonth = cell.rows.add(dayKey(month, day), sums);
      else {
        let at = cell.days!.get(i);
        firstOfMonth = at === undefined;
        if (at === undefined) cell.days!.set(i, (at = this.dayBlock()));
        for (let k = 0; k < m; k++) this.days[at + day * m + k] += sums[k];
      }
      if (firstOfMonth) {
        const active = this.active[LEVELS[l]];
        let list = active.get(month);
        if (!list) active.set(month, (list = []));
        list.push(cell.ord);
      }
    }
    if (this.vrows) {
      if (vintage < 0) throw new Error('a change without its recording day reached a cube that keeps rows by recording day');
      const r = cells[0];
      (this.vrows[r.ord] ??= new VRows(m)).add(dayKey(month, day), vintage, sums);
    }
  }

  /** A regency cell's ordinal (the cell is made if new). */
  regencyOrd(region: string, dims: readonly string[]): number {
    return this.cells(region, dims)[0].ord;
  }

  private cutShapes = new Map<string, CutShape>();
  private recShapes = new Map<string, RecShape>();
  /** Entries held by `recShapes` (they are bounded by it, not by their count). */
  private recEntries = 0;

  /**
   * A query shape's rows by recording day over its candidate groups (the
   * groups of the regency cells it reads), summed per (recording day, month,
   * group) in that order, each entry with the first day among its cells' rows
   * so far: a cut at any recording day sums one prefix of these, whatever the
   * number of cells. Made on the shape's first cut (one pass over its cells'
   * rows by recording day) and kept until the fact changes.
   */
  private recShape(q: CubeQuery, mi: number): RecShape {
    const key = JSON.stringify([q.keys, q.provinces, q.regions, q.where, mi]);
    const known = this.recShapes.get(key);
    if (known) return known;
    const { groupOf: candidateOf, groups: candidates } = this.grouping('R', q);
    const R = candidateOf.length;
    const G = candidates.length;
    const lo = this.lo;
    const vrows = this.vrows!;
    const all = this.recordedOrder();
    // the parts (values of the fact's first dim, as the program) the shape reads, each in recording-day order
    const values = q.where[this.spec.dims[0]];
    const parts = (values ? values.map((v) => all.parts.get(v)) : [...all.parts.values()]).filter((r) => r !== undefined);
    let inParts = 0;
    for (const [start, end] of parts) inParts += end - start;
    let own = 0;
    for (let ord = 0; ord < R; ord++) if (candidateOf[ord] >= 0 && vrows[ord]) own += vrows[ord]!.recordedOrder().vds.length;
    const out = new RecEntries(this.n * G);
    // (two functions: each loop gets its own type feedback, and neither is deoptimised by the other's first run)
    if (own * 4 < inParts) cellsEntries(vrows, candidateOf, own, G, lo, all.m, mi, out);
    else partsEntries(all, Int32Array.from(parts, (r) => r[0]), Int32Array.from(parts, (r) => r[1]), candidateOf, G, lo, mi, out);
    const shape: RecShape = { candidateOf, candidates, ...out.entries() };
    if (this.recShapes.size >= MAX_SHAPES || this.recEntries + shape.vds.length > MAX_REC_ENTRIES) {
      this.recShapes.clear();
      this.recEntries = 0;
    }
    this.recShapes.set(key, shape);
    this.recEntries += shape.vds.length;
    return shape;
  }

  private byRecording: RecordedOrder | undefined;

  /**
   * Every regency cell's rows by recording day (VRows.recordedOrder's
   * entries) in one list, with each entry's cell ordinal, in parts by the
   * value of the fact's first dim (the program: most queries read one) and
   * each part in recording-day order (counting sorts): what a query shape's
   * rows by recording day are summed from, in one pass over the parts it
   * reads. Made on the first shape after the rows change.
   */
  private recordedOrder(): RecordedOrder {
    if (this.byRecording) return this.byRecording;
    const vrows = this.vrows!;
    const m = this.spec.measures.length;
    const cells = this.byOrd.R;
    const dim = this.spec.dims[0];
    const partOf = new Int32Array(vrows.length);
    const names: string[] = [];
    let total = 0;
    let maxVd = 0;
    vrows.forEach((vr, ord) => {
      if (!vr) return;
      const value = cells[ord].values[dim];
      let p = names.indexOf(value);
      if (p < 0) p = names.push(value) - 1;
      partOf[ord] = p;
      const { vds } = vr.recordedOrder();
      total += vds.length;
      if (vds.length && vds[vds.length - 1] > maxVd) maxVd = vds[vds.length - 1];
    });
    // entries counted per (part, recording day), then placed
    const days = maxVd + 1;
    const place = new Int32Array(names.length * days + 1);
    vrows.forEach((vr, ord) => {
      if (vr) for (const vd of vr.recordedOrder().vds) place[partOf[ord] * days + vd + 1]++;
    });
    for (let v = 1; v < place.length; v++) place[v] += place[v - 1];
    const parts = new Map(names.map((name, p) => [name, [place[p * days], place[(p + 1) * days]] as [number, number]]));
    const out: RecordedOrder = { m, vds: new Int32Array(total), ords: new Int32Array(total), months: new Int32Array(total), sums: new Int32Array(total * m), minDay: new Int32Array(total), parts };
    vrows.forEach((vr, ord) => {
      if (!vr) return;
      const { vds, months, sums, minDay } = vr.recordedOrder();
      const base = partOf[ord] * days;
      for (let j = 0; j < vds.length; j++) {
        const at = place[base + vds[j]]++;
        out.vds[at] = vds[j];
        out.ords[at] = ord;
        out.months[at] = months[j];
        out.minDay[at] = minDay[j];
        for (let k = 0; k < m; k++) out.sums[at * m + k] = sums[j * m + k];
      }
    });
    return (this.byRecording = out);
  }

  /**
   * Month-end balances per group for one query shape as of a cut: a prefix of
   * the shape's rows by recording day (and the cut's tail), over the groups
   * that have a row by then (as SQL's as-of reads give them).
   */
  cutBalances(q: CubeQuery, mi: number, cut: Cut): CutShape {
    const key = JSON.stringify([cut.key, q.keys, q.provinces, q.regions, q.where, mi]);
    let shape = this.cutShapes.get(key);
    if (shape) return shape;
    const tail = cut.tail?.[this.name];
    const rs = this.recShape(q, mi);
    const { candidateOf, candidates } = rs;
    const R = candidateOf.length;
    const C = candidates.length;
    const p = lowerBound(rs.vds, rs.vds.length, cut.limit);
    // each candidate group's first day by then
    const firstKey = new Float64Array(C).fill(Infinity);
    for (let j = 0; j < p; j++) {
      const c = rs.cells[j] % C;
      if (rs.minDay[j] < firstKey[c]) firstKey[c] = rs.minDay[j];
    }
    for (const [ord, rows] of tail ?? []) {
      const c = ord < R ? candidateOf[ord] : -1;
      if (c >= 0) for (const t of rows) if (t.day < firstKey[c]) firstKey[c] = t.day;
    }
    // the groups with a row by then (as SQL's as-of reads give them)
    const renumber = new Int32Array(C).fill(-1);
    const groups: Group[] = [];
    candidates.forEach((g, c) => {
      if (firstKey[c] === Infinity) return;
      renumber[c] = groups.length;
      groups.push({ id: g.id, keyValues: g.keyValues, firstDay: dayKeyDate(firstKey[c]) });
    });
    const groupOf = new Int32Array(R).fill(-1);
    for (let ord = 0; ord < R; ord++) if (candidateOf[ord] >= 0) groupOf[ord] = renumber[candidateOf[ord]];
    const G = groups.length;
    const n = this.n;
    const cum = new Float64Array(n * G);
    for (let j = 0; j < p; j++) {
      const c = rs.cells[j];
      const g = renumber[c % C];
      cum[((c - (c % C)) / C) * G + g] += rs.sums[j];
    }
    for (const [ord, rows] of tail ?? []) {
      const g = ord < R ? groupOf[ord] : -1;
      if (g >= 0) for (const t of rows) cum[((t.day >> 5) - this.lo) * G + g] += t.sums[mi];
    }
    for (let i = G; i < n * G; i++) cum[i] += cum[i - G];
    if (this.cutShapes.size >= MAX_SHAPES) this.cutShapes.clear();
    shape = { mi, groups, groupOf, cum, tail };
    this.cutShapes.set(key, shape);
    return shape;
  }

  /** Which group of a query's keys and filter each cell of a level falls in (-1: none), kept per level and filter until a cell is added. */
  private groupings = new Map<string, { groupOf: Int32Array; groups: { id: string; keyValues: string[] }[] }>();

  private grouping(level: Level, q: CubeQuery): { groupOf: Int32Array; groups: { id: string; keyValues: string[] }[] } {
    const cells = this.byOrd[level];
    const key = JSON.stringify([level, q.keys, q.provinces, q.regions, q.where]);
    let grouping = this.groupings.get(key);
    if (grouping && grouping.groupOf.length === cells.length) return grouping;
    const provinces = q.provinces?.length ? new Set(q.provinces) : undefined;
    const regions = q.regions?.length ? new Set(q.regions) : undefined;
    const where = Object.entries(q.where).map(([col, vs]) => [col, new Set(vs)] as const);
    const byId = new Map<string, number>();
    const groups: { id: string; keyValues: string[] }[] = [];
    const groupOf = new Int32Array(cells.length).fill(-1);
    for (const cell of cells) {
      if ((provinces || regions) && !(provinces?.has(cell.values.province) || regions?.has(cell.values.region))) continue;
      if (!where.every(([col, vs]) => vs.has(cell.values[col]))) continue;
      const keyValues = q.keys.map((k) => cell.values[k]);
      const id = keyValues.join('|');
      let gi = byId.get(id);
      if (gi === undefined) {
        byId.set(id, (gi = groups.length));
        groups.push({ id, keyValues });
      }
      groupOf[cell.ord] = gi;
    }
    if (this.groupings.size >= MAX_SHAPES) this.groupings.clear();
    grouping = { groupOf, groups };
    this.groupings.set(key, grouping);
    return grouping;
  }

  /** Every group's balance at the end of a day as of a cut: as balancesAt, from the rows by recording day. */
  cutBalancesAt({ mi, groups, groupOf, cum, tail }: CutShape, at: DateAt, cut: Cut): Float64Array {
    const { out, done } = this.opening(cum, groups.length, at);
    if (done) return out;
    const { last, monthKey } = at;
    const vrows = this.vrows!;
    const hi = monthKey + last;
    for (const ord of this.active.R.get(monthKey >> 5) ?? []) {
      const g = ord < groupOf.length ? groupOf[ord] : -1;
      if (g < 0) continue;
      const vr = vrows[ord];
      if (vr) out[g] += vr.sum(mi, monthKey, hi, cut.limit);
      for (const t of tail?.get(ord) ?? []) if (t.day >= monthKey && t.day <= hi) out[g] += t.sums[mi];
    }
    return out;
  }
}

/** A date's DayRows day key. */
const dateKey = (d: string): number => dayKey(monthNumber(d), Number(d.slice(8, 10)) - 1);

/** A DayRows day key as a date. */
const dayKeyDate = (k: number): string => {
  const month = k >> 5;
  return `${String(Math.floor(month / 12)).padStart(4, '0')}-${String((month % 12) + 1).padStart(2, '0')}-${String((k & 31) + 1).padStart(2, '0')}`;
};

/** The cells a query reads, as values (SQL's WHERE is written from the same). */
export type CellFilter = {
  /** cells whose province is in `provinces` OR whose region is in `regions` (both empty: all) */
  provinces?: string[];
  regions?: string[];
  /** per other column, the values a cell must have (e.g. program: [''] counts each worker once) */
  where: Record<string, string[]>;
};

/** A question for the cube: the same as a SQL bucket read. */
export type CubeQuery = CellFilter & {
  fact: FactName;
  column: string;
  /** column per key dimension, in key order (province, region, segment, program, sponsor, size_class) */
  keys: string[];
};

/** The cube at one position; `spans` (the first and last recorded instant per recording day) once an as-of cut has loaded the rows by recording day. */
type State = {
  position: number;
  facts: Record<FactName, Fact>;
  spans?: Spans;
  /**
   * No row the cube holds was recorded after this instant (epoch ms; -Infinity
   * when it holds none): an as-of cut at or after it reads exactly what the
   * cube holds.
   */
  recordedUpTo: number;
};

export class Cube {
  private state: State | undefined;
  private refreshing: Promise<State> | undefined;
  /** Reloads from the roll-ups (as opposed to following read_model_changes), for metrics and tests. */
  reloads = 0;
  /** Told when the read models move (a server's follower): answers skip the position check until then. */
  private watched = false;
  private stale = true;
  /** A position the read models are known to reach (committed on the primary): answers keep checking until the cube holds it. */
  private awaited = 0;

  constructor(private readonly db: Database) {}

  /** The read models' position the cube reflects (undefined before the first load). */
  get position(): number | undefined {
    return this.state?.position;
  }

  /**
   * The cube at the read models' committed position: follows the batches
   * committed since (read_model_changes), or reloads when they are gone (pruned,
   * too large, a rebuild under way past the cube's position keeps the cube).
   */
  async current(sql: Sql = this.db): Promise<State> {
    if (this.watched && !this.stale && this.state) return this.state;
    this.stale = false; // (an invalidation during the check below marks it stale again)
    const position = await checkpoint(sql);
    const s = this.state;
    if (s && position <= s.position) return this.checked(s); // (lower: a rebuild is replaying what the cube already holds)
    this.refreshing ??= this.refresh(position).finally(() => (this.refreshing = undefined));
    const next = await this.refreshing;
    return next.position >= position ? this.checked(next) : this.current(sql);
  }

  /** Short of a position the read models are known to reach: the next answer checks again. */
  private checked(s: State): State {
    if (s.position < this.awaited) this.stale = true;
    return s;
  }

  /**
   * From now on the owner calls `invalidate` whenever the read models may have
   * moved (its own catch-up, the projector's NOTIFY, each poll), and answers
   * between two moves need no position check.
   */
  watch(): void {
    this.watched = true;
  }

  invalidate(): void {
    this.stale = true;
  }

  /**
   * The read models will reach `position` (a batch the primary committed,
   * which a replica replays a moment later): until the cube holds it, every
   * answer checks where the read models stand. Without it, a check that ran
   * just before the replica replayed the batch would keep the cube behind
   * the replica's `dataAsOf` until the next invalidation.
   */
  expect(position: number): void {
    if (position > this.awaited) this.awaited = position;
    this.stale = true;
  }

  /** A batch this process committed: applied in place when it follows the cube's position (else the next answer refreshes). */
  follow(from: number, to: number, changes: ChangeSet): void {
    const s = this.state;
    if (!s || s.position !== from) return;
    changes.forEach((c) => addChange(s, c));
    for (const [vd, { min, max }] of changes.spans) {
      if (s.spans) widenSpan(s.spans, vd, min, max);
      if (max > s.recordedUpTo) s.recordedUpTo = max;
    }
    s.position = to;
  }

  private async refresh(target: number): Promise<State> {
    const s = this.state;
    if (s) {
      const rows = await this.db.query<{ from_position: number; to_position: number; changes: string | null }>(
        'SELECT from_position, to_position, changes FROM read_model_changes WHERE to_position > $1 AND to_position <= $2 ORDER BY to_position',
        [s.position, target],
      );
      let at = s.position;
      const chained = rows.every((r) => {
        // (changes written in another format, by another version of cakupan, are not read: the cube reloads)
        const ok = r.from_position === at && r.changes !== null && `${r.changes}\n`.startsWith(`${CHANGES_FORMAT}\n`);
        at = r.to_position;
        return ok;
      });
      if (chained && at === target) {
        // batches are applied in place: a reader between two awaits sees one position's figures
        for (const r of rows) applyText(s, r.changes!);
        s.position = target;
        return s;
      }
    }
    this.state = await this.load();
    this.reloads++;
    return this.state;
  }

  /** As-of cuts the cube has placed (metrics and tests): each answered from memory, not SQL. */
  cuts = 0;
  private loadingCuts: { state: State; done: Promise<boolean> } | undefined;
  private tails = new Map<number, { position: number; tail: NonNullable<Cut['tail']> }>();

  /**
   * Where an as-of cut at `asOf` falls in the cube at `state` (loading the
   * rows by recording day on the first cut), or undefined when the read
   * models moved while it read what it needs (SQL answers then). A cut is
   * valid while the state stays at its `position`: the caller checks after
   * summing.
   */
  async cut(state: State, asOf: Date): Promise<Cut | undefined> {
    if (!state.spans) {
      if (this.loadingCuts?.state !== state) this.loadingCuts = { state, done: this.loadCuts(state).finally(() => (this.loadingCuts = undefined)) };
      if (!(await this.loadingCuts.done)) return undefined;
    }
    const position = state.position;
    const t = asOf.getTime();
    const d = Math.min(Math.max(vintageDay(t), -1), VINTAGE_DAYS);
    const span = state.spans!.get(d);
    let cut: Cut | undefined;
    // the instant is past its day's last recorded instant (or the day has none): the day counts whole
    if (!span || t >= span.max) cut = { key: String(d + 1), position, limit: d + 1 };
    else if (t < span.min) cut = { key: String(d), position, limit: d };
    else {
      // between two instants of one day: that day's rows up to the instant, by SQL
      const tail = await this.tail(state, d, t);
      cut = tail && state.position === position ? { key: `${d}@${t}`, position, limit: d, tail } : undefined;
    }
    if (cut) this.cuts++;
    return cut;
  }

  /** Loads every regency cell's rows by recording day, and each recording day's span, at the state's position. */
  private async loadCuts(state: State): Promise<boolean> {
    const position = state.position;
    const loaded = await this.snapshot(async (tx) => {
      const cells = await Cells.load(tx);
      const spans: Spans = new Map();
      const vrows = {} as Record<FactName, (VRows | undefined)[]>;
      for (const name of FACT_NAMES) {
        const { measures, recorded } = FACTS[name];
        const fact = state.facts[name];
        const m = measures.length;
        // read as stored (a sort in SQL costs more than the read) and put in order here
        const rows = new LoadedRows(m);
        const sums = new Array<number>(m).fill(0);
        await tx.copyOutBlocks(`SELECT cell, eff, (date_part('epoch', rec) * 1000)::int8, ${measures.join(', ')} FROM ${recorded}`, (block) => {
          const f = new CopyFields(block);
          while (!f.done) {
            const cell = cells.get(Number(f.field()));
            const eff = f.field();
            const ms = Number(f.field());
            for (let k = 0; k < m; k++) sums[k] = Number(k < m - 1 ? f.field() : f.last());
            const vd = vintageDay(ms);
            widenSpan(spans, vd, ms, ms);
            rows.push(fact.regencyOrd(cell.region, cell.dims), dateKey(eff), vd, sums);
          }
        });
        vrows[name] = rows.byCell();
      }
      return { spans, vrows };
    }, position);
    // (a batch followed meanwhile would be missing from what was read)
    if (!loaded || state.position !== position) return false;
    for (const name of FACT_NAMES) state.facts[name].vrows = loaded.vrows[name];
    state.spans = loaded.spans;
    return true;
  }

  /** The rows recorded on day `d` up to instant `t`, per fact and regency cell, at the state's position (kept per instant while it stays there). */
  private async tail(state: State, d: number, t: number): Promise<NonNullable<Cut['tail']> | undefined> {
    const known = this.tails.get(t);
    if (known?.position === state.position) return known.tail;
    const position = state.position;
    const tail = await this.snapshot(async (tx) => {
      const out = {} as NonNullable<Cut['tail']>;
      for (const name of FACT_NAMES) {
        const { dims, measures, recorded } = FACTS[name];
        const fact = state.facts[name];
        const byOrd = new Map<number, TailRow[]>();
        const cols = ['c.region', ...dims.map((x) => `c.${x}`), 'f.eff'];
        const rows = await tx.query<Record<string, string | number>>(
          `SELECT ${cols.map((c, i) => `${c}::text AS k${i}`).join(', ')}, ${measures.map((x, i) => `sum(f.${x})::int AS v${i}`).join(', ')}
           FROM ${recorded} f JOIN rollup_cells c ON c.id = f.cell WHERE f.rec >= $1 AND f.rec <= $2 GROUP BY ${cols.join(', ')}`,
          [new Date(vintageDayStart(d)), new Date(t)],
        );
        for (const r of rows) {
          const ord = fact.regencyOrd(r.k0 as string, dims.map((_, i) => r[`k${i + 1}`] as string));
          let list = byOrd.get(ord);
          if (!list) byOrd.set(ord, (list = []));
          list.push({ day: dateKey(r[`k${dims.length + 1}`] as string), sums: measures.map((_, i) => Number(r[`v${i}`])) });
        }
        out[name] = byOrd;
      }
      return out;
    }, position);
    if (!tail || state.position !== position) return undefined;
    if (this.tails.size >= 16) this.tails.clear();
    this.tails.set(t, { position, tail });
    return tail;
  }

  /** Reads every day row of the roll-ups at one committed position. */
  private async load(): Promise<State> {
    return (await this.snapshot(async (tx, position) => {
      const facts = { coverage: new Fact('coverage', FACTS.coverage), employer: new Fact('employer', FACTS.employer) };
      if (position === 0) return { position, facts, recordedUpTo: -Infinity }; // nothing projected: nothing to read
      // (recorded time never decreases along the log: the last event up to the position was recorded last)
      const [{ ms }] = await tx.query<{ ms: number }>(
        "SELECT date_part('epoch', recorded_at) * 1000 AS ms FROM events WHERE position <= $1 ORDER BY position DESC LIMIT 1",
        [position],
      );
      const cells = await Cells.load(tx);
      for (const name of FACT_NAMES) {
        const { measures, days } = FACTS[name];
        const fact = facts[name];
        // room for every month at once (growing cell by cell as rows arrive would copy every array each time)
        const [range] = await tx.query<{ lo: string | null; hi: string | null }>(`SELECT min(eff) AS lo, max(eff) AS hi FROM ${days}`);
        if (!range.lo || !range.hi) continue;
        fact.grow(monthNumber(range.lo), monthNumber(range.hi));
        // read with COPY, not a result object per row (half a million rows for the demo), and parsed
        // block by block as it arrives, field by field (cell ids, dates and counts never hold a COPY escape);
        // in day order per cell, so each regency cell's day rows are appended, never inserted
        const m = measures.length;
        const sums = new Array<number>(m).fill(0);
        await tx.copyOutBlocks(`SELECT cell, eff, ${measures.join(', ')} FROM ${days} ORDER BY cell, eff`, (block) => {
          const f = new CopyFields(block);
          while (!f.done) {
            const cell = cells.get(Number(f.field()));
            const eff = f.field();
            for (let k = 0; k < m; k++) sums[k] = Number(k < m - 1 ? f.field() : f.last());
            // (add reads the sums, it does not keep them)
            fact.add(cell.region, cell.dims, eff, sums);
          }
        });
      }
      return { position, facts, recordedUpTo: Number(ms) };
    }))!;
  }

  /**
   * `read` in one read-only snapshot of the read models (REPEATABLE READ on
   * PostgreSQL; PGlite has one connection), given their position; undefined
   * when `at` is given and they stand elsewhere.
   */
  private snapshot<T>(read: (tx: Sql, position: number) => Promise<T>, at?: number): Promise<T | undefined> {
    return this.db.transaction(async (tx) => {
      if (this.db.engine === 'postgres') await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const position = await checkpoint(tx);
      return at === undefined || position === at ? read(tx, position) : undefined;
    });
  }

  /**
   * Every group's balance at each date in `xs` (one array per date, indexed
   * as `groups`), for callers that index groups by position: the groups of a
   * shape are the same array until the cube moves.
   */
  columns(state: State, q: CubeQuery, xs: readonly string[], cut?: Cut): { groups: readonly Group[]; at: Map<string, Float64Array> } {
    const fact = state.facts[q.fact];
    const level: Level = q.keys.includes('region') || q.regions?.length ? 'R' : q.keys.includes('province') || q.provinces?.length ? 'P' : 'N';
    const mi = fact.spec.measures.indexOf(q.column);
    if (mi < 0) throw new Error(`the cube has no measure ${q.column} in ${q.fact}`);
    const at = new Map<string, Float64Array>();
    if (cut) {
      const shape = fact.cutBalances(q, mi, cut);
      for (const x of xs) if (!at.has(x)) at.set(x, fact.cutBalancesAt(shape, fact.dateAt(x), cut));
      return { groups: shape.groups, at };
    }
    const shape = fact.balances(level, q, mi);
    for (const x of xs) if (!at.has(x)) at.set(x, fact.balancesAt(shape, fact.dateAt(x)));
    return { groups: shape.groups, at };
  }

  /** Cumulative sums per group at each date in `xs`, as SQL's prefixSums gives them. */
  prefix(state: State, q: CubeQuery, xs: string[], cut?: Cut): Prefix {
    const maxX = xs.reduce((a, b) => (a > b ? a : b));
    const dates = [...new Set(xs)].sort();
    const { groups, at } = this.columns(state, q, dates, cut);
    const cols = dates.map((x) => at.get(x)!);
    const prefix: Prefix = new Map();
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g];
      if (group.firstDay > maxX) continue; // as in SQL: a group exists from its first row on
      prefix.set(group.id, { keyValues: group.keyValues, dates, sums: cols.map((c) => c[g]) });
    }
    return prefix;
  }
}

function addChange(s: State, c: Change): void {
  s.facts[c.fact].add(c.region, c.dims, c.eff, c.sums, c.vintage);
}

/** read_model_changes text (ChangeSet.toText): its format's line, then `@ \t vintage \t first \t last` and `fact \t region \t dims… \t eff \t vintage \t sums…` lines. */
function applyText(s: State, text: string): void {
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].split('\t');
    if (f[0] === '@') {
      if (s.spans) widenSpan(s.spans, Number(f[1]), Number(f[2]), Number(f[3]));
      if (Number(f[3]) > s.recordedUpTo) s.recordedUpTo = Number(f[3]);
      continue;
    }
    const n = s.facts[f[0] as FactName].spec.dims.length;
    addChange(s, { fact: f[0] as FactName, region: f[1], dims: f.slice(2, 2 + n), eff: f[2 + n], vintage: Number(f[3 + n]), sums: f.slice(4 + n).map(Number) });
  }
}
