import { ConfigError, loadConfig, type Config } from '../config/config.ts';
import { configureLogger, logger } from '../config/logger.ts';
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
    configureLogger(config);
    if (config.pseudonymSecretIsDefault) {
      logger.warn('CAKUPAN_PSEUDONYM_SECRET is not set: using the development secret (pseudonyms are not private)');
    }
    db = await openDatabase(config, holder);
    const code = await body(db, config);
    process.exitCode = code ?? 0;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`cakupan ${holder}: ${message}\n`);
    // expected errors are the message above; anything else is a bug: its stack goes to the log
    if (!isCakupanError(e) && !(e instanceof ConfigError)) logger.error({ err: e }, `cakupan ${holder} failed`);
    process.exitCode = 2;
  } finally {
    await db?.close();
  }
}
