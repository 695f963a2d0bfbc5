import { currentRegencyCode, isProvinceCode, provinceOf } from '../domain/regions/regions.ts';
import type { Program, SizeClass } from '../domain/reference/vocabulary.ts';
import { dayOf, isoOf } from '../domain/days.ts';
import { allocate, apportion, checkpointDays, geographyOf, interpolate } from './allocation.ts';
import {
  CATEGORIES,
  EMPLOYER_COVERAGE,
  EMPLOYER_COVERAGE_PINS,
  NATIONAL_WORKFORCE,
  PINS,
  PROVINCE_WORKFORCE,
  TARGETS,
  WORKFORCE_OVERRIDES,
} from './figures.ts';
import { Random, seedOf } from './random.ts';

// The reference scenario: a deterministic history, 2013 to 2026, that holds
// the allocation's counts exactly at every checkpoint. Between two
// checkpoints each regency closes and opens employers, lapses a share of its
// participants (churn) and enrols new or returning workers until the target
// is met. A share of enrolments and lapses is reported one to three periods
// late, so it lands in a later import batch than facts that took effect after
// it. Events are written in report order; within a period by effective date.

export type ScenarioOptions = {
  scale: number;
  seed: number;
  /** A province (2-digit) or regency/city (4-digit) code: generate that region alone. */
  region?: string;
  onProgress?: (done: number, total: number) => void;
};
export type ScenarioSummary = { events: number; byType: Record<string, number>; regencies: number; from: string; to: string };

const OPENING_FROM = dayOf('2008-01-01'); // employment of the opening balance starts from here
const EMPLOYERS_FROM = dayOf('1995-01-01');
const JKP_FROM = dayOf('2022-02-01');
const CHURN = { PU: 0.04, BPU_SELF: 0.1, BPU_GOV: 0.06, JAKON: 0.12, PMI: 0.1 } as const;
const CLOSURES_PER_YEAR = 0.03;
const LATE_SHARE = 0.04;
const REENROL_SHARE = 0.35;
const SIZE_CLASSES: SizeClass[] = ['MIKRO', 'KECIL', 'MENENGAH', 'BESAR'];
const SIZE_SHARE = [0.55, 0.3, 0.11, 0.04];
const SIZE_PULL = [1, 6, 30, 150]; // how strongly each size class attracts new wage earners
const SIZE_EMPLOYEES: [number, number][] = [[1, 4], [5, 19], [20, 99], [100, 1000]];
const INDUSTRIES = ['C10', 'C13', 'C14', 'G46', 'G47', 'H49', 'I56', 'A03', 'K64', 'P85', 'Q86', 'F41', 'F42'];
const CONSTRUCTION = new Set(['F41', 'F42']);
const BPU_OCCUPATIONS = ['fisher', 'trader', 'online motorcycle-taxi driver', 'farmer', 'street vendor'];
const PMI_OCCUPATIONS = ['domestic worker', 'plantation worker', 'factory worker', 'caregiver'];
const NAME_HEAD = ['PT', 'CV', 'UD', 'PT', 'CV', 'Koperasi'];
const NAME_WORDS = ['Maju', 'Jaya', 'Sentosa', 'Makmur', 'Abadi', 'Sejahtera', 'Mandiri', 'Bersama', 'Karya', 'Sumber', 'Sinar', 'Mulia', 'Bahari', 'Lestari', 'Nusantara', 'Prima', 'Utama', 'Agung', 'Cahaya', 'Sukses'];

type Employer = {
  npp: string;
  region: string;
  size: number;
  construction: boolean;
  regDay: number;
  /** Index in its regency's list for its size class, and in the list of all open employers. */
  idx: number;
  gidx: number;
  workers: Worker[];
  /** Last period a worker event naming this employer is reported in: its deregistration must come after. */
  lastReport: number;
};
type Worker = {
  nik: string;
  region: string;
  cat: number;
  unit: Unit | null;
  programs: Program[];
  employer: Employer | null;
  empIdx: number;
  activeIdx: number;
  lastDay: number;
  lastReport: number;
};
type Regency = {
  code: string;
  bySize: Employer[][];
  employers: number;
  /** Active participants per category. */
  count: number[];
  /** Lapsed workers who may enrol again, and those lapsed this period (eligible from the next). */
  pool: Worker[];
  poolNext: Worker[];
  licences: number;
};
/**
 * Participants of one category in a set of regencies whose total is held
 * exactly: a pinned region, or the rest of the selection. Within a unit,
 * enrolments go where the allocation is short, so regencies track their
 * workforce share without churning back and forth over rounding.
 */
type Unit = { ci: number; regencies: string[]; active: Worker[] };
type Line = { day: number; kind: number; seq: number; text: string };

/** Checks a --region argument; returns the current regency codes it covers. */
export function regionSelection(region?: string): string[] {
  const geo = geographyOf();
  if (!region) return [...geo.regencies.values()].flat().sort();
  if (isProvinceCode(region)) return [...geo.regencies.get(region)!];
  const current = /^\d{4}$/.test(region) ? currentRegencyCode(region) : undefined;
  if (!current) throw new RangeError(`--region: "${region}" is not a known province (2-digit) or regency/city (4-digit) code`);
  return [current];
}

/** Units per category: every pinned region wholly inside the selection, then the rest of it. */
function unitsOf(selected: string[]): Unit[] {
  const geo = geographyOf();
  const inSelection = new Set(selected);
  const units: Unit[] = [];
  CATEGORIES.forEach((cat, ci) => {
    const taken = new Set<string>();
    for (const region of new Set(PINS.filter((p) => p.categories.includes(cat)).map((p) => p.region))) {
      const members = region.length === 2 ? geo.regencies.get(region)! : [region];
      if (!members.every((r) => inSelection.has(r))) continue;
      units.push({ ci, regencies: members, active: [] });
      for (const r of members) taken.add(r);
    }
    const rest = selected.filter((r) => !taken.has(r));
    if (rest.length) units.push({ ci, regencies: rest, active: [] });
  });
  return units;
}

/** Generates the scenario, handing NDJSON text to `write` in file order. */
export function generateScenario(opts: ScenarioOptions, write: (chunk: string) => void): ScenarioSummary {
  if (!(opts.scale > 0 && opts.scale <= 1)) throw new RangeError(`--scale: must be a number in (0, 1], not ${opts.scale}`);
  if (!Number.isInteger(opts.seed)) throw new RangeError(`--seed: must be an integer, not ${opts.seed}`);
  const selected = regionSelection(opts.region);
  const regional = opts.region !== undefined;
  const rnd = new Random(seedOf('scenario', opts.seed));
  const ids = new Random(seedOf('ids', opts.seed, opts.scale, opts.region ?? ''));
  const checkpoints = checkpointDays();
  const summary: ScenarioSummary = { events: 0, byType: {}, regencies: selected.length, from: isoOf(OPENING_FROM), to: isoOf(checkpoints[checkpoints.length - 1]) };

  const buckets = new Map<number, Line[]>();
  let seq = 0;
  const emit = (report: number, day: number, kind: number, type: string, data: object) => {
    const text = JSON.stringify({ eventId: ids.uuid(), type, effectiveOn: isoOf(day), data });
    const list = buckets.get(report) ?? [];
    list.push({ day, kind, seq: seq++, text });
    buckets.set(report, list);
    summary.events += 1;
    summary.byType[type] = (summary.byType[type] ?? 0) + 1;
  };
  const flush = (upTo: number) => {
    for (const k of [...buckets.keys()].filter((k) => k <= upTo).sort((a, b) => a - b)) {
      const lines = buckets.get(k)!.sort((a, b) => a.day - b.day || a.kind - b.kind || a.seq - b.seq);
      buckets.delete(k);
      write(lines.map((l) => l.text).join('\n') + '\n');
    }
  };
  const periodOf = (day: number) => Math.max(0, checkpoints.findIndex((c) => c >= day));
  const late = () => (rnd.chance(LATE_SHARE) ? rnd.int(1, 3) : 0);

  // identifiers: disjoint blocks for a national and a regional run, so both can share a database
  const kecamatanBase = regional ? 41 : 1;
  const nikSerials = new Map<string, number>();
  const newNik = (region: string, enrolDay: number): string => {
    for (;;) {
      const year = new Date(enrolDay * 86_400_000).getUTCFullYear() - rnd.int(18, 50);
      const day = rnd.int(1, 28) + (rnd.chance(0.45) ? 40 : 0);
      const prefix = `${region}${String(kecamatanBase + rnd.int(0, 39)).padStart(2, '0')}${String(day).padStart(2, '0')}${String(rnd.int(1, 12)).padStart(2, '0')}${String(year % 100).padStart(2, '0')}`;
      const serial = (nikSerials.get(prefix) ?? 0) + 1;
      if (serial > 9999) continue;
      nikSerials.set(prefix, serial);
      return prefix + String(serial).padStart(4, '0');
    }
  };
  const nppSerials = new Map<string, number>();
  const newNpp = (region: string) => {
    const p = provinceOf(region);
    const n = (nppSerials.get(p) ?? (regional ? 500_000 : 0)) + 1;
    nppSerials.set(p, n);
    return p + String(n).padStart(6, '0');
  };
  let licenceSerial = 0;
  const businessName = () => `${rnd.pick(NAME_HEAD)} ${rnd.pick(NAME_WORDS)} ${rnd.pick(NAME_WORDS)}`;

  const states = new Map<string, Regency>(
    selected.map((code) => [code, { code, bySize: SIZE_CLASSES.map(() => []), employers: 0, count: CATEGORIES.map(() => 0), pool: [], poolNext: [], licences: 0 }]),
  );
  const byProvince = new Map<string, Regency[]>();
  for (const s of states.values()) byProvince.set(provinceOf(s.code), [...(byProvince.get(provinceOf(s.code)) ?? []), s]);
  const units = unitsOf(selected);
  const openEmployers: Employer[] = [];

  reference(opts, selected, regional, emit, periodOf);

  const swapRemove = <T>(list: T[], i: number, setIndex: (item: T, i: number) => void) => {
    const last = list.pop()!;
    if (i < list.length) {
      list[i] = last;
      setIndex(last, i);
    }
  };
  const lapse = (w: Worker, k: number, day: number, reason: string) => {
    const s = states.get(w.region)!;
    swapRemove(w.unit!.active, w.activeIdx, (x, i) => (x.activeIdx = i));
    w.unit = null;
    s.count[w.cat] -= 1;
    if (w.employer) {
      swapRemove(w.employer.workers, w.empIdx, (x, i) => (x.empIdx = i));
      w.employer = null;
    }
    const report = Math.max(k + late(), w.lastReport);
    w.lastReport = report;
    w.lastDay = day;
    emit(report, day, 3, 'WorkerLapsed', { nik: w.nik, reason });
    if (reason !== 'DECEASED' && reason !== 'RETIRED') s.poolNext.push(w);
  };
  const openEmployer = (region: string, k: number, day: number, size = rnd.weighted(SIZE_SHARE)): Employer => {
    const industry = rnd.pick(INDUSTRIES);
    const s = states.get(region)!;
    const e: Employer = { npp: newNpp(region), region, size, construction: CONSTRUCTION.has(industry), regDay: day, idx: s.bySize[size].length, gidx: openEmployers.length, workers: [], lastReport: k };
    s.bySize[size].push(e);
    s.employers += 1;
    openEmployers.push(e);
    emit(k, day, 0, 'EmployerRegistered', { npp: e.npp, name: businessName(), regionCode: region, sizeClass: SIZE_CLASSES[size], industry });
    return e;
  };
  const closeEmployer = (e: Employer, k: number, day: number) => {
    const s = states.get(e.region)!;
    swapRemove(s.bySize[e.size], e.idx, (x, i) => (x.idx = i));
    swapRemove(openEmployers, e.gidx, (x, i) => (x.gidx = i));
    s.employers -= 1;
    for (const w of [...e.workers]) lapse(w, k, day, CATEGORIES[w.cat] === 'JAKON' ? 'PROJECT_ENDED' : 'EMPLOYMENT_ENDED');
    emit(Math.max(k, e.lastReport), day, 4, 'EmployerDeregistered', { npp: e.npp, reason: 'business closed' });
  };
  const pickFrom = (c: Regency, construction: boolean): Employer | undefined => {
    const weights = c.bySize.map((l, i) => l.length * SIZE_PULL[i]);
    if (!weights.some((w) => w > 0)) return undefined;
    let e: Employer | undefined;
    for (let attempt = 0; attempt < (construction ? 4 : 1); attempt++) {
      e = rnd.pick(c.bySize[rnd.weighted(weights)]);
      if (!construction || e.construction) break;
    }
    return e;
  };
  /** An open employer for a wage earner or construction worker: same regency, else same province, else anywhere in the selection. */
  const employerFor = (s: Regency, construction: boolean, k: number, from: number, to: number): Employer => {
    const e = pickFrom(s, construction) ?? pickFrom(rnd.pick(byProvince.get(provinceOf(s.code))!), construction);
    if (e) return e;
    return openEmployers.length ? rnd.pick(openEmployers) : openEmployer(s.code, k, rnd.int(from, to));
  };
  const programsFor = (cat: string, day: number, employer: Employer | null): Program[] => {
    switch (cat) {
      case 'PU': {
        const p: Program[] = ['JKK', 'JKM', 'JHT'];
        if (employer!.size > 0 || rnd.chance(0.5)) p.push('JP');
        if (day >= JKP_FROM && rnd.chance(0.75)) p.push('JKP');
        return p;
      }
      case 'BPU_SELF':
        return rnd.chance(0.35) ? ['JKK', 'JKM', 'JHT'] : ['JKK', 'JKM'];
      case 'PMI':
        return rnd.chance(0.7) ? ['JKK', 'JKM', 'JHT'] : ['JKK', 'JKM'];
      default:
        return ['JKK', 'JKM'];
    }
  };
  const enrol = (unit: Unit, s: Regency, k: number, from: number, to: number) => {
    const ci = unit.ci;
    const cat = CATEGORIES[ci];
    const needsEmployer = cat === 'PU' || cat === 'JAKON';
    const employer = needsEmployer ? employerFor(s, cat === 'JAKON', k, from, to) : null;
    let w: Worker;
    if (s.pool.length && rnd.chance(REENROL_SHARE)) {
      const i = rnd.int(0, s.pool.length - 1);
      w = s.pool[i];
      swapRemove(s.pool, i, () => undefined);
      w.cat = ci;
    } else {
      w = { nik: '', region: s.code, cat: ci, unit: null, programs: [], employer: null, empIdx: 0, activeIdx: 0, lastDay: 0, lastReport: 0 };
    }
    const day = rnd.int(Math.max(from, employer?.regDay ?? from, w.lastDay + 1), to);
    if (!w.nik) w.nik = newNik(s.code, day);
    w.programs = programsFor(cat, day, employer);
    w.unit = unit;
    w.activeIdx = unit.active.length;
    unit.active.push(w);
    s.count[ci] += 1;
    const report = Math.max(k + late(), w.lastReport);
    w.lastReport = report;
    w.lastDay = day;
    const data: Record<string, unknown> = { nik: w.nik, segment: cat.startsWith('BPU') ? 'BPU' : cat, programs: w.programs, regionCode: s.code };
    data.sponsor = cat === 'BPU_GOV' ? 'GOVERNMENT' : needsEmployer ? 'EMPLOYER' : 'SELF';
    if (employer) {
      data.employerNpp = employer.npp;
      w.employer = employer;
      w.empIdx = employer.workers.length;
      employer.workers.push(w);
      employer.lastReport = Math.max(employer.lastReport, report);
    }
    if (cat === 'BPU_SELF' || cat === 'BPU_GOV') data.occupation = rnd.pick(BPU_OCCUPATIONS);
    if (cat === 'PMI') data.occupation = rnd.pick(PMI_OCCUPATIONS);
    emit(report, day, 1, 'WorkerEnrolled', data);
  };
  /** Adds a program to a share of the unit's participants enrolled before the period. */
  const addProgram = (unit: Unit, program: Program, share: number, k: number, from: number, to: number) => {
    const list = unit.active;
    const n = rnd.round(list.length * share);
    for (let i = 0; i < n; i++) {
      const w = list[rnd.int(0, list.length - 1)];
      if (w.programs.includes(program) || w.lastDay >= from) continue;
      w.programs = [...w.programs, program];
      const day = rnd.int(from, to);
      w.lastReport = Math.max(k, w.lastReport);
      w.lastDay = day;
      emit(w.lastReport, day, 2, 'WorkerProgramsChanged', { nik: w.nik, programs: w.programs });
    }
  };
  /** Splits n new items over regencies where the allocation is short (else by allocation). */
  const where = (n: number, regencies: string[], wanted: (r: string) => number, have: (r: string) => number) => {
    const short = regencies.map((r) => Math.max(0, wanted(r) - have(r)));
    return apportion(n, short.some((x) => x > 0) ? short : regencies.map((r) => wanted(r) + 1e-9));
  };

  for (let k = 0; k < checkpoints.length; k++) {
    const to = checkpoints[k];
    const opening = k === 0;
    const from = opening ? OPENING_FROM : checkpoints[k - 1] + 1;
    const years = (to - from + 1) / 365.25;
    const target = allocate(to, opts.scale);
    const covid = isoOf(to).startsWith('2020') ? 2 : 1;

    // 1. employers close (their workers lapse with them), mostly small ones, then new ones open
    const wantedEmployers = selected.reduce((n, r) => n + target.employers.get(r)!, 0);
    let closures = opening ? 0 : rnd.round(openEmployers.length * CLOSURES_PER_YEAR * covid * years);
    closures = Math.min(openEmployers.length, Math.max(closures, openEmployers.length - wantedEmployers));
    for (let i = 0; i < closures; i++) {
      let e = rnd.pick(openEmployers);
      for (let attempt = 0; attempt < 5 && e.size > 1; attempt++) e = rnd.pick(openEmployers);
      closeEmployer(e, k, rnd.int(from, to));
    }
    const opened = where(wantedEmployers - openEmployers.length, selected, (r) => target.employers.get(r)!, (r) => states.get(r)!.employers);
    selected.forEach((r, i) => {
      for (let n = 0; n < opened[i]; n++) openEmployer(r, k, rnd.int(opening ? EMPLOYERS_FROM : from, to));
    });

    // 2. participants lapse (churn) and enrol until each unit holds its count
    for (const unit of units) {
      const cat = CATEGORIES[unit.ci];
      const list = unit.active;
      const wanted = unit.regencies.reduce((n, r) => n + target.active.get(r)![unit.ci], 0);
      let lapses = opening ? 0 : rnd.round(list.length * CHURN[cat] * covid * years);
      lapses = Math.min(list.length, Math.max(lapses, list.length - wanted));
      for (let i = 0; i < lapses; i++) {
        const reason = cat === 'JAKON' ? 'PROJECT_ENDED' : cat === 'PU' || cat === 'PMI' ? (rnd.chance(0.2) ? 'RETIRED' : 'EMPLOYMENT_ENDED') : 'NON_PAYMENT';
        lapse(list[rnd.int(0, list.length - 1)], k, rnd.int(from, to), rnd.chance(0.02) ? 'DECEASED' : reason);
      }
      const enrolments = where(wanted - list.length, unit.regencies, (r) => target.active.get(r)![unit.ci], (r) => states.get(r)!.count[unit.ci]);
      unit.regencies.forEach((r, i) => {
        for (let n = 0; n < enrolments[i]; n++) enrol(unit, states.get(r)!, k, from, to);
      });
      // 3. program changes: JKP for wage earners in 2022, JHT taken up by informal workers
      if (!opening && cat === 'PU' && from >= JKP_FROM && to < dayOf('2023-01-01')) addProgram(unit, 'JKP', 0.015, k, from, to);
      if (!opening && cat === 'BPU_SELF') addProgram(unit, 'JHT', 0.003, k, from, to);
    }

    // 4. licensed businesses: enough that active employers are the coverage share of them
    for (const s of states.values()) {
      s.pool.push(...s.poolNext);
      s.poolNext = [];
      const coverage = EMPLOYER_COVERAGE_PINS[s.code]?.value ?? interpolate(EMPLOYER_COVERAGE, to);
      const wanted = Math.max(s.licences, Math.round(s.employers / coverage));
      const fresh = wanted > s.licences ? s.bySize.flat().filter((e) => e.regDay >= from) : [];
      for (let i = 0; s.licences < wanted; i++, s.licences++) {
        const e = fresh[i];
        const size = e ? e.size : rnd.chance(0.8) ? 0 : 1;
        const day = e ? e.regDay : rnd.int(from, to);
        const data: Record<string, unknown> = {
          licenceNumber: `OSS-${s.code}-${isoOf(day).slice(0, 4)}-${String(++licenceSerial).padStart(7, '0')}`,
          name: businessName(),
          regionCode: s.code,
          employees: rnd.int(...SIZE_EMPLOYEES[size]),
        };
        if (e) data.npp = e.npp;
        emit(k, day, 0, 'EmployerLicensed', data);
      }
    }
    flush(k);
    opts.onProgress?.(k + 1, checkpoints.length);
  }
  flush(Number.POSITIVE_INFINITY);
  return summary;
}

/** Workforce estimates and coverage targets for the selection. */
function reference(
  opts: ScenarioOptions,
  selected: string[],
  regional: boolean,
  emit: (report: number, day: number, kind: number, type: string, data: object) => void,
  periodOf: (day: number) => number,
) {
  const geo = geographyOf();
  const scaled = (n: number) => Math.round(n * opts.scale);
  const scope = opts.region && isProvinceCode(opts.region) ? opts.region : selected[0];
  const inSelection = (code: string | undefined) => !regional || (code !== undefined && code.startsWith(scope));
  const estimate = (on: string, data: { regionCode?: string; segment?: string; formality?: string; count: number; source: string }) => {
    const count = scaled(data.count);
    if (count > 0 && inSelection(data.regionCode)) emit(periodOf(dayOf(on)), dayOf(on), 0, 'WorkforceEstimated', { ...data, count });
  };
  const provinceTotal = Object.values(PROVINCE_WORKFORCE).reduce((a, b) => a + b, 0);
  for (const f of NATIONAL_WORKFORCE) {
    const nationalTotal = { count: f.total, source: f.source };
    if (!regional) {
      estimate(f.on, nationalTotal);
      estimate(f.on, { formality: 'FORMAL', count: f.total * f.formalShare, source: f.source });
      estimate(f.on, { formality: 'INFORMAL', count: f.total * (1 - f.formalShare), source: f.source });
    }
    for (const p of geo.provinces) {
      const override = WORKFORCE_OVERRIDES.find((o) => o.regionCode === p && o.on === f.on && !o.segment);
      const source = `${f.source}, spread by province (BPS Aug 2023 shares)`;
      if (override) {
        estimate(f.on, { regionCode: p, count: override.count, source: override.source });
        continue;
      }
      const total = (f.total * PROVINCE_WORKFORCE[p]) / provinceTotal;
      estimate(f.on, { regionCode: p, count: total, source });
      estimate(f.on, { regionCode: p, formality: 'FORMAL', count: total * f.formalShare, source });
      estimate(f.on, { regionCode: p, formality: 'INFORMAL', count: total * (1 - f.formalShare), source });
      if (f.on < '2015') continue; // regency figures from 2015 on
      for (const r of geo.regencies.get(p)!) {
        estimate(f.on, { regionCode: r, count: (total * geo.regencyWorkforce.get(r)!) / (PROVINCE_WORKFORCE[p] * 1_000_000), source: `${source}, regency share synthetic` });
      }
    }
  }
  for (const o of WORKFORCE_OVERRIDES.filter((o) => o.segment)) estimate(o.on, { regionCode: o.regionCode, segment: o.segment, count: o.count, source: o.source });

  for (const t of TARGETS) {
    if (!inSelection(t.scope.regionCode)) continue;
    if (regional && !t.scope.regionCode) continue;
    const value = t.scaled ? Math.max(1, scaled(t.value)) : t.value;
    const day = dayOf(t.setOn);
    emit(periodOf(day), day, 0, 'CoverageTargetSet', { targetId: t.targetId, name: t.name, metric: t.metric, value, dueOn: t.dueOn, scope: t.scope, source: t.source });
  }
}
