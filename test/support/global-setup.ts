import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openPglite, openPostgres } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { loadRegions } from '../../src/domain/regions/load-regions.ts';
import { pgUrlFor, TEMPLATE_DB, TEST_PG_ADMIN_URL } from './engines.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}

// Builds each engine's empty, migrated database once per run; tests clone it.
export default async function setup(project: TestProject) {
  if (project.name === 'pglite') {
    // Opening a new PGlite costs ~3 s (initdb); loading a dump costs ~0.5 s.
    const db = await openPglite();
    await migrate(db);
    await loadRegions(db);
    const dump = await db.pglite!.dumpDataDir('none');
    await db.close();
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'cakupan-test-')), 'template.tar');
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    project.provide('pgliteTemplate', file);
    return;
  }
  // PostgreSQL (integration and e2e): the template is migrated by the real
  // `prisma migrate deploy`, so every test also proves the Prisma CLI path.
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect().catch((e: Error) => {
    throw new Error(`PostgreSQL is required for the ${project.name} tests and is not reachable at ${TEST_PG_ADMIN_URL}: ${e.message}`);
  });
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  execFileSync(path.resolve('node_modules/.bin/prisma'), ['migrate', 'deploy'], {
    env: { ...process.env, DATABASE_URL: pgUrlFor(TEMPLATE_DB) },
    stdio: 'pipe',
  });
  const db = await openPostgres(pgUrlFor(TEMPLATE_DB), 1);
  await loadRegions(db);
  await db.close();
  project.provide('pgliteTemplate', '');
}
