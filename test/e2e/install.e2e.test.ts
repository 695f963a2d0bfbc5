import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// `npm ci` runs @prisma/client's postinstall, which runs `prisma -v`, which
// asks prisma.config.ts for its adapter. That opened the PGlite data
// directory; where one existed already (a second `npm ci`, or one after
// `npm start`), `prisma -v` never exited and the install hung.
const PRISMA = path.resolve('node_modules/prisma/build/index.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'cakupan-install-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const prismaVersion = (dataDir: string) => {
  const env: NodeJS.ProcessEnv = { ...process.env, CAKUPAN_DATA_DIR: dataDir, npm_lifecycle_event: 'postinstall' };
  delete env.DATABASE_URL;
  return spawnSync(process.execPath, [PRISMA, '-v'], { env, encoding: 'utf8', timeout: 60_000 });
};

describe('prisma -v under an npm install script', () => {
  it('exits without creating the service data directory', () => {
    const dataDir = path.join(dir, 'none');
    const r = prismaVersion(dataDir);
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/prisma\s+: 6\./);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('exits and leaves an existing data directory as it was', () => {
    const dataDir = path.join(dir, 'existing');
    mkdirSync(dataDir);
    writeFileSync(path.join(dataDir, 'marker'), 'x');
    const r = prismaVersion(dataDir);
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(dataDir)).toEqual(['marker']);
  });
});
