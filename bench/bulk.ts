// Bulk pulls (issue 16): a real `cakupan serve` on PostgreSQL with the demo
// history serves whole regency panels, timed beside the database's own
// `psql \copy` of the same panel from the regency view in the same run (the
// floor: no API, no disclosure control, no CSV formatting in JavaScript).
//   - the monthly regency panel 2013-2026 (about 85,000 rows): CSV with a key,
//     CSV without one (disclosure control), and coverageRows pages of 10,000;
//   - the daily regency panel 2013-2026 (about 2.6 million rows) as CSV, read
//     at full speed and by a reader that stops for 5 s after its first
//     megabyte: the server's resident memory is sampled throughout (bounded
//     memory: the export reads a chunk at a time as the client reads).
// Usage: tsx bench/bulk.ts
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { demoWithKey, fmt, rate, startServe, throwawayDatabase } from './support.ts';

const SECRET = 'bench-secret-0123456789';

/** Resident memory of a process, MB. */
const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** Reads a CSV export whole; returns rows, seconds and the server's peak RSS meanwhile. */
async function pull(url: string, pid: number, key: string | undefined, pauseAfterFirstMb = 0): Promise<{ rows: number; ms: number; peakMb: number; pausedMb?: number }> {
  let peak = rssOf(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 50);
  const t = performance.now();
  const res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  let bytes = 0;
  let lines = 0;
  let paused = false;
  let pausedMb: number | undefined;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (const b of chunk) if (b === 10) lines++;
    if (pauseAfterFirstMb && !paused && bytes > pauseAfterFirstMb * 1e6) {
      paused = true;
      const before = rssOf(pid);
      await new Promise((r) => setTimeout(r, 5_000));
      pausedMb = rssOf(pid) - before;
    }
  }
  const ms = performance.now() - t - (paused ? 5_000 : 0);
  clearInterval(sampler);
  return { rows: lines - 1, ms, peakMb: peak, pausedMb };
}

async function pages(url: string, key: string): Promise<{ rows: number; ms: number; pages: number }> {
  const query = `query($after: String) { coverageRows(measure: ACTIVE_PARTICIPANTS, granularity: MONTH, from: "2013-01-01", to: "2026-10-31", groupBy: [REGENCY], first: 10000, after: $after) {
    nodes { period periodEnd provinceCode provinceName regencyCode regencyName value suppressed } pageInfo { hasNextPage endCursor } } }`;
  const t = performance.now();
  let after: string | undefined;
  let rows = 0;
  let n = 0;
  do {
    const r = (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables: { after } }) })).json()) as any;
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    rows += r.data.coverageRows.nodes.length;
    n++;
    after = r.data.coverageRows.pageInfo.hasNextPage ? r.data.coverageRows.pageInfo.endCursor : undefined;
  } while (after);
  return { rows, ms: performance.now() - t, pages: n };
}

const target = await throwawayDatabase('cakupan_bulk');
const dir = mkdtempSync(path.join(os.tmpdir(), 'cakupan-bulk-'));
const env: NodeJS.ProcessEnv = { CAKUPAN_PSEUDONYM_SECRET: SECRET, DATABASE_URL: target.url };
try {
  const file = path.join(dir, 'demo.ndjson');
  const key = await demoWithKey(env, file);
  const { url, proc } = await startServe(env);
  const origin = url.replace(/\/graphql$/, '');
  const csv = (granularity: string) => `${origin}/export/coverage.csv?measure=ACTIVE_PARTICIPANTS&granularity=${granularity}&from=2013-01-01&to=2026-10-31&groupBy=REGENCY`;
  try {
    const floor = (granularity: 'month' | 'day') => {
      const sql =
        granularity === 'month'
          ? `SELECT month_start, month_end, province_code, province_name, regency_code, regency_name, sum(active_at_month_end) FROM bi_coverage_regency_monthly WHERE program IS NULL GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 5`
          : `WITH cells AS (SELECT id, region FROM rollup_cells WHERE fact = 'coverage' AND program = '' AND length(region) = 4),
               moves AS (SELECT f.eff, c.region, sum(f.delta) AS delta FROM coverage_days f JOIN cells c ON c.id = f.cell GROUP BY 1, 2),
               grid AS (SELECT d::date AS day, r.region FROM generate_series('2013-01-01'::date, '2026-10-31', interval '1 day') d CROSS JOIN (SELECT DISTINCT region FROM cells) r)
             SELECT g.day, g.region, sum(coalesce(m.delta, 0)) OVER (PARTITION BY g.region ORDER BY g.day) FROM grid g LEFT JOIN moves m ON m.eff = g.day AND m.region = g.region ORDER BY 1, 2`;

      const t = performance.now();
      const r = spawnSync('psql', [target.url, '-q', '-c', `\\copy (${sql.replace(/\s+/g, ' ')}) TO '/dev/null' CSV HEADER`], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
      return performance.now() - t;
    };
    await pull(csv('MONTH'), proc.pid!, key); // (warm-up: the server's cube and caches)
    const rssIdle = rssOf(proc.pid!);
    const monthFloor = floor('month');
    const monthKey = await pull(csv('MONTH'), proc.pid!, key);
    const monthPublic = await pull(csv('MONTH'), proc.pid!, undefined);
    const paged = await pages(url, key);
    const dayFloor = floor('day');
    const day = await pull(csv('DAY'), proc.pid!, key);
    const slow = await pull(csv('DAY'), proc.pid!, key, 1);
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(`\nPostgreSQL, demo history (140,192 events); the server idles at ${rssIdle.toFixed(0)} MB resident`);
    console.log('| pull | rows | time | rows/s | ratio to psql \\copy of the same panel | server peak RSS |');
    console.log('|---|---|---|---|---|---|');
    console.log(`| psql \\copy, monthly regency panel (bi_coverage_regency_monthly) | | ${s(monthFloor)} | | 1 | |`);
    console.log(`| CSV, monthly regency panel, ANALYST key | ${fmt(monthKey.rows)} | ${s(monthKey.ms)} | ${fmt(rate(monthKey.rows, monthKey.ms))} | ${(monthKey.ms / monthFloor).toFixed(2)} | ${monthKey.peakMb.toFixed(0)} MB |`);
    console.log(`| CSV, monthly regency panel, no key (K = 10) | ${fmt(monthPublic.rows)} | ${s(monthPublic.ms)} | ${fmt(rate(monthPublic.rows, monthPublic.ms))} | ${(monthPublic.ms / monthFloor).toFixed(2)} | ${monthPublic.peakMb.toFixed(0)} MB |`);
    console.log(`| coverageRows, ${paged.pages} pages of 10,000, ANALYST key | ${fmt(paged.rows)} | ${s(paged.ms)} | ${fmt(rate(paged.rows, paged.ms))} | ${(paged.ms / monthFloor).toFixed(2)} | |`);
    console.log(`| psql \\copy, daily regency panel (SQL over the day rows) | | ${s(dayFloor)} | | 1 | |`);
    console.log(`| CSV, daily regency panel, ANALYST key | ${fmt(day.rows)} | ${s(day.ms)} | ${fmt(rate(day.rows, day.ms))} | ${(day.ms / dayFloor).toFixed(2)} | ${day.peakMb.toFixed(0)} MB |`);
    console.log(`| the same, the reader pausing 5 s after 1 MB | ${fmt(slow.rows)} | ${s(slow.ms)} (+5 s paused) | ${fmt(rate(slow.rows, slow.ms))} | | ${slow.peakMb.toFixed(0)} MB (${slow.pausedMb! >= 0 ? '+' : ''}${slow.pausedMb!.toFixed(1)} MB while paused) |`);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
} finally {
  await target.drop();
  rmSync(dir, { recursive: true, force: true });
}
