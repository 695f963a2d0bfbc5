import type { Config } from '../config/config.ts';
import { logger } from '../config/logger.ts';
import { loadRegions } from '../domain/regions/load-regions.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { openPglite, openPostgres, redactUrl, type Database } from './database.ts';
import { migrate } from './migrate.ts';
import { templateFileFor } from './pglite-template.ts';

/**
 * Opens the configured database (PostgreSQL if DATABASE_URL is set, else the
 * PGlite directory), applies pending migrations and the region reference data.
 */
export async function openDatabase(config: Config, holder: string): Promise<Database> {
  let db: Database;
  let template: string | undefined;
  if (config.databaseUrl) {
    db = await openPostgres(config.databaseUrl);
    logger.debug({ url: redactUrl(config.databaseUrl) }, 'connected to PostgreSQL');
  } else {
    const unlock = lockDataDir(config.dataDir, holder);
    try {
      // a new directory starts as a copy of the initialised cluster npm ci made, when there is one
      template = templateFileFor(config.dataDir);
      db = await openPglite(config.dataDir, { template });
    } catch (e) {
      unlock();
      throw e;
    }
    const close = db.close;
    db = Object.assign(db, { close: async () => { await close(); unlock(); } });
    logger.debug({ dataDir: config.dataDir, template }, template ? 'opened PGlite (a new directory, filled from the template)' : 'opened PGlite');
  }
  const ran = await migrate(db);
  if (ran.length) {
    logger.info({ migrations: ran }, 'applied migrations');
    await loadRegions(db);
  }
  return db;
}
