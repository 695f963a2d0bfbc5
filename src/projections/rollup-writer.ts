import type { Sql } from '../db/database.ts';
import { jakartaDayStart } from './log-event.ts';

/**
 * Accumulates movements for one batch and writes them as roll-up rows at the
 * three grains: D (effective day, regency, exact recorded time), M (effective
 * month, regency, recorded day) and P (effective month, province, recorded
 * day). Rows with the same key are summed in memory first, then upserted.
 */
export class RollupWriter<K extends string> {
  private rows = new Map<string, { key: Record<string, string>; sums: Record<K, number> }>();

  constructor(
    private readonly table: string,
    private readonly dims: string[],
    private readonly measures: K[],
  ) {}

  // A batch shares a handful of recording instants: format each once.
  private recs = new Map<number, { exact: string; day: string }>();

  add(eff: string, region: string, recordedAt: Date, dims: Record<string, string>, sums: Record<K, number>): void {
    const month = `${eff.slice(0, 7)}-01`;
    let rec = this.recs.get(recordedAt.getTime());
    if (!rec) this.recs.set(recordedAt.getTime(), (rec = { exact: recordedAt.toISOString(), day: jakartaDayStart(recordedAt).toISOString() }));
    const province = region.slice(0, 2);
    const dimId = this.dims.map((d) => dims[d]).join('|');
    this.put(`D|${region}|${eff}|${rec.exact}|${dimId}`, () => ({ grain: 'D', province, region, eff, rec: rec.exact, ...dims }), sums);
    this.put(`M|${region}|${month}|${rec.day}|${dimId}`, () => ({ grain: 'M', province, region, eff: month, rec: rec.day, ...dims }), sums);
    this.put(`P|${province}|${month}|${rec.day}|${dimId}`, () => ({ grain: 'P', province, region: province, eff: month, rec: rec.day, ...dims }), sums);
  }

  /** Hot path: the key object is built only for a row not seen yet in this batch. */
  private put(id: string, key: () => Record<string, string>, sums: Record<K, number>): void {
    const row = this.rows.get(id);
    if (!row) {
      this.rows.set(id, { key: key(), sums: { ...sums } });
      return;
    }
    for (const m of this.measures) row.sums[m] += sums[m];
  }

  async flush(tx: Sql): Promise<void> {
    if (!this.rows.size) return;
    const keyCols = ['grain', 'province', 'region', ...this.dims, 'eff', 'rec'];
    const cols = [...keyCols, ...this.measures];
    const types: Record<string, string> = { eff: 'date', rec: 'timestamptz' };
    const payload = [...this.rows.values()].map((r) => ({ ...r.key, ...r.sums }));
    await tx.query(
      `INSERT INTO ${this.table} (${cols.map(snake).join(', ')})
       SELECT ${cols.map((c) => `"${c}"`).join(', ')}
         FROM jsonb_to_recordset($1::jsonb) AS r(${cols.map((c) => `"${c}" ${types[c] ?? (this.measures.includes(c as K) ? 'int' : 'text')}`).join(', ')})
       ON CONFLICT (${keyCols.map(snake).join(', ')}) DO UPDATE SET
         ${this.measures.map((m) => `${snake(m)} = ${this.table}.${snake(m)} + EXCLUDED.${snake(m)}`).join(', ')}`,
      [JSON.stringify(payload)],
    );
    this.rows.clear();
  }
}

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
