import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { templateFile, templateFileFor } from '../../src/db/pglite-template.ts';

// Which data directories start from the template (the e2e CLI test opens one for real).
const root = mkdtempSync(path.join(os.tmpdir(), 'cakupan-template-'));
const cache = path.join(root, 'cache');
const dir = (name: string, files: string[] = []) => {
  const d = path.join(root, name);
  mkdirSync(d, { recursive: true });
  for (const f of files) writeFileSync(path.join(d, f), '');
  return d;
};
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('templateFileFor', () => {
  it('is nothing while no template has been made', () => {
    expect(templateFileFor(path.join(root, 'missing'), cache)).toBeUndefined();
  });

  it('names the template for a directory without a cluster: missing, empty, or holding only the data-dir lock', () => {
    mkdirSync(cache, { recursive: true });
    writeFileSync(templateFile(cache), 'tarball');
    expect(templateFile(cache)).toMatch(/pglite-\d+\.\d+\.\d+[^/]*-cluster\.tar\.gz$/);
    expect(templateFileFor(path.join(root, 'missing'), cache)).toBe(templateFile(cache));
    expect(templateFileFor(dir('empty'), cache)).toBe(templateFile(cache));
    expect(templateFileFor(dir('locked', ['cakupan.lock']), cache)).toBe(templateFile(cache));
  });

  it('leaves alone a directory that holds anything else, and memory', () => {
    expect(templateFileFor(dir('cluster', ['cakupan.lock', 'PG_VERSION']), cache)).toBeUndefined();
    expect(templateFileFor(dir('other', ['notes.txt']), cache)).toBeUndefined();
    expect(templateFileFor('memory://', cache)).toBeUndefined();
    expect(templateFileFor(undefined, cache)).toBeUndefined();
  });
});
