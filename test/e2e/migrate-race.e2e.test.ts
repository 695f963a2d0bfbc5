import { describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPgDatabase } from '../support/database.ts';

// Servers behind a load balancer start together on an empty database: their
// migrations must not collide (each waits for the other's lock and skips what
// is applied).
describe('migrations started by several processes at once', () => {
  it('apply every migration exactly once', async () => {
    const target = await createPgDatabase();
    const dbs = await Promise.all([1, 2, 3].map(() => openPostgres(target.url, 2)));
    try {
      const ran = await Promise.all(dbs.map((db) => migrate(db)));
      const all = ran.flat();
      expect(all.length).toBeGreaterThan(5);
      expect(new Set(all).size).toBe(all.length); // none applied twice
      const rows = await dbs[0].query<{ n: number }>('SELECT count(*)::int AS n FROM "_prisma_migrations"');
      expect(rows[0].n).toBe(all.length);
      expect(await migrate(dbs[1])).toEqual([]);
    } finally {
      for (const db of dbs) await db.close();
      await target.drop();
    }
  });
});
