import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type Database } from '../../src/db/database.ts';
import { ProjectorThread } from '../../src/projections/projector-thread.ts';
import { checkpoint, digests, READ_MODEL_TABLES, rebuild } from '../../src/projections/runner.ts';
import { createPgDatabase } from '../support/database.ts';

// `cakupan import` of a large file on PostgreSQL projects in a thread of its
// own while it appends: the read models it leaves must be those a rebuild
// gives, reached in several batches during the import, not one after it.

const BIN = path.resolve('bin/cakupan.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'cakupan-alongside-'));
const file = path.join(dir, 'scenario.ndjson');
const env = (url: string) => ({ ...process.env, DATABASE_URL: url, CAKUPAN_PSEUDONYM_SECRET: 'e2e-secret-0123456789', CAKUPAN_LOG_LEVEL: 'warn' });
const cli = (url: string, ...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env: env(url), encoding: 'utf8', timeout: 240_000 });

let pgDb: Awaited<ReturnType<typeof createPgDatabase>>;
let db: Database;

beforeAll(async () => {
  pgDb = await createPgDatabase();
  // (over the 4 MB from which an import projects alongside)
  expect(cli(pgDb.url, 'scenario', '--scale', '0.0005', '--out', file).status).toBe(0);
  expect(statSync(file).size).toBeGreaterThan(4 * 1024 * 1024);
});
afterAll(async () => {
  await db?.close();
  await pgDb?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('an import on PostgreSQL projecting alongside', () => {
  it('leaves the read models at the head, equal to a rebuild, projected in batches during the import', async () => {
    const r = cli(pgDb.url, 'import', file, '--no-progress', '--rejects', path.join(dir, 'rejects.ndjson'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/ 0 rejected .*; log head at position (\d+)/);
    const head = Number(/log head at position (\d+)/.exec(r.stdout)![1]);
    expect(r.stdout).toContain(`read models at position ${head} (projected alongside the import, up to the head`);

    db = await openPostgres(pgDb.url);
    expect(await checkpoint(db)).toBe(head);
    // the projector committed several batches while the appends went on (one catch-up after the import would be one batch)
    const [{ batches }] = await db.query<{ batches: number }>('SELECT count(*)::int AS batches FROM read_model_changes');
    expect(batches).toBeGreaterThan(1);
    const alongside = await digests(db);
    await rebuild(db);
    expect(await digests(db)).toEqual(alongside);
  });

  it('stops between two batches when told to, its checkpoint where it says', async () => {
    const head = await checkpoint(db);
    await db.exec(`TRUNCATE ${[...READ_MODEL_TABLES, 'projection_checkpoints', 'read_model_changes'].join(', ')}`);
    let first: () => void;
    const committed = new Promise<void>((resolve) => (first = resolve));
    const thread = new ProjectorThread(pgDb.url, { batchSize: 1000, onBatch: () => first() });
    await committed;
    const position = await thread.stop();
    expect(position).toBeGreaterThan(0);
    expect(position).toBeLessThan(head);
    expect(position % 1000).toBe(0);
    expect(await checkpoint(db)).toBe(position);
  });

  it('fails with the reason when it cannot reach the database', async () => {
    const url = new URL(pgDb.url);
    url.port = '1';
    await expect(new ProjectorThread(url.toString()).finish()).rejects.toThrow(/^projecting alongside: cannot connect to PostgreSQL at .*ECONNREFUSED/);
  });
});
