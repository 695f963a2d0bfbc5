import type { Fact } from './cells.ts';

/**
 * One cell-day's deltas as known now, split by the Asia/Jakarta day they
 * were recorded on: region, dims in the fact's order, effective day, the
 * recording day (`vintageDay`), sums in measure order.
 */
export type Change = { fact: Fact; region: string; dims: readonly string[]; eff: string; vintage: number; sums: number[] };

/** Changes as a roll-up writer holds them, read when asked: `fn` may be given one object refilled for each change, valid only during the call. */
export type ChangeSource = { readonly size: number; forEach(fn: (c: Change) => void): void };

const DAY_MS = 86_400_000;
/** Asia/Jakarta is UTC+7 all year (no daylight saving since 1964). */
const JAKARTA_MS = 7 * 3_600_000;
/** 2000-01-01 in days since 1970-01-01. */
const DAY_2000 = 10_957;
/** Recording days are kept in 15 bits (2000-01-01 to 2089-09-18): what the roll-up writer packs beside an effective day. */
export const VINTAGE_DAYS = 1 << 15;

/** The Asia/Jakarta calendar day an instant (epoch ms) falls on, as days since 2000-01-01. */
export const vintageDay = (ms: number): number => Math.floor((ms + JAKARTA_MS) / DAY_MS) - DAY_2000;
/** The instant (epoch ms) Asia/Jakarta day `vd` begins. */
export const vintageDayStart = (vd: number): number => (vd + DAY_2000) * DAY_MS - JAKARTA_MS;

/** The first and last recorded instants (epoch ms) of the rows a batch wrote per recording day. */
export type Spans = Map<number, { min: number; max: number }>;

export function widenSpan(spans: Spans, vd: number, min: number, max: number): void {
  const s = spans.get(vd);
  if (!s) spans.set(vd, { min, max });
  else {
    if (min < s.min) s.min = min;
    if (max > s.max) s.max = max;
  }
}

/**
 * What one projection batch changed in the roll-ups: day-level deltas per
 * cell and recording day, and the recorded instants each recording day's
 * rows span. Written with the batch (read_model_changes) so every server's
 * in-memory cube can follow the read models, as known now and for as-of
 * cuts. Text lines: `fact \t region \t dims… \t eff \t vintage \t sums…`,
 * and `@ \t vintage \t first ms \t last ms` per recording day, after a
 * first line naming the format (CHANGES_FORMAT): a reader that does not
 * know it reloads instead.
 * Each roll-up writer adds a (cell, day, recording day) once per batch.
 */
export const CHANGES_FORMAT = 'cakupan-changes 2';

export class ChangeSet {
  private sources: ChangeSource[] = [];
  readonly spans: Spans = new Map();

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
    const out: string[] = [CHANGES_FORMAT];
    for (const [vd, { min, max }] of this.spans) out.push(`@\t${vd}\t${min}\t${max}`);
    this.forEach((c) => out.push(`${c.fact}\t${c.region}\t${c.dims.join('\t')}\t${c.eff}\t${c.vintage}\t${c.sums.join('\t')}`));
    return out.join('\n');
  }
}
