import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openPglite, openPostgres, type Database } from '../../src/db/database.ts';
import { pgUrlFor, TEMPLATE_DB, TEST_PG_ADMIN_URL, testEngine } from './engines.ts';

export type TestDatabase = Database & { dropDatabase(): Promise<void> };

/** A fresh, migrated database on the engine under test, cloned from the run's template. */
export async function freshDatabase(): Promise<TestDatabase> {
  if (testEngine() === 'pglite') {
    const blob = new Blob([readFileSync(inject('pgliteTemplate'))]);
    const db = await openPglite(undefined, { loadDataDir: blob });
    return Object.assign(db, { dropDatabase: () => db.close() });
  }
  const name = `cakupan_t_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
  const db = await openPostgres(pgUrlFor(name), 4);
  return Object.assign(db, {
    async dropDatabase() {
      await db.close();
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  });
}

/** A new, empty PostgreSQL database name created from the template (for process tests). */
export async function createPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `cakupan_t_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  return { url: pgUrlFor(name), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

