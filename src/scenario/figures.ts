// The trajectory the reference scenario follows: the seed figures of
// docs/seed-facts.json and the public national series, at full size
// (the generator multiplies every count by the scale). Each anchor names where
// it comes from; values between anchors are interpolated linearly by day.

/** Stock categories: a segment, with BPU split by who pays. */
export const CATEGORIES = ['PU', 'BPU_SELF', 'BPU_GOV', 'JAKON', 'PMI'] as const;
export type Category = (typeof CATEGORIES)[number];

export type Anchor<V> = { on: string; value: V; source: string };

/**
 * National active participants by category (millions). Totals are the seed
 * and public figures; the split is ours, shaped by the public 2023 split
 * (PU 25.0M / BPU 9.19M / JAKON 7.36M) but holding the seed's 48 % PU share
 * on 2023-10-31, which the seed file says to prefer.
 */
export const NATIONAL_ACTIVE: Anchor<Record<Category, number>>[] = [
  { on: '2013-01-31', value: { PU: 10.6, BPU_SELF: 0.3, BPU_GOV: 0, JAKON: 0.55, PMI: 0.05 }, source: 'ANTARA Bengkulu 2013: 11.5M active' },
  { on: '2013-12-31', value: { PU: 12.2, BPU_SELF: 0.4, BPU_GOV: 0, JAKON: 0.85, PMI: 0.05 }, source: 'target 13.2M by end-2013 met (13.5M)' },
  { on: '2014-11-30', value: { PU: 13.5, BPU_SELF: 0.8, BPU_GOV: 0, JAKON: 1.8, PMI: 0.1 }, source: 'public series 2014-11: 16.2M' },
  { on: '2017-12-31', value: { PU: 16.5, BPU_SELF: 2.4, BPU_GOV: 0, JAKON: 7.0, PMI: 0.3 }, source: 'public series 2017: 26.2M' },
  { on: '2018-12-31', value: { PU: 17.8, BPU_SELF: 3.2, BPU_GOV: 0.1, JAKON: 9.0, PMI: 0.36 }, source: 'public series 2018: 30.46M' },
  { on: '2019-12-31', value: { PU: 18.8, BPU_SELF: 3.3, BPU_GOV: 0.3, JAKON: 11.3, PMI: 0.47 }, source: 'public series 2019: 34.17M' },
  { on: '2020-12-31', value: { PU: 17.0, BPU_SELF: 2.6, BPU_GOV: 0.4, JAKON: 9.5, PMI: 0.48 }, source: 'public series 2020: 29.98M (the pandemic fall)' },
  { on: '2021-12-31', value: { PU: 17.6, BPU_SELF: 3.2, BPU_GOV: 1.0, JAKON: 8.4, PMI: 0.46 }, source: 'public series 2021: 30.66M' },
  { on: '2022-12-31', value: { PU: 18.6, BPU_SELF: 5.5, BPU_GOV: 2.5, JAKON: 8.8, PMI: 0.46 }, source: 'public series 2022: 35.86M' },
  { on: '2023-10-31', value: { PU: 19.296, BPU_SELF: 7.4, BPU_GOV: 4.0, JAKON: 9.0, PMI: 0.504 }, source: 'IDN Times 2023: 40.2M active, 48 % PU' },
  { on: '2023-12-31', value: { PU: 19.6, BPU_SELF: 8.0, BPU_GOV: 4.3, JAKON: 9.15, PMI: 0.51 }, source: 'public series 2023: 41.56M' },
  { on: '2024-12-31', value: { PU: 20.5, BPU_SELF: 9.1, BPU_GOV: 5.5, JAKON: 9.6, PMI: 0.52 }, source: 'public series 2024: 45.22M' },
  { on: '2026-10-31', value: { PU: 21.5, BPU_SELF: 10.5, BPU_GOV: 6.8, JAKON: 10.6, PMI: 0.6 }, source: 'extrapolated towards the 70M UCJ target' },
].map((a) => ({ ...a, value: mapValues(a.value, (v) => v * 1_000_000) }));

/** National active (registered, not deregistered) employers. */
export const NATIONAL_EMPLOYERS: Anchor<number>[] = [
  { on: '2013-01-31', value: 176_000, source: 'interpolated back from 2013-09' },
  { on: '2013-09-30', value: 182_879, source: 'public series: active employers 2013-09' },
  { on: '2015-12-31', value: 300_000, source: 'shape only' },
  { on: '2017-12-31', value: 480_000, source: 'shape only' },
  { on: '2019-12-31', value: 640_000, source: 'shape only' },
  { on: '2020-12-31', value: 615_000, source: 'shape only (pandemic closures)' },
  { on: '2022-12-31', value: 820_000, source: 'shape only' },
  { on: '2023-12-31', value: 901_912, source: 'public series: active employers 2023' },
  { on: '2026-10-31', value: 1_000_000, source: 'extrapolated' },
];

/**
 * Employed persons by province (millions), BPS Sakernas August 2023, rounded;
 * the weights that spread national counts over provinces.
 */
export const PROVINCE_WORKFORCE: Record<string, number> = {
  '11': 2.53, '12': 7.63, '13': 2.73, '14': 3.21, '15': 1.84, '16': 4.41, '17': 1.07, '18': 4.6, '19': 0.77, '21': 1.08,
  '31': 5.0, '32': 24.34, '33': 19.24, '34': 2.3, '35': 22.78, '36': 5.66, '51': 2.62, '52': 2.9, '53': 2.73,
  '61': 2.65, '62': 1.4, '63': 2.12, '64': 1.83, '65': 0.34, '71': 1.23, '72': 1.55, '73': 4.3, '74': 1.35, '75': 0.58, '76': 0.7,
  '81': 0.78, '82': 0.6, '91': 0.55, '92': 0.29, '93': 0.28, '94': 0.6, '95': 0.8, '96': 0.3,
};

/**
 * Regencies whose workforce we fix (employed persons); the others share their
 * province's remainder by a synthetic weight (see allocation.ts).
 */
export const REGENCY_WORKFORCE: Record<string, number> = {
  '3375': 170_000, // Kota Pekalongan
  '3325': 430_000, // Kab. Batang
};

/**
 * Pinned active participants: a region whose count is fixed at some dates
 * rather than proportional to its workforce. Between two pins the count is
 * interpolated; before the first and after the last it moves with the
 * national count of the same category.
 */
export type Pin = { region: string; categories: Category[]; on: string; value: number; source: string };
export const PINS: Pin[] = [
  { region: '17', categories: [...CATEGORIES], on: '2013-12-31', value: 50_000, source: 'ANTARA Bengkulu 2013: 50k of 200k workers' },
  { region: '17', categories: [...CATEGORIES], on: '2023-12-31', value: 212_266, source: 'public: Bengkulu 2023 active' },
  { region: '3375', categories: ['BPU_SELF'], on: '2019-11-27', value: 18_000, source: 'Radar Pekalongan: 18,000 informal participants' },
  { region: '3375', categories: ['BPU_SELF'], on: '2023-12-31', value: 21_000, source: 'shape only' },
  { region: '3375', categories: ['JAKON'], on: '2019-11-27', value: 128, source: 'Radar Pekalongan: 128 of 702 construction workers' },
  { region: '3375', categories: ['BPU_GOV'], on: '2022-12-31', value: 0, source: 'Perwal 19/2023 not yet in force' },
  { region: '3375', categories: ['BPU_GOV'], on: '2023-06-30', value: 423, source: 'Sahabat.com/ANTARA 2023: 423 vulnerable workers' },
  { region: '3375', categories: ['BPU_GOV'], on: '2023-12-31', value: 478, source: 'shape only: the 500 target is missed' },
];

/**
 * Employer coverage (active employers ÷ licensed businesses) a regency holds
 * throughout: licences never go away, so a level reached later cannot be
 * lower than one held before.
 */
export const EMPLOYER_COVERAGE_PINS: Record<string, { on: string; value: number; source: string }> = {
  '3375': { on: '2019-11-27', value: 0.9482, source: 'Radar Pekalongan: 94.82 % of businesses registered' },
};
/** Employer coverage elsewhere: from 78 % in 2013 to 90 % in 2023. */
export const EMPLOYER_COVERAGE: Anchor<number>[] = [
  { on: '2013-01-31', value: 0.78, source: 'shape only' },
  { on: '2023-12-31', value: 0.9, source: 'shape only' },
];

export type WorkforceFigure = { on: string; total: number; formalShare: number; source: string };
/** National workforce estimates (employed persons). */
export const NATIONAL_WORKFORCE: WorkforceFigure[] = [
  { on: '2013-08-01', total: 110_000_000, formalShare: 40 / 110, source: 'ANTARA Bengkulu 2013: 40M formal, 70M informal' },
  { on: '2015-08-01', total: 114_800_000, formalShare: 0.4224, source: 'BPS Sakernas August 2015' },
  { on: '2023-08-01', total: 139_850_000, formalShare: 0.4089, source: 'BPS Sakernas August 2023' },
  { on: '2024-08-01', total: 144_640_000, formalShare: 0.4205, source: 'BPS Sakernas August 2024' },
];
/** Regional estimates that replace the proportional ones. */
export const WORKFORCE_OVERRIDES: { regionCode: string; on: string; count: number; segment?: 'JAKON'; source: string }[] = [
  { regionCode: '17', on: '2013-08-01', count: 200_000, source: 'ANTARA Bengkulu 2013: 200 thousand workers' },
  { regionCode: '3375', on: '2019-11-01', count: 702, segment: 'JAKON', source: 'SiRUP via Radar Pekalongan: 702 construction workers' },
];

export type TargetFigure = {
  targetId: string;
  name: string;
  metric: 'ACTIVE_PARTICIPANTS' | 'COVERAGE_RATE' | 'EMPLOYER_COVERAGE_RATE';
  value: number;
  /** Counts scale with the scenario; rates do not. */
  scaled: boolean;
  setOn: string;
  dueOn: string;
  scope: { regionCode?: string; segment?: 'PU' | 'BPU'; sponsor?: 'GOVERNMENT' };
  source: string;
};
export const TARGETS: TargetFigure[] = [
  { targetId: 'national-2013', name: '13.2 million active participants by end of 2013', metric: 'ACTIVE_PARTICIPANTS', value: 13_200_000, scaled: true, setOn: '2013-01-02', dueOn: '2013-12-31', scope: {}, source: 'ANTARA Bengkulu 2013' },
  { targetId: 'ucj-2026', name: 'Universal Coverage Jamsostek: 70 million workers in 2026', metric: 'ACTIVE_PARTICIPANTS', value: 70_000_000, scaled: true, setOn: '2023-01-02', dueOn: '2026-12-31', scope: {}, source: 'IDN Times 2023' },
  { targetId: 'formal-65', name: '65 % of the formal sector covered', metric: 'COVERAGE_RATE', value: 0.65, scaled: false, setOn: '2023-01-02', dueOn: '2026-12-31', scope: { segment: 'PU' }, source: 'ANTARA, Batang' },
  { targetId: 'informal-16', name: '16 % of the informal sector covered', metric: 'COVERAGE_RATE', value: 0.16, scaled: false, setOn: '2023-01-02', dueOn: '2026-12-31', scope: { segment: 'BPU' }, source: 'ANTARA, Batang' },
  { targetId: 'kit-batang', name: 'KIT Batang: every worker covered', metric: 'COVERAGE_RATE', value: 1, scaled: false, setOn: '2023-01-02', dueOn: '2026-12-31', scope: { regionCode: '3325' }, source: 'ANTARA, Batang' },
  { targetId: 'pekalongan-rentan-2023', name: 'Kota Pekalongan: 500 vulnerable workers paid by the city (Perwal 19/2023)', metric: 'ACTIVE_PARTICIPANTS', value: 500, scaled: true, setOn: '2023-01-02', dueOn: '2023-12-31', scope: { regionCode: '3375', segment: 'BPU', sponsor: 'GOVERNMENT' }, source: 'Sahabat.com/ANTARA 2023' },
];

/** The history runs from the opening balance to this month end. */
export const FIRST_CHECKPOINT = '2013-01-31';
export const LAST_CHECKPOINT = '2026-10-31';
/** Anchor dates that are not month ends become checkpoints too, so they hold exactly. */
export const EXTRA_CHECKPOINTS = ['2019-11-27'];

function mapValues<K extends string, A, B>(o: Record<K, A>, f: (v: A) => B): Record<K, B> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v as A)])) as Record<K, B>;
}
