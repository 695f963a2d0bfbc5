import type { Database, Sql } from '../db/database.ts';
import { checkpoint } from '../projections/runner.ts';
import type { Prefix } from './buckets.ts';
import { isMonthEnd } from './periods.ts';

// An in-memory cube of the roll-ups "as known now", per server: month totals
// per cell at three levels (regency, province, national) and day totals at
// province and national level, in typed arrays. A series then sums a few
// hundred cells in memory instead of thousands of rows in SQL. It is loaded
// from the day rows of the roll-ups and follows them through
// read_model_changes (each projection batch's day-level deltas); answers
// always reflect the read models' committed position (checked per answer).
// What it cannot answer (as-of cuts, regency-level days) goes to SQL.

export type FactTable = 'coverage_rollup' | 'employer_rollup';

type FactSpec = { dims: readonly string[]; measures: readonly string[] };
const FACTS: Record<FactTable, FactSpec> = {
  // dims in the order the roll-up writer ships them (after the region)
  coverage_rollup: { dims: ['program', 'segment', 'sponsor'], measures: ['enrolments', 'lapses', 'delta'] },
  employer_rollup: { dims: ['size_class'], measures: ['registrations', 'deregistrations', 'delta', 'licensed'] },
};

type Level = 'R' | 'P' | 'N';

type Cell = {
  /** province, region and each dim, by column name ('' where the level sums it away). */
  values: Record<string, string>;
  /** month totals, [month * measures + measure], months from the fact's `lo`. */
  months: Int32Array;
  /** day totals for days of a month: month index → [day * measures + measure] (levels P and N). */
  days?: Map<number, Int32Array>;
  /** the first effective day with a roll-up row (a group exists from it on, as in SQL). */
  firstDay: string;
};

/** Months are counted as year * 12 + month - 1. */
const monthNumber = (d: string) => Number(d.slice(0, 4)) * 12 + Number(d.slice(5, 7)) - 1;

class Fact {
  lo = 0;
  n = 0;
  readonly levels: Record<Level, Map<string, Cell>> = { R: new Map(), P: new Map(), N: new Map() };
  constructor(readonly spec: FactSpec) {}

  private grow(month: number): void {
    if (this.n && month >= this.lo && month < this.lo + this.n) return;
    // room for a few years either side, so growth is rare
    const lo = this.n ? Math.min(this.lo, month - 24) : month - 24;
    const hi = this.n ? Math.max(this.lo + this.n, month + 36) : month + 36;
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

  /** Adds one day-level delta (region, dims in spec order, eff, sums) to every level. */
  add(region: string, dims: string[], eff: string, sums: number[]): void {
    const month = monthNumber(eff);
    this.grow(month);
    const i = month - this.lo;
    const day = Number(eff.slice(8, 10)) - 1;
    const province = region.slice(0, 2);
    const m = this.spec.measures.length;
    for (const level of ['R', 'P', 'N'] as const) {
      const values: Record<string, string> = { province: level === 'N' ? '' : province, region: level === 'R' ? region : '' };
      this.spec.dims.forEach((d, k) => (values[d] = dims[k]));
      const key = `${values.province}\t${values.region}\t${dims.join('\t')}`;
      let cell = this.levels[level].get(key);
      if (!cell) this.levels[level].set(key, (cell = { values, months: new Int32Array(this.n * m), firstDay: eff, days: level === 'R' ? undefined : new Map() }));
      if (eff < cell.firstDay) cell.firstDay = eff;
      for (let k = 0; k < m; k++) cell.months[i * m + k] += sums[k];
      if (cell.days) {
        let days = cell.days.get(i);
        if (!days) cell.days.set(i, (days = new Int32Array(31 * m)));
        for (let k = 0; k < m; k++) days[day * m + k] += sums[k];
      }
    }
  }
}

/** A question for the cube: the same as a SQL bucket read, with the filter as values. */
export type CubeQuery = {
  table: FactTable;
  column: string;
  /** column per key dimension, in key order (province, region, segment, program, sponsor, size_class) */
  keys: string[];
  /** cells whose province is in `provinces` OR whose region is in `regions` (both absent: all) */
  provinces?: string[];
  regions?: string[];
  /** per other column, the values a cell must have (e.g. program: [''] counts each worker once) */
  where: Record<string, string[]>;
};

type State = { position: number; facts: Record<FactTable, Fact> };

export class Cube {
  private state: State | undefined;
  private refreshing: Promise<State> | undefined;
  /** Reloads from the roll-ups (as opposed to following read_model_changes), for metrics and tests. */
  reloads = 0;

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
    const position = await checkpoint(sql);
    const s = this.state;
    if (s && position <= s.position) return s; // (lower: a rebuild is replaying what the cube already holds)
    this.refreshing ??= this.refresh(position).finally(() => (this.refreshing = undefined));
    const next = await this.refreshing;
    return next.position >= position ? next : this.current(sql);
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
        const ok = r.from_position === at && r.changes !== null;
        at = r.to_position;
        return ok;
      });
      if (chained && at === target) {
        // batches are applied in place: a reader between two awaits sees one position's figures
        for (const r of rows) applyText(s.facts, r.changes!);
        s.position = target;
        return s;
      }
    }
    this.state = await this.load();
    this.reloads++;
    return this.state;
  }

  /** Reads every day row of the roll-ups at one committed position. */
  private async load(): Promise<State> {
    return this.db.transaction(async (tx) => {
      if (this.db.engine === 'postgres') await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const position = await checkpoint(tx);
      const facts = { coverage_rollup: new Fact(FACTS.coverage_rollup), employer_rollup: new Fact(FACTS.employer_rollup) };
      for (const table of Object.keys(FACTS) as FactTable[]) {
        const { dims, measures } = FACTS[table];
        const rows = await tx.query<Record<string, string | number>>(
          `SELECT region, ${dims.join(', ')}, eff::text AS eff, ${measures.map((m) => `sum(${m})::int AS ${m}`).join(', ')}
             FROM ${table} WHERE grain = 'D' GROUP BY region, ${dims.join(', ')}, eff`,
        );
        const fact = facts[table];
        for (const r of rows) fact.add(r.region as string, dims.map((d) => r[d] as string), r.eff as string, measures.map((m) => Number(r[m])));
      }
      return { position, facts };
    });
  }

  /**
   * Cumulative sums per group at each date in `xs`, as SQL's prefixSums gives
   * them; undefined when the cube cannot answer (regency-level day figures).
   */
  prefix(state: State, q: CubeQuery, xs: string[]): Prefix | undefined {
    const fact = state.facts[q.table];
    const level: Level = q.keys.includes('region') || q.regions?.length ? 'R' : q.keys.includes('province') || q.provinces?.length ? 'P' : 'N';
    if (level === 'R' && xs.some((x) => !isMonthEnd(x))) return undefined;
    const m = fact.spec.measures.length;
    const mi = fact.spec.measures.indexOf(q.column);
    if (mi < 0) throw new Error(`the cube has no measure ${q.column} in ${q.table}`);
    const maxX = xs.reduce((a, b) => (a > b ? a : b));
    const provinces = q.provinces?.length ? new Set(q.provinces) : undefined;
    const regions = q.regions?.length ? new Set(q.regions) : undefined;
    const where = Object.entries(q.where).map(([col, vs]) => [col, new Set(vs)] as const);

    const groups = new Map<string, { keyValues: string[]; months: Float64Array; cells: Cell[] }>();
    for (const cell of fact.levels[level].values()) {
      if (cell.firstDay > maxX) continue;
      if ((provinces || regions) && !(provinces?.has(cell.values.province) || regions?.has(cell.values.region))) continue;
      if (!where.every(([col, vs]) => vs.has(cell.values[col]))) continue;
      const keyValues = q.keys.map((k) => cell.values[k]);
      const id = keyValues.join('|');
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { keyValues, months: new Float64Array(fact.n), cells: [] }));
      for (let i = 0; i < fact.n; i++) g.months[i] += cell.months[i * m + mi];
      g.cells.push(cell);
    }

    const dates = [...new Set(xs)].sort();
    const prefix: Prefix = new Map();
    for (const [id, g] of groups) {
      const cum = new Float64Array(fact.n);
      let running = 0;
      for (let i = 0; i < fact.n; i++) cum[i] = running += g.months[i];
      const sums = dates.map((x) => {
        const i = monthNumber(x) - fact.lo;
        if (i < 0) return 0;
        if (i >= fact.n) return cum[fact.n - 1];
        if (isMonthEnd(x)) return cum[i];
        let v = i > 0 ? cum[i - 1] : 0;
        const last = Number(x.slice(8, 10)) - 1;
        for (const cell of g.cells) {
          const days = cell.days!.get(i);
          if (days) for (let d = 0; d <= last; d++) v += days[d * m + mi];
        }
        return v;
      });
      prefix.set(id, { keyValues: g.keyValues, dates, sums });
    }
    return prefix;
  }
}

function applyText(facts: Record<FactTable, Fact>, text: string): void {
  if (!text) return;
  for (const line of text.split('\n')) {
    const f = line.split('\t');
    const table = f[0] as FactTable;
    const fact = facts[table];
    const nd = fact.spec.dims.length;
    fact.add(f[1], f.slice(2, 2 + nd), f[2 + nd], f.slice(3 + nd).map(Number));
  }
}
