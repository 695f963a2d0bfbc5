import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { logger } from '../config/logger.ts';
import { CakupanError, ErrorCode } from '../domain/errors.ts';

// PGlite serves exactly one process per data directory; a second one would
// corrupt it. Whoever opens the directory holds this pid file until it closes.
export function lockDataDir(dataDir: string, holder: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'cakupan.lock');
  const mine = JSON.stringify({ pid: process.pid, holder });
  try {
    writeFileSync(file, mine, { flag: 'wx' });
  } catch {
    const other = readHolder(file);
    if (other && other.pid !== process.pid && isAlive(other.pid)) {
      throw new CakupanError(
        ErrorCode.UNAVAILABLE,
        `the data directory ${dataDir} is in use by "cakupan ${other.holder}" (pid ${other.pid}); ` +
          'send work to that server over HTTP (the appendEvents mutation), or stop it first',
      );
    }
    if (other) logger.warn({ pid: other.pid, holder: other.holder, lock: file }, `taking over a stale lock: "cakupan ${other.holder}" (pid ${other.pid}) is gone`);
    writeFileSync(file, mine); // stale lock from a process that died
  }
  return () => {
    try {
      if (readHolder(file)?.pid === process.pid) unlinkSync(file);
    } catch {
      /* already gone */
    }
  };
}

function readHolder(file: string): { pid: number; holder: string } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
