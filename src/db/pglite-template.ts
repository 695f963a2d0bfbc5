// A new PGlite data directory starts as a copy of an initialised cluster
// instead of running initdb. initdb inside PGlite's WebAssembly takes 2.5-5 s
// on a 2-core machine (half of a first start's wait before the demo loads);
// filling the directory from PGlite's own dump of a fresh cluster takes about
// 1 s. The template is made once per installed PGlite version (by `npm ci`,
// through the postinstall script, or by `cakupan pglite-template`) and kept
// where npm tools keep caches, node_modules/.cache. Without it a new
// directory is initialised as before.
import { PGlite } from '@electric-sql/pglite';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed PGlite's version (its package.json is not among its exports: found from its entry point). */
const PGLITE_VERSION: string = (() => {
  for (let dir = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
  }
  throw new Error('cannot find the version of @electric-sql/pglite');
})();
const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/cakupan', import.meta.url));

/** Where this PGlite version's template is kept. */
export const templateFile = (dir = CACHE_DIR): string => path.join(dir, `pglite-${PGLITE_VERSION}-cluster.tar.gz`);

/** Files a data directory may hold before its cluster exists (the data-dir lock is taken first). */
const BEFORE_CLUSTER = new Set(['cakupan.lock']);

/**
 * The template's path, when `dataDir` (a path, not `memory://`) has no
 * cluster yet and a template of this PGlite version exists; otherwise
 * undefined (PGlite opens or initialises the directory itself).
 */
export function templateFileFor(dataDir: string | undefined, dir = CACHE_DIR): string | undefined {
  if (!dataDir || dataDir.includes('://')) return undefined;
  if (existsSync(dataDir) && readdirSync(dataDir).some((f) => !BEFORE_CLUSTER.has(f))) return undefined;
  const file = templateFile(dir);
  return existsSync(file) ? file : undefined;
}

/** Initialises a cluster in memory and keeps its dump as the template (written whole or not at all). Returns its path. */
export async function writeTemplate(dir = CACHE_DIR): Promise<string> {
  const db = await PGlite.create('memory://');
  try {
    const dump = await db.dumpDataDir('gzip');
    mkdirSync(dir, { recursive: true });
    const file = templateFile(dir);
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, file);
    return file;
  } finally {
    await db.close();
  }
}

/** `cakupan pglite-template`: makes (or remakes) the template and says where it is. */
export async function templateCommand(): Promise<void> {
  const started = performance.now();
  const file = await writeTemplate();
  console.log(`PGlite ${PGLITE_VERSION} template written to ${file} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
