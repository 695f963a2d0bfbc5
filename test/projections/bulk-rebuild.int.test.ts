import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeScenario } from '../../src/cli/scenario-command.ts';
import { importFile } from '../../src/importer/import-file.ts';
import { catchUp, digests, rebuild } from '../../src/projections/runner.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testConfig } from '../support/events.ts';

// A rebuild fills empty roll-ups in bulk: binary COPY, primary keys dropped
// and built again after. It must leave what batch-by-batch catch-up leaves
// (upserts into indexed tables), and the tables as the migrations made them.
describe('a bulk rebuild of the reference scenario', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await freshDatabase();
    dir = mkdtempSync(path.join(os.tmpdir(), 'cakupan-bulk-rebuild-'));
  });
  afterAll(async () => {
    await db?.dropDatabase();
    rmSync(dir, { recursive: true, force: true });
  });

  it('equals catch-up over three imports, keys and indexes included', async () => {
    const file = path.join(dir, 'scenario.ndjson');
    const { events } = writeScenario(file, { scale: 0.0003, seed: 5, progress: false });
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const third = Math.ceil(lines.length / 3);
    for (let i = 0; i < 3; i++) {
      const part = path.join(dir, `part-${i}.ndjson`);
      writeFileSync(part, lines.slice(i * third, (i + 1) * third).join('\n') + '\n');
      expect((await importFile(db, testConfig, part)).rejected).toBe(0);
      await catchUp(db); // the first is fresh (bulk), the next two upsert
    }
    const incremental = await digests(db);
    const schema = () =>
      db.query<{ def: string }>(
        `SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS def FROM pg_constraint
          WHERE conrelid::regclass::text IN ('coverage_days', 'coverage_vintages', 'proj_workers', 'employer_days', 'employer_vintages') AND contype IN ('p', 'u') ORDER BY 1`,
      );
    const indexes = () => db.query<{ def: string }>(`SELECT indexdef AS def FROM pg_indexes WHERE tablename LIKE 'coverage_%' OR tablename = 'proj_workers' ORDER BY 1`);
    const [keysBefore, indexesBefore] = [await schema(), await indexes()];
    expect(keysBefore.length).toBe(5);

    await rebuild(db);
    const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM coverage_days');
    expect(n * 38).toBeGreaterThan(1 << 20); // large enough for the bulk path
    expect(await digests(db)).toEqual(incremental);
    expect(await schema()).toEqual(keysBefore);
    expect(await indexes()).toEqual(indexesBefore);
    const [{ position }] = await db.query<{ position: number }>('SELECT min(position)::int AS position FROM projection_checkpoints');
    expect(position).toBe(events);
  });
});
