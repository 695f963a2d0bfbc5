import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase } from '../support/database.ts';
import { writeEnrolmentFile } from '../support/events.ts';
import { httpQuery, startServer, type RunningServer } from '../support/server.ts';

// The dashboard in a real browser (Debian's Chromium, driven by
// playwright-core) against the real server process on a small scenario.

const CHROMIUM = process.env.CAKUPAN_CHROMIUM ?? '/usr/bin/chromium';
const BIN = path.resolve('bin/cakupan.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'cakupan-dashboard-'));
const env: NodeJS.ProcessEnv = { ...process.env, CAKUPAN_DATA_DIR: dir, CAKUPAN_PSEUDONYM_SECRET: 'e2e-secret-0123456789', CAKUPAN_LOG_LEVEL: 'warn' };
delete env.DATABASE_URL;

let server: RunningServer;
let browser: Browser;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does), or set CAKUPAN_CHROMIUM`);
  // the demo at 1/5,000: the reference scenario, with its scale recorded for the page to state
  server = await startServer(['--demo', '--demo-scale', '0.0002'], env);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const origin = () => server.url.replace(/\/graphql$/, '');
const loaded = (state: string) => page.waitForSelector(`body[data-loaded="${state}"]`, { timeout: 30_000 });
const activeOn = async (date: string, region?: string) =>
  (await httpQuery<{ coverageAt: { value: number }[] }>(server.url, `query($d: Date!, $f: CoverageFilter) { coverageAt(measure: ACTIVE_PARTICIPANTS, date: $d, filter: $f) { value } }`, {
    d: date,
    f: region ? { regionCodes: [region] } : null,
  })).coverageAt[0].value;
type Dataset = { kind: 'value' | 'compare' | 'target'; label: string; targetId?: string; data: (number | null)[] };
/** What Chart.js was given to draw: the trend's labels and datasets, the ranking's labels, codes and values. */
const drawn = () =>
  page.evaluate(() => {
    const w = window as unknown as { dashboardChart: { data: { labels: string[]; datasets: Dataset[] } }; dashboardRanking: { data: { labels: string[]; datasets: { codes: string[]; data: (number | null)[] }[] } } };
    return {
      labels: w.dashboardChart.data.labels,
      datasets: w.dashboardChart.data.datasets.map((d) => ({ kind: d.kind, label: d.label, targetId: d.targetId, data: d.data })),
      ranking: { labels: w.dashboardRanking.data.labels, codes: w.dashboardRanking.data.datasets[0].codes, values: w.dashboardRanking.data.datasets[0].data },
    };
  });
type Target = { id: string; name: string; metric: string; value: number; dueOn: string; regionCode: string | null; segment: string | null; sponsor: string | null };
const targets = async () => (await httpQuery<{ targets: Target[] }>(server.url, '{ targets { id name metric value dueOn regionCode segment sponsor } }')).targets;

describe('dashboard page', () => {
  it('opens from the root in Bahasa Indonesia, states the demo scale, and draws the national yearly trend with the API figure', async () => {
    await page.goto(origin());
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    await loaded('ACTIVE_PARTICIPANTS|||YEAR');
    expect(await page.getAttribute('html', 'lang')).toBe('id');
    expect(await page.locator('label:has(select[name=measure]) span').textContent()).toBe('Ukuran');
    expect(await page.locator('#kpi-latest').textContent()).toBe((await activeOn('2026-10-31')).toLocaleString('id-ID'));
    expect(await page.locator('#rows tbody tr').count()).toBe(14); // 2013 … 2026
    const box = await page.locator('#chart').boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    // the demo's scale (serve --demo --demo-scale 0.0002), in id-ID numbers
    expect(await page.locator('#demo-note').textContent()).toMatch(/^Data demo: .* skala 1\/5\.000 .* 14\.000 di sini mewakili sekitar 70 juta orang/);
    await page.screenshot({ path: path.join(dir, 'dashboard.png'), fullPage: true });
  });

  it('draws every target in scope at its due date, the axis reaching it, each with a progress card; the others can be switched to', async () => {
    const all = await targets();
    const national = all.filter((t) => t.metric === 'ACTIVE_PARTICIPANTS' && !t.regionCode && !t.segment && !t.sponsor);
    expect(national.map((t) => t.id).sort()).toEqual(['national-2013', 'ucj-2026']);
    const { labels, datasets } = await drawn();
    expect(labels.at(-1)).toBe('2026-12-31'); // (the data stop at 2026-10-31: the axis goes on to the UCJ target)
    for (const t of national) {
      const marker = datasets.find((d) => d.kind === 'target' && d.targetId === t.id)!;
      expect(marker.data[labels.indexOf(t.dueOn)]).toBe(t.value);
      expect(marker.data.filter((v) => v !== null)).toEqual([t.value]);
      expect(await page.locator(`.card[data-target="${t.id}"] .name`).textContent()).toBe(t.name);
    }
    expect(await page.locator('#target-cards .card').count()).toBe(2);
    expect(await page.locator('#other-targets button').count()).toBe(all.length - 2);

    // the Kota Pekalongan target: a regency, a segment and a sponsor
    await page.click('#other-targets button[data-target="pekalongan-rentan-2023"]');
    await loaded('ACTIVE_PARTICIPANTS|3375||YEAR');
    expect(new URL(page.url()).searchParams.toString()).toBe('province=33&regency=3375&segment=BPU&sponsor=GOVERNMENT');
    expect(await page.locator('select[name=regency]').inputValue()).toBe('3375');
    const pekalongan = await drawn();
    const marker = pekalongan.datasets.find((d) => d.targetId === 'pekalongan-rentan-2023')!;
    expect(marker.data[pekalongan.labels.indexOf('2023-12-31')]).toBe(all.find((t) => t.id === 'pekalongan-rentan-2023')!.value);
    expect(await page.locator('#target-cards .card').count()).toBe(1);

    // a coverage-rate target of a segment
    await page.click('#other-targets button[data-target="formal-65"]');
    await loaded('COVERAGE_RATE|||YEAR');
    expect(await page.locator('.card[data-target="formal-65"] dd').first().textContent()).toBe('65,0%');
    await page.goBack();
    await loaded('ACTIVE_PARTICIPANTS|3375||YEAR'); // the URL is the state: back restores the view
    await page.goto(`${origin()}/dashboard`);
    await loaded('ACTIVE_PARTICIPANTS|||YEAR');
  });

  it('draws the comparison period: the same period a year before, as the API gives it', async () => {
    const api = await httpQuery<{ coverageSeries: { series: { points: { compareValue: number | null }[] }[] } }>(
      server.url,
      '{ coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: YEAR, from: "2013-01-01", to: "2026-10-31", compare: PREVIOUS_YEAR) { series { points { compareValue } } } }',
    );
    const { datasets, labels } = await drawn();
    const compare = datasets.filter((d) => d.kind === 'compare');
    expect(compare.length).toBe(1);
    const values = api.coverageSeries.series[0].points.map((p) => p.compareValue);
    expect(compare[0].data).toEqual([...values, ...Array(labels.length - values.length).fill(null)]);
    expect(values.filter((v) => v !== null && v > 0).length).toBeGreaterThan(10);
  });

  it('ranks provinces, and drills down to a province and its regencies by clicking a bar', async () => {
    const provinces = await httpQuery<{ coverageAt: { provinceCode: string; provinceName: string; value: number | null }[] }>(
      server.url,
      '{ coverageAt(measure: ACTIVE_PARTICIPANTS, date: "2026-10-31", groupBy: [PROVINCE]) { provinceCode provinceName value } }',
    );
    const sorted = [...provinces.coverageAt].sort((a, b) => (b.value ?? -1) - (a.value ?? -1));
    const { ranking } = await drawn();
    expect(ranking.values).toEqual(sorted.map((r) => r.value));
    expect(ranking.labels).toEqual(sorted.map((r) => r.provinceName));
    expect(ranking.labels.length).toBe(38);

    // click the top bar, where Chart.js drew it
    await page.locator('#ranking').scrollIntoViewIfNeeded();
    const bar = await page.evaluate(() => {
      const el = (window as unknown as { dashboardRanking: { getDatasetMeta(i: number): { data: { x: number; y: number }[] } } }).dashboardRanking.getDatasetMeta(0).data[0];
      return { x: el.x, y: el.y };
    });
    const canvas = (await page.locator('#ranking').boundingBox())!;
    await page.mouse.click(canvas.x + bar.x - 5, canvas.y + bar.y);
    const top = sorted[0].provinceCode;
    await loaded(`ACTIVE_PARTICIPANTS|${top}||YEAR`);
    expect(new URL(page.url()).searchParams.get('province')).toBe(top);
    expect(await page.locator('#crumbs').textContent()).toBe(`Indonesia › ${sorted[0].provinceName}`);
    const regencies = await httpQuery<{ coverageAt: { regencyCode: string; value: number | null }[] }>(
      server.url,
      `{ coverageAt(measure: ACTIVE_PARTICIPANTS, date: "2026-10-31", filter: { regionCodes: ["${top}"] }, groupBy: [REGENCY]) { regencyCode value } }`,
    );
    const down = (await drawn()).ranking;
    expect([...down.codes].sort()).toEqual(regencies.coverageAt.map((r) => r.regencyCode).sort());
    expect(down.codes.every((c) => c.startsWith(top))).toBe(true);
    expect(await page.locator('#ranking-title').textContent()).toMatch(new RegExp(`^Kabupaten/kota di ${sorted[0].provinceName} pada `));

    // and on to a regency: the regency level
    await page.evaluate((code) => (window as unknown as { dashboardDrillTo(c: string): Promise<void> }).dashboardDrillTo(code), down.codes[0]);
    await loaded(`ACTIVE_PARTICIPANTS|${down.codes[0]}||YEAR`);
    expect(await page.locator('#kpi-latest').textContent()).toBe(((await activeOn('2026-10-31', down.codes[0])) ?? 0).toLocaleString('id-ID'));
    await page.click('#crumbs a[data-code=""]');
    await loaded('ACTIVE_PARTICIPANTS|||YEAR');
  });

  it('restores a shared link, in English with en-US numbers', async () => {
    await page.goto(`${origin()}/dashboard?lang=en&measure=COVERAGE_RATE&segment=PU`);
    await loaded('COVERAGE_RATE|||YEAR');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.locator('label:has(select[name=measure]) span').textContent()).toBe('Measure');
    expect(await page.locator('select[name=segment] option:checked').textContent()).toBe('Wage earners (PU)');
    expect(await page.locator('.card[data-target="formal-65"] dd').first().textContent()).toBe('65.0%');
    expect(await page.locator('#kpi-latest').textContent()).toMatch(/^\d{1,3}\.\d%$/);
    expect(await page.locator('#demo-note').textContent()).toMatch(/^Demo data: .* 1\/5,000 of national size .* 14,000 here stands for about 70 million people/);
    // switching the language keeps the view
    await page.selectOption('select[name=lang]', 'id');
    await expect.poll(() => page.locator('label:has(select[name=measure]) span').textContent()).toBe('Ukuran');
    expect(new URL(page.url()).searchParams.get('lang')).toBeNull();
    expect(new URL(page.url()).searchParams.get('segment')).toBe('PU');
    await page.goto(`${origin()}/dashboard?lang=en`);
    await loaded('ACTIVE_PARTICIPANTS|||YEAR');
  });

  it('follows the controls: a province, a breakdown by segment', async () => {
    await page.selectOption('select[name=province]', '17');
    await loaded('ACTIVE_PARTICIPANTS|17||YEAR');
    expect(await page.locator('#kpi-latest').textContent()).toBe((await activeOn('2026-10-31', '17')).toLocaleString('en-US'));
    await page.selectOption('select[name=groupBy]', 'SEGMENT');
    await loaded('ACTIVE_PARTICIPANTS|17|SEGMENT|YEAR');
    const segments = await page.locator('#rows tbody tr td:nth-child(2)').allTextContents();
    expect(new Set(segments)).toContain('Wage earners (PU)');
  });

  it('downloads the rows on screen as CSV', async () => {
    const href = await page.locator('#csv').getAttribute('href');
    expect(href).toContain('regionCodes=17');
    const csv = await (await fetch(origin() + href)).text();
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('period,periodEnd,provinceCode,provinceName,regencyCode,regencyName,segment,program,sponsor,value,suppressed,compareValue,denominator');
    expect(lines.length - 1).toBe(await page.locator('#rows tbody tr').count());
  });

  it('draws values hidden by disclosure control (no key, K = 10) as gaps, with a note, as the API hides them', async () => {
    await page.selectOption('select[name=groupBy]', 'SPONSOR');
    await page.selectOption('select[name=granularity]', 'MONTH');
    await loaded('ACTIVE_PARTICIPANTS|17|SPONSOR|MONTH');
    const api = await httpQuery<{ coverageSeries: { minCell: number; suppressedCount: number; series: { points: { value: number | null; suppressed: boolean }[] }[] } }>(
      server.url,
      '{ coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: MONTH, from: "2013-01-01", to: "2026-10-31", filter: { regionCodes: ["17"] }, groupBy: [SPONSOR]) { minCell suppressedCount series { points { value suppressed } } } }',
    );
    const { minCell, suppressedCount, series } = api.coverageSeries;
    expect(minCell).toBe(10);
    expect(suppressedCount).toBeGreaterThan(0); // (a small province by sponsor, month by month: small counts)
    expect(await page.locator('body').getAttribute('data-suppressed')).toBe(String(suppressedCount));
    // what Chart.js was given: null (a gap) exactly where the API hides a value, the API's value elsewhere
    const values = (await drawn()).datasets.filter((d) => d.kind === 'value').map((d) => d.data.slice(0, series[0].points.length));
    expect(values).toEqual(series.map((s) => s.points.map((p) => (p.suppressed ? null : p.value))));
    expect(await page.locator('#disclosure').textContent()).toMatch(new RegExp(`^${suppressedCount.toLocaleString('en-US')} values are hidden .* fewer than 10 people`));
    expect(await page.locator('#rows tbody td:last-child', { hasText: 'hidden' }).count()).toBe(suppressedCount);
    await page.screenshot({ path: path.join(dir, 'dashboard-suppressed.png') });
  });

  it('shows an API error instead of a stale chart, and logged no browser errors', async () => {
    await page.fill('input[name=from]', '2027-01-01');
    await page.dispatchEvent('form#controls', 'change');
    await expect.poll(() => page.locator('#error').textContent()).toMatch(/from: 2027-01-01 is after to/);
    expect(errors).toEqual([]);
  });
});

describe('CSV export', () => {
  it('answers 400 naming the field for a bad parameter', async () => {
    const res = await fetch(`${origin()}/export/coverage.csv?measure=ACTIVE_PARTICIPANTS&granularity=DECADE&from=2013-01-01&to=2014-01-01`);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.code).toBe('VALIDATION');
    expect(body.issues[0].field).toBe('granularity');
  });
});

describe('the live dashboard on PostgreSQL', () => {
  it('moves its chart and key figure when another process imports, without a reload', async () => {
    const target = await createPgDatabase();
    const pgEnv: NodeJS.ProcessEnv = { ...env, DATABASE_URL: target.url };
    const importFile = (file: string) => {
      const r = spawnSync(process.execPath, [BIN, 'import', file, '--rejects', path.join(dir, 'live-rejects.ndjson')], { env: pgEnv, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    };
    const enrolments = (name: string, first: number, n: number) => writeEnrolmentFile(path.join(dir, name), first, n, '3375', '2015-03-02');
    importFile(enrolments('live-1.ndjson', 1, 30));
    const live = await startServer([], pgEnv);
    const tab = await browser.newPage();
    tab.on('pageerror', (e) => errors.push(e.message));
    try {
      await tab.goto(live.url.replace(/\/graphql$/, '/dashboard'));
      await tab.waitForSelector('body[data-loaded="ACTIVE_PARTICIPANTS|||YEAR"]', { timeout: 30_000 });
      expect(await tab.locator('#kpi-latest').textContent()).toBe('30');
      expect(await tab.locator('#live').textContent()).toMatch(/^Langsung: data per posisi log 30, dicatat /);
      await tab.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

      importFile(enrolments('live-2.ndjson', 100, 12));
      await tab.waitForSelector('body[data-position="42"]', { timeout: 10_000 });
      expect(await tab.locator('#kpi-latest').textContent()).toBe('42');
      expect(await tab.locator('#rows tbody tr td:last-child').allTextContents()).toEqual(['0', '0', '42', ...Array(11).fill('42')]);
      expect(await tab.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await tab.close();
      await live.stop();
      await target.drop();
    }
  });
});
