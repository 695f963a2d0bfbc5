import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../support/server.ts';

// `npm start` (serve --demo on PGlite) killed while it loads the demo must not
// come back serving part of it: the next start resumes the load.
const BIN = path.resolve('bin/cakupan.js');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cakupan-demo-resume-'));
const env: NodeJS.ProcessEnv = { ...process.env, CAKUPAN_DATA_DIR: dataDir, CAKUPAN_LOG_LEVEL: 'warn' };
delete env.DATABASE_URL;
delete env.CAKUPAN_FAILPOINT;
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('an interrupted demo load (serve --demo, PGlite)', () => {
  it('is resumed on the next start, which serves the whole demo, and a later start loads nothing', async () => {
    // the demo's events, as the generator writes them
    const scenarioFile = path.join(dataDir, '..', `${path.basename(dataDir)}.ndjson`);
    const generated = spawnSync(process.execPath, [BIN, 'scenario', '--scale', '0.001', '--seed', '1', '--out', scenarioFile, '--no-progress'], { env, encoding: 'utf8' });
    expect(generated.status, generated.stderr).toBe(0);
    const events = readFileSync(scenarioFile, 'utf8').trim().split('\n').length;
    rmSync(scenarioFile);

    // killed (SIGKILL, no handler runs) after the third batch of the demo's import
    const killed = spawnSync(process.execPath, [BIN, 'serve', '--demo', '--port', '0'], { env: { ...env, CAKUPAN_FAILPOINT: 'import-after-batch:3' }, encoding: 'utf8', timeout: 240_000 });
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stderr).toContain('empty database: loading the reference scenario');
    expect(killed.stdout).not.toContain('cakupan is serving');

    const resumed = await startServer(['--demo'], env);
    try {
      const partAt = /the demo load was interrupted at log position (\d+): resuming it/.exec(resumed.output());
      expect(partAt, resumed.output()).not.toBeNull();
      expect(Number(partAt![1])).toBeGreaterThan(0);
      expect(Number(partAt![1])).toBeLessThan(events);
      expect(resumed.output()).toContain(`log head at position ${events}\n`);
    } finally {
      await resumed.stop();
    }

    const again = await startServer(['--demo'], env);
    try {
      expect(again.output()).not.toMatch(/loading the reference scenario|resuming/);
      expect(again.output()).toContain(`log head at position ${events}\n`);
    } finally {
      await again.stop();
    }
  });
});
