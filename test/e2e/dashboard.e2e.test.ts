import { execFileSync, spawnSync } from 'node:child_process';
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
  const file = path.join(dir, 'scenario.ndjson');
  execFileSync(process.execPath, [BIN, 'scenario', '--scale', '0.0002', '--out', file], { env, stdio: 'ignore' });
  execFileSync(process.execPath, [BIN, 'import', file], { env, stdio: 'ignore' });
  server = await startServer([], env);
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

describe('dashboard page', () => {
  it('opens from the root, draws the national yearly trend and shows the API figure', async () => {
    await page.goto(origin());
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    await loaded('ACTIVE_PARTICIPANTS|||YEAR');
    expect(await page.locator('#kpi-latest').textContent()).toBe((await activeOn('2026-10-31')).toLocaleString('en'));
    expect(await page.locator('#rows tbody tr').count()).toBe(14); // 2013 … 2026
    const box = await page.locator('#chart').boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(await page.locator('#kpi-target').textContent()).toMatch(/by 2026-12-31/); // the 70M UCJ target, scaled
    await page.screenshot({ path: path.join(dir, 'dashboard.png') });
  });

  it('follows the controls: a province, a breakdown by segment', async () => {
    await page.selectOption('select[name=region]', '17');
    await loaded('ACTIVE_PARTICIPANTS|17||YEAR');
    expect(await page.locator('#kpi-latest').textContent()).toBe((await activeOn('2026-10-31', '17')).toLocaleString('en'));
    await page.selectOption('select[name=groupBy]', 'SEGMENT');
    await loaded('ACTIVE_PARTICIPANTS|17|SEGMENT|YEAR');
    const segments = await page.locator('#rows tbody tr td:nth-child(2)').allTextContents();
    expect(new Set(segments)).toContain('PU');
  });

  it('downloads the rows on screen as CSV', async () => {
    const href = await page.locator('#csv').getAttribute('href');
    expect(href).toContain('regionCodes=17');
    const csv = await (await fetch(origin() + href)).text();
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('period,periodEnd,provinceCode,regencyCode,segment,program,sponsor,value,suppressed');
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
    const drawn = await page.evaluate(() => (window as unknown as { dashboardChart: { data: { datasets: { label: string; data: (number | null)[] }[] } } }).dashboardChart.data.datasets.filter((d) => !d.label.startsWith('target')).map((d) => d.data));
    expect(drawn).toEqual(series.map((s) => s.points.map((p) => (p.suppressed ? null : p.value))));
    expect(await page.locator('#disclosure').textContent()).toMatch(new RegExp(`^${suppressedCount.toLocaleString('en')} values are hidden .* fewer than 10 people`));
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
      expect(await tab.locator('#live').textContent()).toMatch(/^Live: data as of log position 30, recorded /);
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
