import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The real `cakupan` command as a process, on a fresh PGlite directory.
const BIN = path.resolve('bin/cakupan.js');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cakupan-e2e-'));
// (disclosure control off: these histories hold a handful of workers, and the checks are of raw counts)
const env = { ...process.env, CAKUPAN_DATA_DIR: dataDir, CAKUPAN_PSEUDONYM_SECRET: 'e2e-secret-0123456789', CAKUPAN_LOG_LEVEL: 'warn', DATABASE_URL: '', CAKUPAN_MIN_CELL: '1' };
delete (env as Record<string, string | undefined>).DATABASE_URL;
const otherDir = mkdtempSync(path.join(os.tmpdir(), 'cakupan-e2e-'));
const cakupanIn = (dir: string, ...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { env: { ...env, CAKUPAN_DATA_DIR: dir }, encoding: 'utf8', timeout: 120_000 });
const cakupan = (...args: string[]) => cakupanIn(dataDir, ...args);

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(otherDir, { recursive: true, force: true });
});

describe('cakupan import (process)', () => {
  it('imports the sample, exits 0, and a re-run appends nothing', () => {
    const first = cakupan('import', path.resolve('test/fixtures/events.sample.ndjson'), '--rejects', path.join(dataDir, 'r1.ndjson'));
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^11 lines: 11 appended, 0 already in the log, 0 rejected/);
    const second = cakupan('import', path.resolve('test/fixtures/events.sample.ndjson'), '--rejects', path.join(dataDir, 'r2.ndjson'));
    expect(second.stdout).toMatch(/^11 lines: 0 appended, 11 already in the log, 0 rejected/);
  });

  it('exits 1 on bad lines, printing line, field and reason, and writes the rejects file', () => {
    const rejects = path.join(dataDir, 'bad.rejects.ndjson');
    const r = cakupanIn(otherDir, 'import', path.resolve('test/fixtures/bad-events.ndjson'), '--rejects', rejects);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('line 6: DOMAIN_RULE data.programs: JP not available to segment BPU');
    expect(r.stdout).toContain('line 8: VALIDATION data.regionCode: is not a known regency/city code');
    expect(r.stdout).toMatch(/^13 lines: 3 appended, 0 already in the log, 9 rejected/);
    expect(readFileSync(rejects, 'utf8').trim().split('\n')).toHaveLength(9);
  });

  it('exits 2 with a clear message for a missing file', () => {
    const r = cakupan('import', '/nonexistent.ndjson');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no such file: /nonexistent.ndjson');
  });
});

describe('cakupan verify, rebuild and keys (process)', () => {
  it('verifies the chain, rebuilds with digests, and creates a key shown once', () => {
    const v = cakupan('verify');
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^hash chain intact: 11 events checked in [\d.]+ s; head 11 [0-9a-f]{64}/);
    const r = cakupan('rebuild');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/rebuilt read models to position 11 .*\n {2}participants {2}[0-9a-f]{32}:/);
    const k = cakupan('keys', 'create', '--role', 'auditor', '--name', 'e2e');
    expect(k.stdout).toMatch(/^created AUDITOR key [0-9a-f-]{36} \(e2e\); it is shown only once:\nck_[\w-]{32}\n$/);
    expect(cakupan('keys', 'create', '--role', 'emperor').stderr).toContain('role: must be one of ANALYST, AUDITOR, WRITER, ADMIN');
  });

  it('lists keys without the keys, and revokes one by id', () => {
    const created = cakupan('keys', 'create', '--role', 'analyst', '--name', 'bi-desk', '--expires-in-days', '30');
    expect(created.status).toBe(0);
    const [, id] = /^created ANALYST key ([0-9a-f-]{36}) \(bi-desk, expires \d{4}-\d\d-\d\dT[\d:.]+Z\)/.exec(created.stdout)!;
    const listed = cakupan('keys', 'list');
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${id}  ANALYST  active until \\S+ +created \\S+  bi-desk$`, 'm'));
    expect(listed.stdout).not.toContain('ck_');
    const revoked = cakupan('keys', 'revoke', id);
    expect(revoked.stdout).toMatch(new RegExp(`^revoked ANALYST key ${id} \\(bi-desk\\) at \\S+: refused from the next request on`));
    expect(cakupan('keys', 'list').stdout).toMatch(new RegExp(`^${id}  ANALYST  revoked `, 'm'));
    const unknown = cakupan('keys', 'revoke', '00000000-0000-4000-8000-000000000000');
    expect([unknown.status, unknown.stderr]).toEqual([2, 'cakupan keys: API key 00000000-0000-4000-8000-000000000000 not found\n']);
    expect(cakupan('keys', 'revoke', 'nope').stderr).toContain('id: must be a key id');
  });
});

describe('cakupan serve (process)', () => {
  it('serves GraphQL over HTTP and holds the data directory against other commands', async () => {
    const server = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout.on('data', (d) => {
          out += d;
          const m = /GraphQL and GraphiQL: (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]);
        });
        server.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      });
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ coverageAt(measure: ACTIVE_PARTICIPANTS, date: "2013-01-31", groupBy: [SEGMENT]) { segment value } }' }),
      });
      // the sample's PU worker enrolled 2013-01-15; its BPU workers start later, so no BPU group yet
      expect(await res.json()).toEqual({ data: { coverageAt: [{ segment: 'PU', value: 1 }] } });
      const blocked = cakupan('import', path.resolve('test/fixtures/events.sample.ndjson'));
      expect(blocked.status).toBe(2);
      expect(blocked.stderr).toMatch(/is in use by "cakupan serve" \(pid \d+\)/);
    } finally {
      server.kill('SIGTERM');
    }
  });
});

describe('cakupan scenario (process)', () => {
  it('writes the same bytes through a pipe as to --out, and again on a second run', () => {
    const file = path.join(dataDir, 'scenario.ndjson');
    const piped = path.join(dataDir, 'scenario-piped.ndjson');
    const out = cakupan('scenario', '--scale', '0.0002', '--seed', '5', '--out', file);
    expect(out.status).toBe(0);
    expect(out.stderr).toMatch(/^\d+ events \(WorkforceEstimated \d+, .*\) for 514 regencies\/cities, effective 2008-01-01 to 2026-10-31 written to /m);
    // a real pipe: the reader is slower than the writer, so writes are partial or EAGAIN
    const shell = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" scenario --scale 0.0002 --seed 5 | (sleep 1; cat) > "${piped}"`], { env, encoding: 'utf8' });
    expect(shell.status).toBe(0);
    expect(readFileSync(piped).equals(readFileSync(file))).toBe(true);
    expect(cakupan('scenario', '--scale', '0.0002', '--seed', '5', '--out', piped).status).toBe(0);
    expect(readFileSync(piped).equals(readFileSync(file))).toBe(true);
  });

  it('exits 2 naming the option for a bad scale or region', () => {
    expect(cakupan('scenario', '--scale', '2').stderr).toContain("option '--scale <s>' argument '2' is invalid");
    expect(cakupan('scenario', '--scale', '2').status).toBe(2);
    const r = cakupan('scenario', '--region', '9999');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--region: "9999" is not a known province');
  });
});

describe('cakupan pglite-template (process)', () => {
  it('writes the initialised cluster a new data directory then starts from, which holds and keeps data', () => {
    const made = cakupan('pglite-template');
    expect(made.status).toBe(0);
    const file = /template written to (\S+) /.exec(made.stdout)?.[1];
    expect(file).toMatch(/node_modules\/\.cache\/cakupan\/pglite-[\d.]+-cluster\.tar\.gz$/);
    expect(statSync(file!).size).toBeGreaterThan(100_000);

    const fresh = mkdtempSync(path.join(os.tmpdir(), 'cakupan-e2e-'));
    try {
      const opened = spawnSync(process.execPath, [BIN, 'import', path.resolve('test/fixtures/events.sample.ndjson'), '--rejects', path.join(os.tmpdir(), `rj-${process.pid}.ndjson`)], {
        env: { ...env, CAKUPAN_DATA_DIR: fresh, CAKUPAN_LOG_LEVEL: 'debug', CAKUPAN_LOG_FORMAT: 'json' },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(opened.status).toBe(0);
      expect(opened.stdout + opened.stderr).toContain('opened PGlite (a new directory, filled from the template)');
      expect(opened.stdout).toMatch(/11 lines: 11 appended/);
      // reopened as an existing cluster: the log is there and its chain holds
      const v = cakupanIn(fresh, 'verify');
      expect(v.stdout + v.stderr).not.toContain('filled from the template');
      expect(v.stdout).toMatch(/^hash chain intact: 11 events checked/);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
