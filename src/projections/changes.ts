import type { Fact } from './cells.ts';

/** One cell-day's deltas as known now: region, dims in the fact's order, effective day, sums in measure order. */
export type Change = { fact: Fact; region: string; dims: readonly string[]; eff: string; sums: number[] };

/**
 * What one projection batch changed in the roll-ups: day-level deltas per
 * cell, without recorded time (what "as known now" answers read). Written
 * with the batch (read_model_changes) so every server's in-memory cube can
 * follow the read models. Text lines: `fact \t region \t dims… \t eff \t sums…`.
 * Each roll-up writer adds a (cell, day) once per batch.
 */
export class ChangeSet {
  private rows: Change[] = [];

  add(change: Change): void {
    this.rows.push(change);
  }

  get size(): number {
    return this.rows.length;
  }

  forEach(fn: (change: Change) => void): void {
    for (const c of this.rows) fn(c);
  }

  toText(): string {
    const out: string[] = [];
    for (const c of this.rows) out.push(`${c.fact}\t${c.region}\t${c.dims.join('\t')}\t${c.eff}\t${c.sums.join('\t')}`);
    return out.join('\n');
  }
}
