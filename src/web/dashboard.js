// The dashboard: one live GraphQL subscription per choice of the controls
// (Server-Sent Events through the graphql-sse client), drawn with Chart.js.
// The chart moves by itself when the log moves: the server re-sends the series
// when its read models pass the position the last answer reflected. Everything
// it shows comes from the public API (coverageSeries, targets, regions), so
// what a chart says can be reproduced in GraphiQL.

const form = document.getElementById('controls');
const RATES = new Set(['COVERAGE_RATE', 'EMPLOYER_COVERAGE_RATE']);
const EMPLOYER = new Set(['ACTIVE_EMPLOYERS', 'EMPLOYER_COVERAGE_RATE']);
const PALETTE = ['#0b6e4f', '#c84c09', '#2f6690', '#9d4edd', '#6c757d', '#e09f3e'];
const sse = graphqlSse.createClient({ url: '/graphql', singleConnection: false });
let chart;
let unsubscribe = () => {};

async function gql(query, variables) {
  const res = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  if (body.errors) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data;
}

const SERIES = `subscription Dashboard($measure: CoverageMeasure!, $granularity: Granularity!, $from: Date!, $to: Date!, $filter: CoverageFilter, $groupBy: [CoverageDimension!]) {
  coverageSeries(measure: $measure, granularity: $granularity, from: $from, to: $to, filter: $filter, groupBy: $groupBy, compare: PREVIOUS_YEAR) {
    position minCell suppressedCount
    series { key { segment sponsor } points { periodEnd value suppressed compareValue } }
    rows { periodEnd segment sponsor value suppressed }
  }
}`;
const TARGETS = `{ targets { id name metric value dueOn regionCode segment sponsor program } dataAsOf { recordedAt } }`;

const fmt = (measure, v) =>
  v === null || v === undefined ? '–' : RATES.has(measure) ? `${(v * 100).toFixed(1)} %` : Math.round(v).toLocaleString('en');

function params() {
  const f = Object.fromEntries(new FormData(form));
  const employer = EMPLOYER.has(f.measure);
  const groupBy = f.groupBy && !employer ? [f.groupBy] : [];
  const filter = f.region ? { regionCodes: [f.region] } : null;
  return { measure: f.measure, granularity: f.granularity, from: f.from, to: f.to, filter, groupBy, region: f.region };
}

function csvHref(p) {
  const q = new URLSearchParams({ measure: p.measure, granularity: p.granularity, from: p.from, to: p.to });
  if (p.region) q.set('regionCodes', p.region);
  if (p.groupBy.length) q.set('groupBy', p.groupBy.join(','));
  return `/export/coverage.csv?${q}`;
}

/** (Re)subscribes to the series the controls describe; every answer redraws. */
function load() {
  const p = params();
  document.getElementById('error').textContent = '';
  document.getElementById('csv').href = csvHref(p);
  unsubscribe();
  const variables = { measure: p.measure, granularity: p.granularity, from: p.from, to: p.to, filter: p.filter, groupBy: p.groupBy };
  let current = true;
  const stop = sse.subscribe(
    { query: SERIES, variables },
    {
      next: (result) => {
        if (!current) return;
        if (result.errors) return showError(result.errors.map((e) => e.message).join('; '));
        gql(TARGETS)
          .then((extra) => current && draw(p, { ...result.data, ...extra }))
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

function draw(p, data) {
  const { series, rows } = data.coverageSeries;
  const labels = series[0]?.points.map((pt) => pt.periodEnd) ?? [];
  const name = (key) => [key.segment, key.sponsor].filter(Boolean).join(' ') || 'total';
  // a value hidden by disclosure control is null: Chart.js leaves a gap there (spanGaps is off)
  const datasets = series.map((s, i) => ({ label: name(s.key), data: s.points.map((pt) => pt.value), borderColor: PALETTE[i % PALETTE.length], tension: 0.2, pointRadius: 2, spanGaps: false }));

  // totals over the groups, for the key figures (unknown where any group's value is hidden)
  const sumOrNull = (values) => (values.some((v) => v === null) ? null : values.reduce((a, b) => a + b, 0));
  const total = labels.map((_, i) => sumOrNull(series.map((s) => s.points[i].value)));
  const before = labels.map((_, i) => sumOrNull(series.map((s) => s.points[i].compareValue)));
  const last = labels.length - 1;
  const stock = !['NEW_ENROLMENTS', 'LAPSES', 'NET_CHANGE'].includes(p.measure);
  const latest = stock && RATES.has(p.measure) && series.length > 1 ? null : total[last];
  document.getElementById('kpi-latest-label').textContent = `Latest (${labels[last] ?? '–'})`;
  document.getElementById('kpi-latest').textContent = fmt(p.measure, latest);
  const change = before[last] && total[last] !== null ? (total[last] - before[last]) / before[last] : null;
  document.getElementById('kpi-change').textContent = change === null || RATES.has(p.measure) ? '–' : `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)} %`;

  // targets of this measure for exactly this scope, drawn as points at their due period
  const scoped = data.targets.filter((t) => t.metric === p.measure && (t.regionCode ?? '') === p.region && !t.segment && !t.sponsor && !t.program);
  const target = scoped.sort((a, b) => (a.dueOn < b.dueOn ? 1 : -1))[0]; // the latest due
  document.getElementById('kpi-target-label').textContent = target ? `Target: ${target.name}` : 'Target';
  document.getElementById('kpi-target').textContent = target ? `${fmt(p.measure, target.value)} by ${target.dueOn}` : '–';
  for (const t of scoped) {
    const at = labels.findIndex((l) => l >= t.dueOn);
    if (at < 0) continue;
    datasets.push({ label: `target: ${t.name}`, data: labels.map((_, i) => (i === at ? t.value : null)), borderColor: '#a4161a', backgroundColor: '#a4161a', pointStyle: 'triangle', pointRadius: 8, showLine: false });
  }

  const { minCell, suppressedCount } = data.coverageSeries;
  document.getElementById('disclosure').textContent = suppressedCount
    ? `${suppressedCount.toLocaleString('en')} value${suppressedCount === 1 ? ' is' : 's are'} hidden (gaps in the chart): without an API key, counts of fewer than ${minCell} people, and the cells that would let one be worked out by subtraction, are not shown.`
    : '';

  chart?.destroy();
  chart = window.dashboardChart = new Chart(document.getElementById('chart'), {
    type: 'line',
    data: { labels, datasets },
    options: { animation: false, interaction: { mode: 'index', intersect: false }, scales: { y: { beginAtZero: true, ticks: { callback: (v) => fmt(p.measure, v) } } } },
  });

  const head = ['period end', ...(p.groupBy.length ? [p.groupBy[0].toLowerCase()] : []), 'value'];
  document.querySelector('#rows thead').innerHTML = `<tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>`;
  const tbody = document.querySelector('#rows tbody');
  tbody.replaceChildren(
    ...rows.map((r) => {
      const tr = document.createElement('tr');
      const cells = [r.periodEnd, ...(p.groupBy.length ? [r.segment ?? r.sponsor ?? ''] : []), r.suppressed ? 'hidden' : fmt(p.measure, r.value)];
      for (const c of cells) tr.appendChild(Object.assign(document.createElement('td'), { textContent: c }));
      if (r.suppressed) tr.lastChild.title = `fewer than ${minCell} people, or a cell that would reveal such a count`;
      return tr;
    }),
  );
  const { position } = data.coverageSeries;
  const recorded = data.dataAsOf.recordedAt ? `, recorded ${new Date(data.dataAsOf.recordedAt).toLocaleString('en')}` : '';
  document.getElementById('live').textContent = `Live: data as of log position ${position.toLocaleString('en')}${recorded}`;
  document.body.dataset.position = String(position);
  document.body.dataset.suppressed = String(suppressedCount);
  document.body.dataset.loaded = `${p.measure}|${p.region}|${p.groupBy.join(',')}|${p.granularity}`;
}

async function init() {
  const { regions } = await gql('{ regions { code name } }');
  const select = form.elements.region;
  for (const r of regions) select.appendChild(new Option(`${r.code} ${r.name}`, r.code));
  form.addEventListener('change', load);
  load();
}

init().catch((e) => (document.getElementById('error').textContent = e.message));
