import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite, openPostgres, type Database } from '../../src/db/database.ts';
import { createPgDatabase } from '../support/database.ts';
import { nik } from '../support/events.ts';

// The data steward's matrix (issue 17): one file imported by the real CLI
// process once, twice, in two pieces, and killed with SIGKILL at several
// points then run again, on both engines. Every way must leave the log of one
// clean run (the same events, in the same order, in the same streams) and
// report the same rejected lines with the same reasons.

const BIN = path.resolve('bin/cakupan.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'cakupan-rerun-'));
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const drop of drops) await drop();
  rmSync(work, { recursive: true, force: true });
});

const WORKERS = 3000;
const BATCH = '200';

/**
 * 3,534 lines: 3,000 enrolments, 500 later lapses, 10 invalid lines among
 * them, and 12 lapses each placed before its worker's enrolment (rejected the
 * first time they are decided: the worker is not enrolled yet), whose
 * enrolments come later in the file.
 */
function writeStewardFile(file: string): string[] {
  const enrol = (i: number, on: string) =>
    JSON.stringify({ eventId: randomUUID(), type: 'WorkerEnrolled', effectiveOn: on, data: { nik: nik(i), segment: 'BPU', programs: ['JKK', 'JKM'], regionCode: '3375', sponsor: 'SELF' } });
  const lapse = (i: number, on: string) => JSON.stringify({ eventId: randomUUID(), type: 'WorkerLapsed', effectiveOn: on, data: { nik: nik(i), reason: 'NON_PAYMENT' } });
  const lines: string[] = [];
  for (let i = 1; i <= WORKERS; i++) {
    // an early lapse every 150 lines: its worker (5001…5012) enrols at the end of the file
    if (i % 150 === 0 && i / 150 <= 12) lines.push(lapse(5000 + i / 150, '2016-06-01'));
    // an invalid line every 300: a date that does not exist, or malformed JSON
    if (i % 300 === 0) lines.push(i % 600 === 0 ? `{"eventId":"${randomUUID()}","type":"WorkerEnrolled","effectiveOn":"2013-02-30","data":{}}` : '{"eventId": ');
    lines.push(enrol(i, `2013-0${1 + (i % 9)}-15`));
  }
  for (let k = 1; k <= 12; k++) lines.push(enrol(5000 + k, '2014-03-01'));
  for (let i = 1; i <= 500; i++) lines.push(lapse(i, '2015-01-01'));
  writeFileSync(file, lines.join('\n') + '\n');
  return lines;
}

const file = path.join(work, 'steward.ndjson');
const lines = writeStewardFile(file);

type Engine = 'pglite' | 'postgres';
type Target = { env: NodeJS.ProcessEnv; open: () => Promise<Database> };

async function target(engine: Engine): Promise<Target> {
  const base: NodeJS.ProcessEnv = { ...process.env, CAKUPAN_PSEUDONYM_SECRET: 'rerun-secret-0123456789', CAKUPAN_LOG_LEVEL: 'warn' };
  delete base.DATABASE_URL;
  delete base.CAKUPAN_FAILPOINT;
  if (engine === 'pglite') {
    const dir = mkdtempSync(path.join(work, 'data-'));
    return { env: { ...base, CAKUPAN_DATA_DIR: dir }, open: () => openPglite(dir) };
  }
  const pg = await createPgDatabase();
  drops.push(pg.drop);
  return { env: { ...base, DATABASE_URL: pg.url }, open: () => openPostgres(pg.url, 1) };
}

let runs = 0;
function importInto(t: Target, input: string, ...extra: string[]) {
  const rejects = path.join(work, `rejects-${++runs}.ndjson`);
  const r = spawnSync(process.execPath, [BIN, 'import', input, '--batch-size', BATCH, '--no-project', '--rejects', rejects, ...extra], { env: t.env, encoding: 'utf8', timeout: 180_000 });
  const rejected = r.signal ? [] : readRejects(rejects);
  return { ...r, rejected };
}

/** The rejects file without `decidedAt` (when an earlier run decided it), by line. */
function readRejects(file: string) {
  const text = readFileSync(file, 'utf8').trim();
  return (text ? text.split('\n') : [])
    .map((l) => {
      const { decidedAt: _, ...r } = JSON.parse(l) as { line: number; code: string; decidedAt?: string };
      return r;
    })
    .sort((a, b) => a.line - b.line);
}

/** The log as its users see it: every event in position order (recorded time and hashes differ between runs). */
async function logOf(t: Target) {
  const db = await t.open();
  try {
    return await db.query<Record<string, unknown>>('SELECT position, event_id::text, type, stream_id, stream_version, effective_on::text, data::text FROM events ORDER BY position');
  } finally {
    await db.close();
  }
}

type Clean = { log: Record<string, unknown>[]; rejected: ReturnType<typeof readRejects>; target: Target };
const cleanRuns = new Map<Engine, Clean>();

describe.each(['pglite', 'postgres'] as const)('re-runs and crashes on %s (the cakupan process)', (engine) => {
  let clean: Clean;

  it('imports once: 3,512 appended, 22 rejected (12 lapses decided before their enrolment, 10 invalid lines)', async () => {
    const t = await target(engine);
    const r = importInto(t, file);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^3534 lines: 3512 appended, 0 already in the log, 22 rejected/);
    expect(r.rejected.filter((x) => x.code === 'DOMAIN_RULE')).toHaveLength(12);
    clean = { log: await logOf(t), rejected: r.rejected, target: t };
    cleanRuns.set(engine, clean);
    expect(clean.log).toHaveLength(3512);
  });

  it('imports twice: the second run appends nothing and reports the same rejections, as decided then', async () => {
    const r = importInto(clean.target, file);
    expect(r.stdout).toMatch(/^3534 lines: 0 appended, 3512 already in the log, 22 rejected/);
    expect(r.stdout).toContain('12 of the rejected lines were rejected by an earlier import');
    expect(r.rejected).toEqual(clean.rejected);
    expect(await logOf(clean.target)).toEqual(clean.log);
  });

  it('imports the file in two pieces, in order: the same log and the same rejections', async () => {
    const t = await target(engine);
    const cut = 1700;
    const [a, b] = [path.join(work, 'a.ndjson'), path.join(work, 'b.ndjson')];
    writeFileSync(a, lines.slice(0, cut).join('\n') + '\n');
    writeFileSync(b, lines.slice(cut).join('\n') + '\n');
    const first = importInto(t, a);
    const second = importInto(t, b);
    expect(await logOf(t)).toEqual(clean.log);
    const renumbered = [...first.rejected, ...second.rejected.map((x) => ({ ...x, line: x.line + cut }))];
    expect(renumbered).toEqual(clean.rejected);
  });

  // inside a batch's transaction (nothing of it committed), between batches, and late
  it.each(['append-before-commit:3', 'import-after-batch:5', 'append-before-commit:15'])('killed (SIGKILL at %s) and run again: the log and rejections of one clean run', async (point) => {
    const t = await target(engine);
    const killed = importInto({ ...t, env: { ...t.env, CAKUPAN_FAILPOINT: point } }, file);
    expect(killed.signal).toBe('SIGKILL');
    const partial = await logOf(t);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(clean.log.length);
    expect(partial).toEqual(clean.log.slice(0, partial.length));
    const again = importInto(t, file);
    expect(again.stdout).toMatch(new RegExp(`^3534 lines: ${3512 - partial.length} appended, ${partial.length} already in the log, 22 rejected`));
    expect(again.rejected).toEqual(clean.rejected);
    expect(await logOf(t)).toEqual(clean.log);
  });

  it('retries the rejected lines only when asked: the 12 lapses are appended, the invalid lines stay rejected', async () => {
    const r = importInto(clean.target, file, '--retry-rejected');
    expect(r.stdout).toMatch(/^3534 lines: 12 appended, 3512 already in the log, 10 rejected/);
    expect(r.stdout).toContain('--retry-rejected: lines whose ids were rejected before were decided again');
    const log = await logOf(clean.target);
    expect(log.slice(0, 3512)).toEqual(clean.log);
    expect(log.slice(3512).map((e) => e.type)).toEqual(Array(12).fill('WorkerLapsed'));
  });

});

describe('an import killed from outside on PostgreSQL (where another connection can watch it)', () => {
  it('killed (kill -9) while batches stream in, and run again: the log and rejections of one clean run', async () => {
    const clean = cleanRuns.get('postgres')!;
    const t = await target('postgres');
    const child = spawn(process.execPath, [BIN, 'import', file, '--batch-size', '100', '--no-project', '--rejects', path.join(work, 'outside.ndjson')], { env: t.env, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const db = await t.open();
    try {
      for (;;) {
        const [{ n }] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'events'");
        if (n && (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events'))[0].n >= 1500) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      child.kill('SIGKILL');
    } finally {
      await db.close();
    }
    expect(await exited).toBe('SIGKILL');
    const partial = await logOf(t);
    expect(partial.length).toBeLessThan(clean.log.length);
    const again = importInto(t, file);
    expect(again.rejected).toEqual(clean.rejected);
    expect(await logOf(t)).toEqual(clean.log);
  });
});
