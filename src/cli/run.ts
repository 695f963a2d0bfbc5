import { loadConfig, type Config } from '../config/config.ts';
import { logger } from '../config/logger.ts';
import type { Database } from '../db/database.ts';
import { openDatabase } from '../db/open.ts';
import { CakupanError, isCakupanError } from '../domain/errors.ts';

/**
 * Runs a CLI command body with the configured database open, turning expected
 * errors into a one-line message and exit code 2 (1 is kept for "ran, but
 * some input was rejected").
 */
export async function withDatabase(holder: string, body: (db: Database, config: Config) => Promise<number | void>): Promise<void> {
  let db: Database | undefined;
  try {
    const config = loadConfig();
    if (config.pseudonymSecretIsDefault) {
      logger.warn('CAKUPAN_PSEUDONYM_SECRET is not set: using the development secret (pseudonyms are not private)');
    }
    db = await openDatabase(config, holder);
    const code = await body(db, config);
    process.exitCode = code ?? 0;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`cakupan ${holder}: ${message}\n`);
    if (!isCakupanError(e)) logger.debug({ err: e }, 'command failed');
    process.exitCode = 2;
  } finally {
    await db?.close();
  }
}
