// Append throughput: N synthetic valid events imported end to end (read, parse,
// validate, pseudonymise, decide, hash, insert) on PostgreSQL and PGlite, next
// to a Prisma `createMany` of the same rows (no validation, no hashing) run in
// the same process as the baseline.  Usage: tsx bench/append.ts [N] [--runs k]
// Each import is timed k times (default 3) on a fresh database, and all runs
// are printed with their median: this machine's speed drifts from run to run.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { loadConfig } from '../src/config/config.ts';
import { openPglite, openPostgres, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { PrismaClient } from '../src/generated/prisma/client.ts';
import { importFile } from '../src/importer/import-file.ts';
import { eventLineParser } from '../src/importer/event-line.ts';
import { loadRegions } from '../src/domain/regions/load-regions.ts';
import { fmt, rate, throwawayDatabase } from './support.ts';
import { syntheticLines } from './synthetic.ts';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 3;
const n = Number(args[0] ?? 200_000);
if (!Number.isInteger(n) || n < 1 || !Number.isInteger(runs) || runs < 1) throw new Error('usage: tsx bench/append.ts [N] [--runs k]');
const config = loadConfig({ ...process.env, CAKUPAN_PSEUDONYM_SECRET: 'bench-secret-0123456789' });
mkdirSync('.bench', { recursive: true });
const file = path.resolve(`.bench/append-${n}.ndjson`);
writeFileSync(file, [...syntheticLines(n)].join('\n') + '\n');
console.log(`append benchmark: ${fmt(n)} synthetic events (${os.cpus().length} cores, Node ${process.version})`);

/** CPU time the whole machine has spent (ms), from /proc/stat: user, nice, system, irq, softirq. */
function machineBusyMs(): number | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (f[0] + f[1] + f[2] + f[5] + f[6]) * (1000 / 100);
}

const cpuNotes: string[] = [];

async function timedImport(db: Database): Promise<number> {
  await migrate(db);
  await loadRegions(db);
  const busy0 = machineBusyMs();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const summary = await importFile(db, config, file, { batchSize: 10_000 });
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  const busy = busy0 === undefined ? undefined : machineBusyMs()! - busy0;
  if (summary.appended !== n) throw new Error(`expected ${n} appended, got ${summary.appended} (${summary.rejected} rejected)`);
  // Where the CPU went: this process (all its threads) and the machine as a whole (PostgreSQL's backends included).
  const node = (cpu.user + cpu.system) / 1000;
  cpuNotes.push(
    `${db.engine.padEnd(8)} wall ${(ms / 1000).toFixed(1)} s; CPU: this process ${(node / 1000).toFixed(1)} s (${((node * 1000) / n).toFixed(0)} µs/event)` +
      (busy === undefined ? '' : `, whole machine ${(busy / 1000).toFixed(1)} s of ${((ms * os.cpus().length) / 1000).toFixed(1)} s available (${Math.round((100 * busy) / (ms * os.cpus().length))} % busy)`),
  );
  return ms;
}

// 1. cakupan import on PostgreSQL (a fresh database each run)
const pgRuns: number[] = [];
for (let r = 0; r < runs; r++) {
  const pgDb = await throwawayDatabase('cakupan_bench');
  const db = await openPostgres(pgDb.url);
  try {
    pgRuns.push(await timedImport(db));
  } finally {
    await db.close();
    await pgDb.drop();
  }
}

// 2. cakupan import on PGlite (a fresh data directory on disk each run)
const pgliteRuns: number[] = [];
for (let r = 0; r < runs; r++) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cakupan-bench-'));
  const db = await openPglite(dir);
  try {
    pgliteRuns.push(await timedImport(db));
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// 3. baseline: Prisma createMany of the same events, already parsed and shaped
// (so it measures only the ORM insert path), in batches of 5,000.
const baseDb = await throwawayDatabase('cakupan_bench_base');
const baseMs = await (async () => {
  const db = await openPostgres(baseDb.url);
  await migrate(db);
  await db.close();
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: baseDb.url }) });
  const parse = eventLineParser(config);
  const rows = [...syntheticLines(n)].map((l, i) => {
    const e = parse(JSON.parse(l));
    return {
      position: BigInt(i + 1), streamId: e.streamId, streamVersion: i + 1, eventId: e.eventId, type: e.type, schemaVersion: 1,
      data: e.data as Record<string, string>, effectiveOn: new Date(e.effectiveOn), recordedAt: new Date(), regionCode: e.regionCode, hash: new Uint8Array(32),
    };
  });
  const started = performance.now();
  for (let i = 0; i < rows.length; i += 5000) await prisma.event.createMany({ data: rows.slice(i, i + 5000) });
  const ms = performance.now() - started;
  await prisma.$disconnect();
  return ms;
})();
await baseDb.drop();

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const pgMs = median(pgRuns);
const line = (name: string, ms: number, all?: number[]) =>
  console.log(
    `${name.padEnd(42)} ${fmt(rate(n, ms)).padStart(8)} events/s  (${(ms / 1000).toFixed(1)} s)` +
      (all && all.length > 1 ? `  median of ${all.length}: ${all.map((x) => fmt(rate(n, x))).join(', ')}` : ''),
  );
line('cakupan import, PostgreSQL', pgMs, pgRuns);
line('cakupan import, PGlite', median(pgliteRuns), pgliteRuns);
line('baseline: Prisma createMany, PostgreSQL', baseMs);
console.log(`ratio PostgreSQL import (median) / createMany baseline: ${(baseMs / pgMs).toFixed(2)}x`);
for (const note of cpuNotes) console.log(note);
console.log('targets: >= 50,000 events/s on PostgreSQL, >= 10,000 events/s on PGlite');
