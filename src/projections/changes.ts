/**
 * What one projection batch changed in the roll-ups: day-level deltas per
 * cell, without recorded time (what "as known now" answers read). Written
 * with the batch (read_model_changes) so every server's in-memory cube can
 * follow the read models. Text lines: `table \t region \t dims… \t eff \t sums…`.
 */
export class ChangeSet {
  private rows = new Map<string, number[]>();

  /** `key` is `table \t region \t dims… \t eff`; sums in the table's measure order. */
  add(key: string, sums: number[]): void {
    const row = this.rows.get(key);
    if (!row) {
      this.rows.set(key, [...sums]);
      return;
    }
    for (let i = 0; i < sums.length; i++) row[i] += sums[i];
  }

  get size(): number {
    return this.rows.size;
  }

  /** Each cell's key fields (table, region, dims…, eff) and sums. */
  forEach(fn: (fields: string[], sums: number[]) => void): void {
    for (const [key, sums] of this.rows) fn(key.split('\t'), sums);
  }

  toText(): string {
    const out: string[] = [];
    for (const [key, sums] of this.rows) out.push(`${key}\t${sums.join('\t')}`);
    return out.join('\n');
  }
}
