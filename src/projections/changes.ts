import type { Fact } from './cells.ts';

/** One cell-day's deltas as known now: region, dims in the fact's order, effective day, sums in measure order. */
export type Change = { fact: Fact; region: string; dims: readonly string[]; eff: string; sums: number[] };

/** Changes as a roll-up writer holds them, read when asked: `fn` may be given one object refilled for each change, valid only during the call. */
export type ChangeSource = { readonly size: number; forEach(fn: (c: Change) => void): void };

/**
 * What one projection batch changed in the roll-ups: day-level deltas per
 * cell, without recorded time (what "as known now" answers read). Written
 * with the batch (read_model_changes) so every server's in-memory cube can
 * follow the read models. Text lines: `fact \t region \t dims… \t eff \t sums…`.
 * Each roll-up writer adds a (cell, day) once per batch.
 */
export class ChangeSet {
  private sources: ChangeSource[] = [];

  add(source: ChangeSource): void {
    this.sources.push(source);
  }

  get size(): number {
    return this.sources.reduce((n, s) => n + s.size, 0);
  }

  forEach(fn: (change: Change) => void): void {
    for (const s of this.sources) s.forEach(fn);
  }

  toText(): string {
    const out: string[] = [];
    this.forEach((c) => out.push(`${c.fact}\t${c.region}\t${c.dims.join('\t')}\t${c.eff}\t${c.sums.join('\t')}`));
    return out.join('\n');
  }
}
