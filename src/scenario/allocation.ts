import { DAY_MS, dayOf } from '../domain/days.ts';
import { regions } from '../domain/regions/regions.ts';
import { fnv1a } from './random.ts';
import {
  CATEGORIES,
  EXTRA_CHECKPOINTS,
  FIRST_CHECKPOINT,
  LAST_CHECKPOINT,
  NATIONAL_ACTIVE,
  NATIONAL_EMPLOYERS,
  PINS,
  PROVINCE_WORKFORCE,
  REGENCY_WORKFORCE,
  type Anchor,
  type Category,
} from './figures.ts';

// Where the counts go: for every checkpoint (month ends plus anchor dates),
// the exact number of active participants per regency and category, and of
// active employers per regency. National counts are the anchors times the
// scale; they are spread over provinces and regencies in proportion to
// workforce, except where a pin fixes a region's count. Integer shares come
// from largest-remainder apportionment, so the parts always add up to the
// whole.

/** Month ends from the first to the last checkpoint, plus the extra anchor dates, as day numbers. */
export function checkpointDays(): number[] {
  const days = new Set<number>(EXTRA_CHECKPOINTS.map(dayOf));
  const last = dayOf(LAST_CHECKPOINT);
  let [y, m] = FIRST_CHECKPOINT.split('-').map(Number);
  for (;;) {
    const end = Date.UTC(y, m, 0) / DAY_MS; // day 0 of the next month = last day of this one
    if (end > last) break;
    days.add(end);
    m += 1;
    if (m > 12) [y, m] = [y + 1, 1];
  }
  return [...days].sort((a, b) => a - b);
}

/** Linear interpolation by day between anchors, flat beyond them. */
export function interpolate(anchors: Anchor<number>[], day: number): number {
  const first = anchors[0];
  if (day <= dayOf(first.on)) return first.value;
  for (let i = 1; i < anchors.length; i++) {
    const [a, b] = [anchors[i - 1], anchors[i]];
    const [da, db] = [dayOf(a.on), dayOf(b.on)];
    if (day <= db) return a.value + ((b.value - a.value) * (day - da)) / (db - da);
  }
  return anchors[anchors.length - 1].value;
}

/** Splits an integer total over weights: floors, then the largest remainders get one more (ties by index). */
export function apportion(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (total <= 0 || sum <= 0) return weights.map(() => 0);
  const exact = weights.map((w) => (total * w) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k++, left--) out[order[k % order.length][1]] += 1;
  return out;
}

const nationalCategory = (c: Category) => NATIONAL_ACTIVE.map((a) => ({ on: a.on, value: a.value[c], source: a.source }));
const NATIONAL_BY_CATEGORY = Object.fromEntries(CATEGORIES.map((c) => [c, nationalCategory(c)])) as Record<Category, Anchor<number>[]>;
export const nationalActive = (c: Category, day: number) => interpolate(NATIONAL_BY_CATEGORY[c], day);

/** A stable pseudo-normal number from a region code (two FNV-1a hashes, then Box-Muller): the synthetic regency weights. */
function codeNormal(code: string): number {
  const uniform = (salt: number) => (fnv1a(code, 0x811c9dc5 ^ salt) + 1) / 4294967297;
  return Math.sqrt(-2 * Math.log(uniform(1))) * Math.cos(2 * Math.PI * uniform(2));
}

export type Geography = {
  provinces: string[];
  /** Current regency codes of each province, sorted. */
  regencies: Map<string, string[]>;
  /** Employed persons per regency in 2023 (province figure spread by weight, fixed where known). */
  regencyWorkforce: Map<string, number>;
};

let geography: Geography | undefined;
export function geographyOf(): Geography {
  if (geography) return geography;
  const provinces = Object.keys(PROVINCE_WORKFORCE).sort();
  const regencies = new Map<string, string[]>(provinces.map((p) => [p, []]));
  for (const r of regions().values()) if (r.level === 'REGENCY' && !r.currentCode) regencies.get(r.parentCode!)?.push(r.code);
  const regencyWorkforce = new Map<string, number>();
  for (const p of provinces) {
    const codes = regencies.get(p)!.sort();
    const fixed = codes.filter((c) => c in REGENCY_WORKFORCE);
    const rest = codes.filter((c) => !(c in REGENCY_WORKFORCE));
    for (const c of fixed) regencyWorkforce.set(c, REGENCY_WORKFORCE[c]);
    const remaining = PROVINCE_WORKFORCE[p] * 1_000_000 - fixed.reduce((s, c) => s + REGENCY_WORKFORCE[c], 0);
    // cities (codes 71-99) are smaller labour markets than kabupaten on average
    const weights = rest.map((c) => Math.exp(0.6 * codeNormal(c)) * (Number(c.slice(2)) >= 71 ? 0.6 : 1));
    apportion(Math.round(remaining), weights).forEach((n, i) => regencyWorkforce.set(rest[i], n));
  }
  return (geography = { provinces, regencies, regencyWorkforce });
}

type PinSeries = { region: string; categories: Category[]; points: { day: number; value: number }[] };
function pinSeries(): PinSeries[] {
  const groups = new Map<string, PinSeries>();
  for (const p of PINS) {
    const id = `${p.region}|${p.categories.join(',')}`;
    const g = groups.get(id) ?? { region: p.region, categories: p.categories, points: [] };
    g.points.push({ day: dayOf(p.on), value: p.value });
    groups.set(id, g);
  }
  for (const g of groups.values()) g.points.sort((a, b) => a.day - b.day);
  return [...groups.values()];
}

/** A pinned region's full-size total at a day: interpolated between pins, moving with the nation outside them. */
function pinnedTotal(pin: PinSeries, day: number): number {
  const national = (d: number) => pin.categories.reduce((s, c) => s + nationalActive(c, d), 0);
  const pts = pin.points;
  const relative = (p: { day: number; value: number }) => {
    const base = national(p.day);
    return base > 0 ? (p.value * national(day)) / base : 0;
  };
  if (day <= pts[0].day) return relative(pts[0]);
  for (let i = 1; i < pts.length; i++) {
    const [a, b] = [pts[i - 1], pts[i]];
    if (day <= b.day) return a.value + ((b.value - a.value) * (day - a.day)) / (b.day - a.day);
  }
  return relative(pts[pts.length - 1]);
}

export type Checkpoint = {
  day: number;
  /** Active participants per regency, one count per category (in CATEGORIES order). */
  active: Map<string, number[]>;
  /** Active employers per regency. */
  employers: Map<string, number>;
};

/** The exact counts every regency must hold at a checkpoint, at a scale. */
export function allocate(day: number, scale: number): Checkpoint {
  const geo = geographyOf();
  const pins = pinSeries();
  const national = CATEGORIES.map((c) => nationalActive(c, day) * scale);
  const nationalInt = apportion(Math.round(national.reduce((a, b) => a + b, 0)), national);

  // pinned regions: their total, split over their categories by the national mix
  const pinned = new Map<string, number[]>(); // region -> per category (only pinned categories set)
  for (const pin of pins) {
    const cats = pin.categories.map((c) => CATEGORIES.indexOf(c));
    const split = apportion(Math.round(pinnedTotal(pin, day) * scale), cats.map((i) => national[i]));
    const row = pinned.get(pin.region) ?? CATEGORIES.map(() => -1);
    cats.forEach((ci, k) => (row[ci] = split[k]));
    pinned.set(pin.region, row);
  }
  const pinOf = (region: string, ci: number) => pinned.get(region)?.[ci] ?? -1;

  const active = new Map<string, number[]>();
  for (const [, codes] of geo.regencies) for (const r of codes) active.set(r, CATEGORIES.map(() => 0));
  CATEGORIES.forEach((_, ci) => {
    const provinceCounts = spread(nationalInt[ci], geo.provinces, (p) => pinOf(p, ci), (p) => PROVINCE_WORKFORCE[p]);
    geo.provinces.forEach((p, pi) => {
      const codes = geo.regencies.get(p)!;
      const counts = spread(provinceCounts[pi], codes, (r) => pinOf(r, ci), (r) => geo.regencyWorkforce.get(r)!);
      codes.forEach((r, i) => (active.get(r)![ci] = counts[i]));
    });
  });

  const employersNational = Math.round(interpolate(NATIONAL_EMPLOYERS, day) * scale);
  const employers = new Map<string, number>();
  const byProvince = apportion(employersNational, geo.provinces.map((p) => PROVINCE_WORKFORCE[p]));
  geo.provinces.forEach((p, pi) => {
    const codes = geo.regencies.get(p)!;
    apportion(byProvince[pi], codes.map((r) => geo.regencyWorkforce.get(r)!)).forEach((n, i) => employers.set(codes[i], n));
  });
  return { day, active, employers };
}

/** Pinned parts take their value (capped by what is left); the rest share the remainder by weight. */
function spread(total: number, parts: string[], pin: (p: string) => number, weight: (p: string) => number): number[] {
  const out = parts.map(() => 0);
  let left = total;
  const free: number[] = [];
  parts.forEach((p, i) => {
    const v = pin(p);
    if (v < 0) free.push(i);
    else {
      out[i] = Math.min(v, Math.max(left, 0));
      left -= out[i];
    }
  });
  apportion(left, free.map((i) => weight(parts[i]))).forEach((n, k) => (out[free[k]] = n));
  return out;
}
