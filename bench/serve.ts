// Query throughput under load: a real `cakupan serve` with the demo history,
// 16 connections (autocannon), each figure printed beside the same server's
// `{ __typename }` in the same run (the ratio is what the targets are about).
// Workloads: the national monthly series 2013-2026, the same by province, and
// a stream of never-repeated random series queries (measure, range,
// granularity, a province, breakdown), which no response cache could serve.
// Each workload runs twice: without a key (disclosure control, K = 10, the
// default) and with an ANALYST key (raw values; keyed answers are not cached).
// Usage: tsx bench/serve.ts [--engine postgres|pglite|both] [--seconds s] [--connections c]
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { demoWithKey, startServe, throwawayDatabase } from './support.ts';

const { values: opts } = parseArgs({
  options: { engine: { type: 'string', default: 'both' }, seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '16' } },
});
const seconds = Number(opts.seconds);
const connections = Number(opts.connections);
const SECRET = 'bench-secret-0123456789';

const SERIES = `query S($m: CoverageMeasure!, $g: Granularity!, $from: Date!, $to: Date!, $by: [CoverageDimension!], $f: CoverageFilter) {
  coverageSeries(measure: $m, granularity: $g, from: $from, to: $to, groupBy: $by, filter: $f) { rows { period provinceCode segment sponsor program value } }
}`;
const body = (query: string, variables?: object) => JSON.stringify({ query, variables });
const national = body(SERIES, { m: 'ACTIVE_PARTICIPANTS', g: 'MONTH', from: '2013-01-01', to: '2026-10-31' });
const byProvince = body(SERIES, { m: 'ACTIVE_PARTICIPANTS', g: 'MONTH', from: '2013-01-01', to: '2026-10-31', by: ['PROVINCE'] });

// Never-repeated queries: a counter walks a deterministic sequence, so no two
// requests of a run ask the same thing.
const PROVINCES = ['11', '12', '13', '14', '15', '16', '17', '18', '19', '21', '31', '32', '33', '34', '35', '36', '51', '52', '53', '61', '62', '63', '64', '65', '71', '72', '73', '74', '75', '76', '81', '82', '91', '92', '93', '94', '95', '96'];
const MEASURES = ['ACTIVE_PARTICIPANTS', 'NEW_ENROLMENTS', 'LAPSES', 'NET_CHANGE'];
const BREAKDOWNS: string[][] = [[], ['SEGMENT'], ['SPONSOR'], ['PROGRAM'], ['PROVINCE'], ['SEGMENT', 'SPONSOR']];
const GRANULARITIES = ['MONTH', 'QUARTER', 'YEAR', 'WEEK'];
let counter = 0;
function randomSeries(): string {
  const i = counter++;
  let seed = (i * 2654435761) >>> 0;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const g = GRANULARITIES[rnd(GRANULARITIES.length)];
  const fromYear = 2013 + rnd(10);
  const days = 28 + (i % 28); // the day varies with the counter: ranges never repeat
  const from = `${fromYear}-${String(1 + rnd(12)).padStart(2, '0')}-${String(1 + rnd(days) % 28).padStart(2, '0')}`;
  const toYear = Math.min(2026, fromYear + (g === 'WEEK' ? 1 : 1 + rnd(13)));
  const to = `${toYear}-${String(1 + rnd(10)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
  const by = BREAKDOWNS[rnd(BREAKDOWNS.length)];
  const nProv = rnd(2); // (a public filter names one region at most)
  const f = nProv ? { regionCodes: Array.from({ length: nProv }, () => PROVINCES[rnd(PROVINCES.length)]).filter((v, k, a) => a.indexOf(v) === k) } : undefined;
  return body(SERIES, { m: MEASURES[rnd(MEASURES.length)], g, from, to: to < from ? from : to, by, f });
}

type Figure = { rps: number; p50: number; p99: number; errors: number };
async function load(url: string, requests: { body?: string; setupRequest?: (r: any) => any; key?: string }): Promise<Figure> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', ...(requests.key ? { authorization: `Bearer ${requests.key}` } : {}) },
    body: requests.body,
    requests: requests.setupRequest ? [{ setupRequest: requests.setupRequest }] : undefined,
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

async function check(url: string, b: string) {
  const r = (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: b })).json()) as { errors?: unknown[]; data?: any };
  if (r.errors) throw new Error(`bench query failed: ${JSON.stringify(r.errors)}`);
  return r.data.coverageSeries.rows.length as number;
}

async function bench(engine: 'postgres' | 'pglite') {
  let env: NodeJS.ProcessEnv = { CAKUPAN_PSEUDONYM_SECRET: SECRET };
  let cleanup: () => Promise<void>;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cakupan-serve-'));
  const file = path.join(dir, 'demo.ndjson');
  if (engine === 'postgres') {
    const target = await throwawayDatabase('cakupan_serve');
    env = { ...env, DATABASE_URL: target.url };
    cleanup = target.drop;
  } else {
    env = { ...env, CAKUPAN_DATA_DIR: path.join(dir, 'data') };
    cleanup = async () => undefined;
  }
  try {
    const key = await demoWithKey(env, file);
    const { url, proc } = await startServe(env);
    try {
      const rowsNational = await check(url, national);
      const rowsProvince = await check(url, byProvince);
      await check(url, randomSeries());
      const floor = await load(url, { body: body('{ __typename }') });
      const figures: [string, Figure][] = [['{ __typename }', floor]];
      for (const [who, k] of [['no key, K = 10', undefined], ['ANALYST key, raw', key]] as const) {
        figures.push(
          [`national monthly series 2013-2026 (${rowsNational} rows; ${who})`, await load(url, { body: national, key: k })],
          [`the same by province (${rowsProvince} rows; ${who})`, await load(url, { body: byProvince, key: k })],
          [`never-repeated random series (${who})`, await load(url, { setupRequest: (r: any) => ({ ...r, body: randomSeries() }), key: k })],
        );
      }
      const floor2 = await load(url, { body: body('{ __typename }') });
      console.log(`\n${engine}: ${connections} connections, ${seconds} s each (demo history, 140,192 events)`);
      console.log('| workload | req/s | ratio to { __typename } | p50 ms | p99 ms | errors |');
      console.log('|---|---|---|---|---|---|');
      const base = (floor.rps + floor2.rps) / 2;
      for (const [name, f] of figures) console.log(`| ${name} | ${Math.round(f.rps)} | ${(f.rps / base).toFixed(3)} | ${f.p50} | ${f.p99} | ${f.errors} |`);
      console.log(`| { __typename } again, after the runs | ${Math.round(floor2.rps)} | ${(floor2.rps / base).toFixed(3)} | ${floor2.p50} | ${floor2.p99} | ${floor2.errors} |`);
    } finally {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
  } finally {
    await cleanup();
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

for (const engine of opts.engine === 'both' ? (['postgres', 'pglite'] as const) : [opts.engine as 'postgres' | 'pglite']) await bench(engine);
