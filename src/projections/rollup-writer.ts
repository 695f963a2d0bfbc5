import { copyField } from '../db/copy-text.ts';
import type { Sql } from '../db/database.ts';
import type { ChangeSet } from './changes.ts';
import { jakartaDayStart } from './log-event.ts';

type Row<K extends string> = { key: string; sums: Record<K, number> };

/**
 * Accumulates movements for one batch and writes them as roll-up rows at two
 * grains: D (effective day, regency, exact recorded time) and P (effective
 * month, province, recorded day). Rows with the same key are summed in memory
 * first; then the batch's rows are copied into a staging table and added to
 * the roll-up in one upsert (COPY parses far less than a JSON payload does, on
 * both engines). Regency months are read from the day rows.
 */
export class RollupWriter<K extends string> {
  private rows = new Map<string, Row<K>>();

  constructor(
    private readonly table: string,
    private readonly dims: string[],
    private readonly measures: K[],
    /** Also records the day-level deltas here (for the servers' cubes). */
    private readonly changes?: ChangeSet,
  ) {}

  // A batch shares a handful of recording instants: format each once.
  private recs = new Map<number, { exact: string; day: string }>();

  add(eff: string, region: string, recordedAt: Date, dims: Record<string, string>, sums: Record<K, number>): void {
    const month = `${eff.slice(0, 7)}-01`;
    let rec = this.recs.get(recordedAt.getTime());
    if (!rec) this.recs.set(recordedAt.getTime(), (rec = { exact: recordedAt.toISOString(), day: jakartaDayStart(recordedAt).toISOString() }));
    const province = region.slice(0, 2);
    // The row key doubles as the row's key columns in COPY text (grain, province, region, dims…, eff, rec).
    let dimText = '';
    for (const d of this.dims) dimText += `\t${copyField(dims[d])}`;
    this.put(`D\t${province}\t${region}${dimText}\t${eff}\t${rec.exact}`, sums);
    this.changes?.add(`${this.table}\t${region}${dimText}\t${eff}`, this.measures.map((m) => sums[m]));
    this.put(`P\t${province}\t${province}${dimText}\t${month}\t${rec.day}`, sums);
  }

  private put(key: string, sums: Record<K, number>): void {
    const row = this.rows.get(key);
    if (!row) {
      this.rows.set(key, { key, sums: { ...sums } });
      return;
    }
    for (const m of this.measures) row.sums[m] += sums[m];
  }

  async flush(tx: Sql): Promise<void> {
    if (!this.rows.size) return;
    const keyCols = ['grain', 'province', 'region', ...this.dims, 'eff', 'rec'].map(snake);
    const measureCols = this.measures.map(snake);
    const cols = [...keyCols, ...measureCols];
    const stage = `${this.table}_stage`;
    const text: string[] = [];
    for (const r of this.rows.values()) {
      let line = r.key;
      for (const m of this.measures) line += `\t${r.sums[m]}`;
      text.push(line + '\n');
    }
    // A session's staging table, emptied at each commit.
    await tx.exec(`CREATE TEMP TABLE IF NOT EXISTS ${stage} (LIKE ${this.table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`);
    await tx.copyIn(stage, cols, text.join(''));
    await tx.query(
      `INSERT INTO ${this.table} (${cols.join(', ')})
       SELECT ${cols.join(', ')} FROM ${stage}
       ON CONFLICT (${keyCols.join(', ')}) DO UPDATE SET
         ${measureCols.map((m) => `${m} = ${this.table}.${m} + EXCLUDED.${m}`).join(', ')}`,
    );
    await tx.query(`TRUNCATE ${stage}`);
    this.rows.clear();
  }
}

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
