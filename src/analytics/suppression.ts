import { regions } from '../domain/regions/regions.ts';
import { SEGMENTS, SPONSORS } from '../domain/reference/vocabulary.ts';

// Statistical disclosure control over one table: the counts of one measure,
// program slice and date (stocks) or period (flows), at every grain a public
// caller can ask for. The table is linked: region (national, province,
// regency) x segment (all or one) x sponsor (all or one), and every cell that
// is not a regency-segment-sponsor cell is the sum of its parts along each
// dimension. Those sums are the only relations a public caller can use,
// since public filters name one value per dimension (see disclosure.ts).
//
// The rule (documented in docs/disclosure.md):
// 1. primary: a count in 1..K-1 is hidden;
// 2. secondary, for every relation total = sum of parts:
//    a. when the total is shown, the hidden non-zero parts are none, or at
//       least two whose sum is at least K (one subtraction never gives a
//       cell, nor a group of fewer than K people);
//    b. when the total is hidden, at least one non-zero part is hidden too
//       (else the parts would add up to it).
// Cells to hide are chosen smallest first (least information lost), ties by
// position in the table, so the pattern is a function of the counts alone:
// every server, every query shape and every order of asking sees the same
// cells hidden. Zero is shown: it is no person. The grand total of a table is
// hidden only by rule 1 (it is a part of no relation, and rule 2 can reach it
// only through a part that is hidden only when it is).

const SEG = ['', ...SEGMENTS] as const;
const SPO = ['', ...SPONSORS] as const;
const NS = SEG.length;
const NP = SPO.length;

/** The table's layout: every region code (national '' first, then provinces, then regencies) and the relations between its cells. */
type Layout = {
  regionIndex: Map<string, number>;
  size: number;
  /** relation r: total cell totals[r], part cells parts[partStart[r] .. partStart[r+1]) */
  totals: Int32Array;
  partStart: Int32Array;
  parts: Int32Array;
  /** the relations cell c is in (as total or part): relationsOf[relStart[c] .. relStart[c+1]) */
  relStart: Int32Array;
  relationsOf: Int32Array;
};

const cellIndex = (region: number, segment: number, sponsor: number) => (region * NS + segment) * NP + sponsor;

let layout: Layout | undefined;

function buildLayout(): Layout {
  const all = [...regions().values()];
  const provinces = all.filter((r) => r.level === 'PROVINCE').map((r) => r.code).sort();
  // regencies by code, retired codes included (a cell is counted under the code the projection gives it)
  const regencies = all.filter((r) => r.level === 'REGENCY').map((r) => r.code).sort();
  const codes = ['', ...provinces, ...regencies];
  const regionIndex = new Map(codes.map((c, i) => [c, i]));
  const childrenOf = new Map<number, number[]>(codes.map((_, i) => [i, []]));
  for (const p of provinces) childrenOf.get(0)!.push(regionIndex.get(p)!);
  for (const r of regencies) {
    const parent = regionIndex.get(r.slice(0, 2));
    if (parent !== undefined) childrenOf.get(parent)!.push(regionIndex.get(r)!);
  }
  const totals: number[] = [];
  const partStart: number[] = [];
  const parts: number[] = [];
  const relation = (total: number, members: number[]) => {
    totals.push(total);
    partStart.push(parts.length);
    parts.push(...members);
  };
  for (let ri = 0; ri < codes.length; ri++) {
    for (let s = 0; s < NS; s++) {
      for (let p = 0; p < NP; p++) {
        const total = cellIndex(ri, s, p);
        const children = childrenOf.get(ri)!;
        if (children.length) relation(total, children.map((c) => cellIndex(c, s, p)));
        if (s === 0) relation(total, SEG.slice(1).map((_, k) => cellIndex(ri, k + 1, p)));
        if (p === 0) relation(total, SPO.slice(1).map((_, k) => cellIndex(ri, s, k + 1)));
      }
    }
  }
  partStart.push(parts.length);
  const size = codes.length * NS * NP;
  const of: number[][] = Array.from({ length: size }, () => []);
  totals.forEach((t, r) => {
    of[t].push(r);
    for (let j = partStart[r]; j < partStart[r + 1]; j++) of[parts[j]].push(r);
  });
  const relStart = new Int32Array(size + 1);
  of.forEach((rs, c) => (relStart[c + 1] = relStart[c] + rs.length));
  return { regionIndex, size, totals: Int32Array.from(totals), partStart: Int32Array.from(partStart), parts: Int32Array.from(parts), relStart, relationsOf: Int32Array.from(of.flat()) };
}

const tableLayout = (): Layout => (layout ??= buildLayout());

/** Where a cell sits in a table: region '' (national), a province or a regency code; segment and sponsor '' for all. */
export function cellOf(region: string, segment: string, sponsor: string): number {
  const l = tableLayout();
  const ri = l.regionIndex.get(region);
  const si = SEG.indexOf(segment as (typeof SEG)[number]);
  const pi = SPO.indexOf(sponsor as (typeof SPO)[number]);
  if (ri === undefined || si < 0 || pi < 0) throw new Error(`no cell (${region}, ${segment}, ${sponsor}) in a disclosure table`);
  return cellIndex(ri, si, pi);
}

/** The grand total's cell (national, every segment, every sponsor). */
export const GRAND_TOTAL = 0;

/** One regency-segment-sponsor count of a table (the finest grain; every other cell sums these). */
export type BaseCell = { region: string; segment: string; sponsor: string; value: number };

/** A finest cell's place: its regency code, segment and sponsor. */
export type BaseKey = readonly [region: string, segment: string, sponsor: string];

/** Cells a finest cell adds to: its regency, province and national cells, each by its segment or all and its sponsor or all. */
const GRAINS = 12;

/**
 * Where each finest cell's count goes in a table, GRAINS cells per finest
 * cell (-1: a cell the table does not know, refused by tableOf if it counts
 * anyone). Computed once per list of finest cells and used for each table.
 */
export function grainsOf(keys: readonly BaseKey[]): Int32Array {
  const l = tableLayout();
  const grains = new Int32Array(keys.length * GRAINS).fill(-1);
  keys.forEach(([region, segment, sponsor], j) => {
    const r = l.regionIndex.get(region);
    const p = region.length === 4 ? l.regionIndex.get(region.slice(0, 2)) : undefined;
    const si = SEG.indexOf(segment as (typeof SEG)[number]);
    const pi = SPO.indexOf(sponsor as (typeof SPO)[number]);
    if (r === undefined || p === undefined || si <= 0 || pi <= 0) return;
    let at = j * GRAINS;
    for (const ri of [r, p, 0]) {
      const base = ri * NS * NP;
      grains[at++] = base + si * NP + pi;
      grains[at++] = base + si * NP;
      grains[at++] = base + pi;
      grains[at++] = base;
    }
  });
  return grains;
}

/** The counts of a table at every grain, from its finest cells' counts (`counts[j]` for the cell grainsOf placed at j). */
export function tableOf(grains: Int32Array, counts: ArrayLike<number>, keys?: readonly BaseKey[]): Float64Array {
  const values = new Float64Array(tableLayout().size);
  for (let j = 0, at = 0; j < counts.length; j++, at += GRAINS) {
    const v = counts[j];
    if (!v) continue;
    if (grains[at] < 0) throw new Error(`(${keys?.[j]?.join(', ') ?? `cell ${j}`}) is not a regency, segment and sponsor a disclosure table knows`);
    for (let k = at; k < at + GRAINS; k++) values[grains[k]] += v;
  }
  return values;
}

/** The counts of a table at every grain, from its finest cells. */
export function tableValues(base: Iterable<BaseCell>): Float64Array {
  const cells = [...base];
  const keys = cells.map((c): BaseKey => [c.region, c.segment, c.sponsor]);
  return tableOf(grainsOf(keys), Float64Array.from(cells, (c) => c.value), keys);
}

/**
 * Which cells of a table are hidden (1) for a threshold K, by the rule above.
 * `values` as tableValues gives them; K <= 1 hides nothing.
 */
export function suppressionPattern(values: Float64Array, k: number): Uint8Array {
  const l = tableLayout();
  const hidden = new Uint8Array(l.size);
  if (k <= 1) return hidden;
  for (let c = 0; c < l.size; c++) if (values[c] >= 1 && values[c] < k) hidden[c] = 1;
  const { totals, partStart, parts, relStart, relationsOf } = l;
  // one more part of relation r to hide: the smallest shown non-zero one (-1: none left)
  const smallestShown = (r: number) => {
    let best = -1;
    for (let j = partStart[r]; j < partStart[r + 1]; j++) {
      const c = parts[j];
      if (!hidden[c] && values[c] > 0 && (best < 0 || values[c] < values[best])) best = c;
    }
    return best;
  };
  // every relation with a non-empty total once, then again each relation a newly hidden cell is in, until none is left
  const queued = new Uint8Array(totals.length);
  const queue: number[] = [];
  for (let r = 0; r < totals.length; r++) {
    if (values[totals[r]] > 0) {
      queued[r] = 1;
      queue.push(r);
    }
  }
  const hide = (c: number) => {
    hidden[c] = 1;
    for (let j = relStart[c]; j < relStart[c + 1]; j++) {
      const r = relationsOf[j];
      if (!queued[r] && values[totals[r]] > 0) {
        queued[r] = 1;
        queue.push(r);
      }
    }
  };
  for (let at = 0; at < queue.length; at++) {
    const r = queue[at];
    queued[r] = 0;
    const total = totals[r];
    for (;;) {
      let count = 0;
      let sum = 0;
      for (let j = partStart[r]; j < partStart[r + 1]; j++) {
        const c = parts[j];
        if (hidden[c] && values[c] > 0) {
          count++;
          sum += values[c];
        }
      }
      const safe = hidden[total] ? count >= 1 : count === 0 || (count >= 2 && sum >= k);
      if (safe) break;
      const next = smallestShown(r);
      if (next >= 0) hide(next);
      else if (!hidden[total]) hide(total); // (the total is its one hidden part: it goes with it)
      else break; // (parts that do not add up to their total: not a table tableValues makes)
    }
  }
  return hidden;
}

/** The relations of a table, for tests: each total's cell with its parts' cells. */
export function tableRelations(): { total: number; parts: number[] }[] {
  const l = tableLayout();
  return Array.from(l.totals, (total, r) => ({ total, parts: Array.from(l.parts.subarray(l.partStart[r], l.partStart[r + 1])) }));
}
