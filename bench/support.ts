import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import type { CoverageQuery } from '../src/analytics/coverage-series.ts';

// Benchmarks run against the local PostgreSQL (loopback only) in throwaway databases.
export const BENCH_PG_URL = process.env.CAKUPAN_BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

export async function throwawayDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: BENCH_PG_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(BENCH_PG_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
export const fmt = (n: number) => n.toLocaleString('en-US');

/** Starts a real `cakupan serve` on a free port; resolves with its GraphQL URL once it listens. */
export async function startServe(env: NodeJS.ProcessEnv): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [path.resolve('bin/cakupan.js'), 'serve', '--port', '0'], {
    // a load test measures throughput from one address: the per-client rate limits would measure themselves
    env: { ...process.env, CAKUPAN_LOG_LEVEL: 'warn', CAKUPAN_RATE_LIMIT_PUBLIC: '0', CAKUPAN_RATE_LIMIT_KEY: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /GraphiQL: (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  return { url, proc };
}

/** Runs the CLI; resolves with what it printed. */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.resolve('bin/cakupan.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout!.on('data', (d) => (out += d));
    p.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`cakupan ${args.join(' ')} exited with ${code}`))));
  });
}

/** The demo history (the reference scenario, 140,192 events) generated into `file` and imported, and an ANALYST key: what load benchmarks serve. */
export async function demoWithKey(env: NodeJS.ProcessEnv, file: string): Promise<string> {
  await runCli(['scenario', '--out', file], env);
  await runCli(['migrate'], env);
  await runCli(['import', file], env);
  return (await runCli(['keys', 'create', '--role', 'ANALYST', '--name', 'bench'], env)).trim().split('\n').pop()!;
}

/** The series shapes the in-process benchmarks time (bench/recorded.ts, bench/scenario.ts). */
export const SERIES_QUERIES: CoverageQuery[] = [
  { measure: 'ACTIVE_PARTICIPANTS', granularity: 'MONTH', from: '2013-01-01', to: '2026-10-31' },
  { measure: 'ACTIVE_PARTICIPANTS', granularity: 'MONTH', from: '2013-01-01', to: '2026-10-31', groupBy: ['PROVINCE'] },
  { measure: 'NEW_ENROLMENTS', granularity: 'QUARTER', from: '2015-01-01', to: '2026-09-30', groupBy: ['SEGMENT', 'SPONSOR'] },
  { measure: 'ACTIVE_PARTICIPANTS', granularity: 'YEAR', from: '2013-01-01', to: '2026-12-31', groupBy: ['PROGRAM'], filter: { regionCodes: ['31', '32'] } },
  { measure: 'LAPSES', granularity: 'MONTH', from: '2020-01-01', to: '2026-10-31', filter: { segments: ['BPU'] } },
];

// Other shapes, asked first (as known now and as of) so that the timed rounds
// measure the cube, not the JIT compiling its code: every figure still pays
// its own shapes' first sums.
export const WARM_UP_QUERIES: CoverageQuery[] = [
  { measure: 'ACTIVE_PARTICIPANTS', granularity: 'QUARTER', from: '2014-01-01', to: '2025-12-31', groupBy: ['SEGMENT'], filter: { regionCodes: ['35'] } },
  { measure: 'NEW_ENROLMENTS', granularity: 'YEAR', from: '2016-01-01', to: '2024-12-31', groupBy: ['PROVINCE', 'SPONSOR'] },
  { measure: 'LAPSES', granularity: 'YEAR', from: '2013-01-01', to: '2026-12-31', groupBy: ['PROGRAM'] },
  { measure: 'ACTIVE_PARTICIPANTS', granularity: 'WEEK', from: '2023-01-01', to: '2023-12-31', filter: { regionCodes: ['3171'] } },
  { measure: 'NET_CHANGE', granularity: 'MONTH', from: '2013-01-01', to: '2026-10-31', filter: { segments: ['PU'] } },
];

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** p50 and p95 in ms of `rounds` runs, one after the other. */
export async function timed(rounds: number, run: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    await run();
    ms.push(performance.now() - t);
  }
  return { p50: percentile(ms, 50), p95: percentile(ms, 95) };
}
