// The dashboard: one live GraphQL subscription per choice of the controls
// (Server-Sent Events through the graphql-sse client), drawn with Chart.js.
// The chart moves by itself when the log moves: the server re-sends the series
// when its read models pass the position the last answer reflected. Everything
// it shows comes from the public API (coverageSeries, coverageAt, targets,
// regions, demo), so what a chart says can be reproduced in GraphiQL.
//
// The controls live in the URL (a link reproduces the view), the page speaks
// Bahasa Indonesia by default and English on request, and the targets of the
// chosen scope are always drawn: the axis reaches their due dates.

const form = document.getElementById('controls');
const RATES = new Set(['COVERAGE_RATE', 'EMPLOYER_COVERAGE_RATE']);
const EMPLOYER = new Set(['ACTIVE_EMPLOYERS', 'EMPLOYER_COVERAGE_RATE']);
const FLOWS = new Set(['NEW_ENROLMENTS', 'LAPSES', 'NET_CHANGE']);
const PALETTE = ['#0b6e4f', '#c84c09', '#2f6690', '#9d4edd', '#6c757d', '#e09f3e'];
const DEFAULTS = { lang: 'id', measure: 'ACTIVE_PARTICIPANTS', province: '', regency: '', segment: '', sponsor: '', groupBy: '', granularity: 'YEAR', from: '2013-01-01', to: '2026-10-31', rank: 'ACTIVE_PARTICIPANTS' };
const sse = graphqlSse.createClient({ url: '/graphql', singleConnection: false });

const TEXT = {
  id: {
    subtitle: 'Kepesertaan BPJS Ketenagakerjaan',
    language: 'Bahasa',
    measure: 'Ukuran',
    province: 'Provinsi',
    regency: 'Kabupaten/kota',
    allRegencies: 'semua kabupaten/kota',
    segment: 'Segmen',
    sponsor: 'Pembayar iuran',
    all: 'semua',
    breakdown: 'Rincian',
    none: 'tanpa rincian',
    bySegment: 'per segmen',
    bySponsor: 'per pembayar iuran',
    byProgram: 'per program',
    granularity: 'Periode',
    from: 'Dari',
    to: 'Sampai',
    csv: 'Unduh CSV',
    latest: (d) => `Terakhir (${d})`,
    changeOnYear: 'Perubahan dari tahun sebelumnya',
    targetsTitle: 'Target dan capaian',
    rankBy: 'Urutkan menurut',
    rankingProvinces: (d) => `Peringkat provinsi pada ${d}`,
    rankingRegencies: (name, d) => `Kabupaten/kota di ${name} pada ${d}`,
    rankingHint: 'Klik sebuah batang untuk menelusuri wilayah itu.',
    total: 'total',
    yearBefore: 'tahun sebelumnya',
    target: 'target',
    due: 'Jatuh tempo',
    targetValue: 'Target',
    actual: (d) => `Capaian (${d})`,
    ratio: 'Rasio capaian',
    remaining: 'Sisa',
    onTrack: 'Sesuai jalur',
    projected: 'Proyeksi saat jatuh tempo',
    yes: 'ya',
    no: 'tidak',
    hidden: 'disembunyikan',
    noTargets: 'Tidak ada target untuk ukuran dan wilayah ini.',
    otherTargets: 'Target lain:',
    show: 'tampilkan',
    periodEnd: 'akhir periode',
    value: 'nilai',
    live: (pos, at) => `Langsung: data per posisi log ${pos}${at ? `, dicatat ${at}` : ''}`,
    disclosure: (n, k) => `${n} nilai disembunyikan (celah pada grafik): tanpa kunci API, jumlah di bawah ${k} orang, dan sel yang memungkinkan jumlah itu dihitung dengan pengurangan, tidak ditampilkan.`,
    demo: (scale, seed, example) =>
      `Data demo: skenario rujukan sintetis pada skala ${scale} dari angka nasional (benih ${seed}). Angka di sini bukan statistik resmi: ${example}.`,
    demoExample: (shown, real) => `${shown} di sini mewakili sekitar ${real} orang`,
    million: (n) => `${n} juta`,
    MONTH: 'bulan',
    QUARTER: 'triwulan',
    YEAR: 'tahun',
  },
  en: {
    subtitle: 'BPJS Ketenagakerjaan coverage',
    language: 'Language',
    measure: 'Measure',
    province: 'Province',
    regency: 'Regency/city',
    allRegencies: 'all regencies/cities',
    segment: 'Segment',
    sponsor: 'Contributions paid by',
    all: 'all',
    breakdown: 'Breakdown',
    none: 'none',
    bySegment: 'by segment',
    bySponsor: 'by sponsor',
    byProgram: 'by program',
    granularity: 'Granularity',
    from: 'From',
    to: 'To',
    csv: 'Download CSV',
    latest: (d) => `Latest (${d})`,
    changeOnYear: 'Change on the year before',
    targetsTitle: 'Targets and progress',
    rankBy: 'Rank by',
    rankingProvinces: (d) => `Provinces on ${d}`,
    rankingRegencies: (name, d) => `Regencies and cities of ${name} on ${d}`,
    rankingHint: 'Click a bar to drill down into that region.',
    total: 'total',
    yearBefore: 'a year before',
    target: 'target',
    due: 'Due',
    targetValue: 'Target',
    actual: (d) => `Actual (${d})`,
    ratio: 'Share achieved',
    remaining: 'Remaining',
    onTrack: 'On track',
    projected: 'Projected at due date',
    yes: 'yes',
    no: 'no',
    hidden: 'hidden',
    noTargets: 'No target is set for this measure and region.',
    otherTargets: 'Other targets:',
    show: 'show',
    periodEnd: 'period end',
    value: 'value',
    live: (pos, at) => `Live: data as of log position ${pos}${at ? `, recorded ${at}` : ''}`,
    disclosure: (n, k) => `${n} value${n === '1' ? ' is' : 's are'} hidden (gaps in the chart): without an API key, counts of fewer than ${k} people, and the cells that would let one be worked out by subtraction, are not shown.`,
    demo: (scale, seed, example) => `Demo data: the synthetic reference scenario at ${scale} of national size (seed ${seed}). These are not official statistics: ${example}.`,
    demoExample: (shown, real) => `${shown} here stands for about ${real} people`,
    million: (n) => `${n} million`,
    MONTH: 'month',
    QUARTER: 'quarter',
    YEAR: 'year',
  },
};
const NAMES = {
  id: {
    ACTIVE_PARTICIPANTS: 'Peserta aktif',
    NEW_ENROLMENTS: 'Pendaftaran baru',
    LAPSES: 'Peserta nonaktif',
    NET_CHANGE: 'Perubahan bersih',
    COVERAGE_RATE: 'Tingkat kepesertaan',
    ACTIVE_EMPLOYERS: 'Pemberi kerja aktif',
    EMPLOYER_COVERAGE_RATE: 'Tingkat kepesertaan usaha',
    PU: 'Penerima Upah (PU)',
    BPU: 'Bukan Penerima Upah (BPU)',
    JAKON: 'Jasa Konstruksi (Jakon)',
    PMI: 'Pekerja Migran Indonesia (PMI)',
    EMPLOYER: 'pemberi kerja',
    SELF: 'mandiri',
    GOVERNMENT: 'pemerintah',
    JKK: 'Jaminan Kecelakaan Kerja (JKK)',
    JKM: 'Jaminan Kematian (JKM)',
    JHT: 'Jaminan Hari Tua (JHT)',
    JP: 'Jaminan Pensiun (JP)',
    JKP: 'Jaminan Kehilangan Pekerjaan (JKP)',
  },
  en: {
    ACTIVE_PARTICIPANTS: 'Active participants',
    NEW_ENROLMENTS: 'New enrolments',
    LAPSES: 'Lapses',
    NET_CHANGE: 'Net change',
    COVERAGE_RATE: 'Coverage rate',
    ACTIVE_EMPLOYERS: 'Active employers',
    EMPLOYER_COVERAGE_RATE: 'Employer coverage rate',
    PU: 'Wage earners (PU)',
    BPU: 'Non-wage earners (BPU)',
    JAKON: 'Construction workers (Jakon)',
    PMI: 'Migrant workers (PMI)',
    EMPLOYER: 'employer',
    SELF: 'self',
    GOVERNMENT: 'government',
    JKK: 'Work accident (JKK)',
    JKM: 'Death (JKM)',
    JHT: 'Old-age savings (JHT)',
    JP: 'Pension (JP)',
    JKP: 'Job loss (JKP)',
  },
};

let lang = 'id';
const t = (key, ...args) => {
  const v = TEXT[lang][key];
  return typeof v === 'function' ? v(...args) : v;
};
const nameOf = (code) => NAMES[lang][code] ?? code;
const locale = () => (lang === 'id' ? 'id-ID' : 'en-US');
const num = (v, digits = 0) => new Intl.NumberFormat(locale(), { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(v);
const fmt = (measure, v) => (v === null || v === undefined ? '–' : RATES.has(measure) ? new Intl.NumberFormat(locale(), { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v) : num(Math.round(v)));
const date = (d) => new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${d}T00:00:00Z`));

async function gql(query, variables) {
  const res = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  if (body.errors) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data;
}

const SERIES = `subscription Dashboard($measure: CoverageMeasure!, $granularity: Granularity!, $from: Date!, $to: Date!, $filter: CoverageFilter, $groupBy: [CoverageDimension!]) {
  coverageSeries(measure: $measure, granularity: $granularity, from: $from, to: $to, filter: $filter, groupBy: $groupBy, compare: PREVIOUS_YEAR) {
    position minCell suppressedCount
    series { key { segment sponsor program } points { periodEnd value suppressed compareValue } }
    rows { periodEnd segment sponsor program value suppressed compareValue }
  }
}`;
const EXTRA = `query($at: Date!, $rank: CoverageMeasure!, $rankFilter: CoverageFilter, $rankBy: [CoverageDimension!]) {
  targets { id name metric value dueOn regionCode segment sponsor program atEnd: progress(at: $at) { ...progress } atDue: progress { ...progress } }
  dataAsOf { recordedAt }
  ranking: coverageAt(measure: $rank, date: $at, filter: $rankFilter, groupBy: $rankBy) { provinceCode provinceName regencyCode regencyName value suppressed }
}
fragment progress on TargetProgress { at actual suppressed ratio remaining onTrack projectedAtDue }`;

// ---- controls and the URL ----

const OPTIONS = {
  measure: () => ['ACTIVE_PARTICIPANTS', 'NEW_ENROLMENTS', 'LAPSES', 'NET_CHANGE', 'COVERAGE_RATE', 'ACTIVE_EMPLOYERS', 'EMPLOYER_COVERAGE_RATE'].map((m) => [m, nameOf(m)]),
  segment: () => [['', t('all')], ...['PU', 'BPU', 'JAKON', 'PMI'].map((s) => [s, nameOf(s)])],
  sponsor: () => [['', t('all')], ...['EMPLOYER', 'SELF', 'GOVERNMENT'].map((s) => [s, nameOf(s)])],
  groupBy: () => [['', t('none')], ['SEGMENT', t('bySegment')], ['SPONSOR', t('bySponsor')], ['PROGRAM', t('byProgram')]],
  granularity: () => ['MONTH', 'QUARTER', 'YEAR'].map((g) => [g, t(g)]),
  rank: () => ['ACTIVE_PARTICIPANTS', 'COVERAGE_RATE'].map((m) => [m, nameOf(m)]),
};
const controls = () => Object.fromEntries(Object.keys(DEFAULTS).map((k) => [k, form.elements[k].value]));
const provinces = new Map();
const regencies = new Map(); // code -> name, of the chosen province

function fillOptions(select, options) {
  const value = select.value;
  select.replaceChildren(...options.map(([v, label]) => new Option(label, v)));
  if (options.some(([v]) => v === value)) select.value = value;
}

async function loadRegencies(province) {
  regencies.clear();
  const select = form.elements.regency;
  if (province) {
    const { regions } = await gql('query($p: String) { regions(parentCode: $p) { code name } }', { p: province });
    for (const r of regions) regencies.set(r.code, r.name);
  }
  select.replaceChildren(new Option(t('allRegencies'), ''), ...[...regencies].map(([code, name]) => new Option(`${code} ${name}`, code)));
  select.disabled = !province;
}

/** Sets the controls from a state (the URL's, a target's scope, a drill-down). */
async function apply(state) {
  const s = { ...DEFAULTS, ...state };
  setLanguage(s.lang);
  for (const k of ['measure', 'segment', 'sponsor', 'groupBy', 'granularity', 'from', 'to', 'rank']) form.elements[k].value = s[k];
  form.elements.province.value = provinces.has(s.province) ? s.province : '';
  await loadRegencies(form.elements.province.value);
  form.elements.regency.value = regencies.has(s.regency) ? s.regency : '';
}

function writeUrl(state) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(state)) if (v !== DEFAULTS[k]) q.set(k, v);
  const url = `${location.pathname}${q.size ? `?${q}` : ''}`;
  if (url !== `${location.pathname}${location.search}`) history.pushState(null, '', url);
}

function setLanguage(next) {
  lang = TEXT[next] ? next : 'id';
  document.documentElement.lang = lang;
  form.elements.lang.value = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const [name, options] of Object.entries(OPTIONS)) fillOptions(form.elements[name], options());
  if (form.elements.regency.options[0]) form.elements.regency.options[0].text = t('allRegencies');
}

function params() {
  const c = controls();
  const employer = EMPLOYER.has(c.measure);
  const region = c.regency || c.province;
  const filter = {};
  if (region) filter.regionCodes = [region];
  if (c.segment && !employer) filter.segments = [c.segment];
  if (c.sponsor && !employer) filter.sponsors = [c.sponsor];
  const groupBy = c.groupBy && !employer && !(c.measure === 'COVERAGE_RATE' && c.groupBy !== 'SEGMENT') ? [c.groupBy] : [];
  return { ...c, employer, region, filter: Object.keys(filter).length ? filter : null, groupBy };
}

function csvHref(p) {
  const q = new URLSearchParams({ measure: p.measure, granularity: p.granularity, from: p.from, to: p.to, compare: 'PREVIOUS_YEAR' });
  if (p.filter?.regionCodes) q.set('regionCodes', p.filter.regionCodes.join(','));
  if (p.filter?.segments) q.set('segments', p.filter.segments.join(','));
  if (p.filter?.sponsors) q.set('sponsors', p.filter.sponsors.join(','));
  if (p.groupBy.length) q.set('groupBy', p.groupBy.join(','));
  return `/export/coverage.csv?${q}`;
}

// ---- loading ----

let unsubscribe = () => {};
let last; // the last answer drawn, redrawn when the language changes

/** (Re)subscribes to the series the controls describe; every answer redraws. */
function load() {
  const p = params();
  writeUrl(controls());
  form.elements.segment.disabled = form.elements.sponsor.disabled = p.employer;
  document.getElementById('error').textContent = '';
  document.getElementById('csv').href = csvHref(p);
  unsubscribe();
  const variables = { measure: p.measure, granularity: p.granularity, from: p.from, to: p.to, filter: p.filter, groupBy: p.groupBy };
  const rankScope = p.province ? { regionCodes: [p.province] } : {};
  if (p.filter?.segments) rankScope.segments = p.filter.segments;
  if (p.filter?.sponsors) rankScope.sponsors = p.filter.sponsors;
  const extraVariables = { at: p.to, rank: p.rank, rankFilter: rankScope, rankBy: [p.province ? 'REGENCY' : 'PROVINCE'] };
  let current = true;
  const stop = sse.subscribe(
    { query: SERIES, variables },
    {
      next: (result) => {
        if (!current) return;
        if (result.errors) return showError(result.errors.map((e) => e.message).join('; '));
        gql(EXTRA, extraVariables)
          .then((extra) => {
            if (!current) return;
            last = { p, data: { ...result.data, ...extra } };
            draw(last.p, last.data);
          })
          .catch((e) => showError(e.message));
      },
      error: (e) => current && showError(e instanceof Error ? e.message : Array.isArray(e) ? e.map((x) => x.message).join('; ') : 'the live connection failed'),
      complete: () => {},
    },
  );
  unsubscribe = () => {
    current = false;
    stop();
  };
}

function showError(message) {
  document.getElementById('error').textContent = message;
  document.getElementById('live').textContent = '';
}

// ---- drawing ----

/** The last day of the calendar period (month, quarter, year) a day lies in. */
function periodEndOf(day, granularity) {
  const d = new Date(`${day}T00:00:00Z`);
  const months = granularity === 'YEAR' ? 12 : granularity === 'QUARTER' ? 3 : 1;
  const start = granularity === 'YEAR' ? 0 : granularity === 'QUARTER' ? Math.floor(d.getUTCMonth() / 3) * 3 : d.getUTCMonth();
  return new Date(Date.UTC(d.getUTCFullYear(), start + months, 0)).toISOString().slice(0, 10);
}

/** The next chart label after `label`: the end of its period when the series stopped short of it (`to`), else the next period's end. */
function nextLabel(label, granularity) {
  const end = periodEndOf(label, granularity);
  if (end > label) return end;
  const next = new Date(Date.parse(`${end}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return periodEndOf(next, granularity);
}

/** Whether a target belongs to the chosen scope: its measure, region, segment, sponsor and program, or a group of the breakdown. */
function inScope(target, p) {
  const dim = (value, chosen, dimension) => (value ?? '') === chosen || (!chosen && p.groupBy[0] === dimension && value);
  return target.metric === p.measure && (target.regionCode ?? '') === p.region && dim(target.segment, p.employer ? '' : p.segment, 'SEGMENT') && dim(target.sponsor, p.employer ? '' : p.sponsor, 'SPONSOR') && dim(target.program, '', 'PROGRAM');
}

const groupName = (key) => [key.segment, key.sponsor, key.program].filter(Boolean).map(nameOf).join(' ') || t('total');
let chart;
let ranking;

function draw(p, data) {
  const { series, rows, minCell, suppressedCount, position } = data.coverageSeries;
  const scoped = data.targets.filter((x) => inScope(x, p));
  // labels: the series' period ends, extended to the latest due date of a target in scope
  const labels = series[0]?.points.map((pt) => pt.periodEnd) ?? [];
  const lastDue = scoped.reduce((m, x) => (x.dueOn > m ? x.dueOn : m), '');
  while (labels.length && labels.at(-1) < lastDue) labels.push(nextLabel(labels.at(-1), p.granularity));
  const pad = (values) => [...values, ...Array(labels.length - values.length).fill(null)];
  const colorOf = (key) => PALETTE[series.findIndex((s) => s.key === key) % PALETTE.length];

  // a value hidden by disclosure control is null: Chart.js leaves a gap there (spanGaps is off)
  const datasets = series.map((s) => ({ kind: 'value', label: groupName(s.key), data: pad(s.points.map((pt) => pt.value)), borderColor: colorOf(s.key), backgroundColor: colorOf(s.key), tension: 0.2, pointRadius: 2, spanGaps: false }));
  for (const s of series) {
    datasets.push({ kind: 'compare', label: `${groupName(s.key)}, ${t('yearBefore')}`, data: pad(s.points.map((pt) => pt.compareValue)), borderColor: colorOf(s.key), borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0, tension: 0.2, spanGaps: false });
  }
  for (const x of scoped) {
    const at = labels.findIndex((l) => l >= x.dueOn);
    const group = series.find((s) => [s.key.segment, s.key.sponsor, s.key.program].includes(x.segment ?? x.sponsor ?? x.program ?? '-'));
    datasets.push({ kind: 'target', targetId: x.id, label: `${t('target')}: ${x.name}`, data: labels.map((_, i) => (i === at ? x.value : null)), borderColor: '#a4161a', backgroundColor: group ? colorOf(group.key) : '#a4161a', pointStyle: 'triangle', pointRadius: 9, showLine: false });
  }

  // totals over the groups, for the key figures (unknown where any group's value is hidden)
  const sumOrNull = (values) => (values.some((v) => v === null) ? null : values.reduce((a, b) => a + b, 0));
  const n = series[0]?.points.length ?? 0;
  const total = Array.from({ length: n }, (_, i) => sumOrNull(series.map((s) => s.points[i].value)));
  const before = Array.from({ length: n }, (_, i) => sumOrNull(series.map((s) => s.points[i].compareValue)));
  const lastI = n - 1;
  const latest = RATES.has(p.measure) && series.length > 1 ? null : total[lastI];
  document.getElementById('kpi-latest-label').textContent = `${nameOf(p.measure)}: ${t('latest', labels[lastI] ? date(labels[lastI]) : '–')}`;
  document.getElementById('kpi-latest').textContent = fmt(p.measure, latest);
  const change = before[lastI] && total[lastI] !== null ? (total[lastI] - before[lastI]) / before[lastI] : null;
  document.getElementById('kpi-change').textContent = change === null || RATES.has(p.measure) ? '–' : `${change >= 0 ? '+' : ''}${num(change * 100, 1)} %`;

  document.getElementById('disclosure').textContent = suppressedCount ? t('disclosure', num(suppressedCount), minCell) : '';

  chart?.destroy();
  chart = window.dashboardChart = new Chart(document.getElementById('chart'), {
    type: 'line',
    data: { labels, datasets },
    options: {
      animation: false,
      interaction: { mode: 'index', intersect: false },
      scales: { y: { beginAtZero: true, ticks: { precision: RATES.has(p.measure) ? undefined : 0, callback: (v) => fmt(p.measure, v) } } },
      plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${fmt(p.measure, c.raw)}` } } },
    },
  });

  drawTargets(p, scoped, data.targets);
  drawRanking(p, data.ranking);
  drawTable(p, rows, minCell);
  drawCrumbs(p);

  const recorded = data.dataAsOf.recordedAt ? new Date(data.dataAsOf.recordedAt).toLocaleString(locale()) : '';
  document.getElementById('live').textContent = t('live', num(position), recorded);
  document.body.dataset.position = String(position);
  document.body.dataset.suppressed = String(suppressedCount);
  document.body.dataset.loaded = `${p.measure}|${p.region}|${p.groupBy.join(',')}|${p.granularity}`;
}

function drawTargets(p, scoped, all) {
  const cards = document.getElementById('target-cards');
  cards.replaceChildren(
    ...scoped.map((x) => {
      // progress at the end of the range, or at the due date for a target due before it
      const g = x.dueOn < p.to ? x.atDue : x.atEnd;
      const card = Object.assign(document.createElement('article'), { className: `card${g.onTrack === false ? ' off-track' : ''}` });
      card.dataset.target = x.id;
      const share = g.ratio === null ? 0 : Math.max(0, Math.min(1, g.ratio));
      const facts = [
        [t('targetValue'), fmt(x.metric, x.value)],
        [t('due'), date(x.dueOn)],
        [t('actual', date(g.at)), g.suppressed ? t('hidden') : fmt(x.metric, g.actual)],
        [t('ratio'), g.ratio === null ? '–' : `${num(g.ratio * 100, 1)} %`],
        [t('remaining'), g.remaining === null ? '–' : fmt(x.metric, Math.max(0, g.remaining))],
        [t('projected'), fmt(x.metric, g.projectedAtDue)],
        [t('onTrack'), g.onTrack === null ? '–' : g.onTrack ? t('yes') : t('no')],
      ];
      card.innerHTML = `<div class="label"></div><div class="name"></div><div class="bar"><span></span></div><dl></dl>`;
      card.querySelector('.label').textContent = t('target');
      card.querySelector('.name').textContent = x.name;
      card.querySelector('.bar span').style.width = `${(share * 100).toFixed(1)}%`;
      card.querySelector('dl').replaceChildren(...facts.flatMap(([k, v]) => [Object.assign(document.createElement('dt'), { textContent: k }), Object.assign(document.createElement('dd'), { textContent: v })]));
      return card;
    }),
  );
  document.getElementById('no-targets').textContent = scoped.length ? '' : t('noTargets');
  // every other target, with a button that switches to its scope
  const others = all.filter((x) => !scoped.includes(x));
  const list = document.getElementById('other-targets');
  list.replaceChildren(
    ...others.map((x) => {
      const li = document.createElement('li');
      li.textContent = `${x.name} (${nameOf(x.metric)}, ${date(x.dueOn)})`;
      const button = Object.assign(document.createElement('button'), { type: 'button', textContent: t('show') });
      button.dataset.target = x.id;
      button.addEventListener('click', async () => {
        const region = x.regionCode ?? '';
        await apply({ ...controls(), measure: x.metric, province: region.slice(0, 2), regency: region.length === 4 ? region : '', segment: x.segment ?? '', sponsor: x.sponsor ?? '', groupBy: '' });
        load();
      });
      li.appendChild(button);
      return li;
    }),
  );
  list.dataset.label = t('otherTargets');
  if (others.length) list.prepend(Object.assign(document.createElement('li'), { textContent: t('otherTargets'), style: 'list-style: none; margin-left: -18px' }));
}

function drawRanking(p, rows) {
  const byProvince = !p.province;
  const sorted = [...rows].sort((a, b) => (b.value ?? -Infinity) - (a.value ?? -Infinity));
  const codes = sorted.map((r) => (byProvince ? r.provinceCode : r.regencyCode));
  const names = sorted.map((r) => (byProvince ? r.provinceName : r.regencyName) ?? (byProvince ? r.provinceCode : r.regencyCode));
  document.getElementById('ranking-title').textContent = byProvince ? t('rankingProvinces', date(p.to)) : t('rankingRegencies', provinces.get(p.province) ?? p.province, date(p.to));
  const highlight = p.regency || null;
  ranking?.destroy();
  ranking = window.dashboardRanking = new Chart(document.getElementById('ranking'), {
    type: 'bar',
    data: {
      labels: names,
      datasets: [{ label: nameOf(p.rank), codes, data: sorted.map((r) => r.value), backgroundColor: codes.map((c) => (c === highlight ? '#c84c09' : '#0b6e4f')) }],
    },
    options: {
      indexAxis: 'y',
      animation: false,
      maintainAspectRatio: false,
      scales: { x: { beginAtZero: true, ticks: { precision: RATES.has(p.rank) ? undefined : 0, callback: (v) => fmt(p.rank, v) } }, y: { ticks: { autoSkip: false, font: { size: 10 } } } },
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => fmt(p.rank, c.raw) } } },
      onClick: (_e, elements) => {
        const code = elements[0] && codes[elements[0].index];
        if (code) drillTo(code);
      },
    },
  });
  document.querySelector('.ranking-wrap').style.height = `${Math.max(200, 16 * sorted.length + 40)}px`;
  ranking.resize();
}

/** Goes to a province or a regency (the ranking's bars, the breadcrumb). */
async function drillTo(code) {
  await apply({ ...controls(), province: code.slice(0, 2), regency: code.length === 4 ? code : '' });
  load();
}
window.dashboardDrillTo = drillTo;

function drawCrumbs(p) {
  const nav = document.getElementById('crumbs');
  const link = (label, code) => {
    const a = Object.assign(document.createElement('a'), { textContent: label });
    a.dataset.code = code;
    a.addEventListener('click', async () => {
      await apply({ ...controls(), province: code.slice(0, 2), regency: code.length === 4 ? code : '' });
      load();
    });
    return a;
  };
  const parts = [p.province || p.regency ? link('Indonesia', '') : document.createTextNode('Indonesia')];
  if (p.province) parts.push(document.createTextNode(' › '), p.regency ? link(provinces.get(p.province) ?? p.province, p.province) : document.createTextNode(provinces.get(p.province) ?? p.province));
  if (p.regency) parts.push(document.createTextNode(' › '), document.createTextNode(regencies.get(p.regency) ?? p.regency));
  nav.replaceChildren(...parts);
}

function drawTable(p, rows, minCell) {
  const grouped = p.groupBy.length > 0;
  const head = [t('periodEnd'), ...(grouped ? [t(p.groupBy[0] === 'SEGMENT' ? 'segment' : p.groupBy[0] === 'SPONSOR' ? 'sponsor' : 'byProgram')] : []), t('yearBefore'), t('value')];
  const tr = document.createElement('tr');
  tr.replaceChildren(...head.map((h) => Object.assign(document.createElement('th'), { textContent: h })));
  document.querySelector('#rows thead').replaceChildren(tr);
  const tbody = document.querySelector('#rows tbody');
  tbody.replaceChildren(
    ...rows.map((r) => {
      const tr = document.createElement('tr');
      const cells = [r.periodEnd, ...(grouped ? [nameOf(r.segment ?? r.sponsor ?? r.program ?? '')] : []), fmt(p.measure, r.compareValue), r.suppressed ? t('hidden') : fmt(p.measure, r.value)];
      for (const c of cells) tr.appendChild(Object.assign(document.createElement('td'), { textContent: c }));
      if (r.suppressed) tr.lastChild.title = `< ${minCell}`;
      return tr;
    }),
  );
}

function drawDemo(demo) {
  const note = document.getElementById('demo-note');
  if (!demo) return (note.textContent = '');
  const factor = Math.round(1 / demo.scale);
  const shown = 70_000_000 * demo.scale;
  note.textContent = t('demo', `1/${num(factor)}`, demo.seed, t('demoExample', num(shown), t('million', num(70))));
  note.dataset.scale = String(demo.scale);
}

// ---- start ----

let demo = null;
async function init() {
  const data = await gql('{ regions { code name } demo { scale seed state } }');
  for (const r of data.regions) provinces.set(r.code, r.name);
  form.elements.province.append(...data.regions.map((r) => new Option(`${r.code} ${r.name}`, r.code)));
  demo = data.demo;
  const fromUrl = Object.fromEntries(new URLSearchParams(location.search));
  await apply(fromUrl);
  drawDemo(demo);
  const onChange = async (e) => {
    if (e.target.name === 'lang') {
      setLanguage(e.target.value);
      writeUrl(controls());
      drawDemo(demo);
      if (last) draw(last.p, last.data);
      return;
    }
    if (e.target.name === 'province') {
      await loadRegencies(form.elements.province.value);
      form.elements.regency.value = '';
    }
    load();
  };
  // (the language and ranking selects sit outside the form element: their events do not bubble through it)
  form.addEventListener('change', onChange);
  form.elements.lang.addEventListener('change', onChange);
  form.elements.rank.addEventListener('change', onChange);
  window.addEventListener('popstate', async () => {
    await apply(Object.fromEntries(new URLSearchParams(location.search)));
    drawDemo(demo);
    load();
  });
  load();
}

init().catch((e) => (document.getElementById('error').textContent = e.message));
