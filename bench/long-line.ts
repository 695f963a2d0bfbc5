// One very long import line: how the import's time grows with its length.
// Usage: tsx bench/long-line.ts [MB ...] (default 25 50 100)
//
// For each size, a file of three lines (an employer, one line of S MB, an
// employer) is imported on an in-memory PGlite twice: with the default bound
// (CAKUPAN_IMPORT_MAX_LINE_KB, 4 MiB: the long line is refused and read past)
// and with the bound raised above S (the line is read whole and parsed; its
// 'name' then fails the field's length rule). Linear cost: seconds per MB
// stay flat as S doubles. The ceiling printed is one read of the file
// (fs.readFileSync), the least any import of it can cost.
import { readFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config/config.ts';
import { openPglite } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { importFile } from '../src/importer/import-file.ts';

const sizes = (process.argv.slice(2).length ? process.argv.slice(2) : ['25', '50', '100']).map(Number);
const config = loadConfig({ ...process.env, CAKUPAN_PSEUDONYM_SECRET: 'bench-secret-0123456789' });
mkdirSync('.bench', { recursive: true });
const employer = (n: number, name: string) =>
  JSON.stringify({ eventId: `5e0c7f3a-2b1d-4c43-9a52-10000000000${n}`, type: 'EmployerRegistered', effectiveOn: '2014-01-02', data: { npp: `2708134${n}`, name, regionCode: '3171', sizeClass: 'MIKRO' } });

console.log('size    read once   default bound (refused)   bound above the line (parsed)');
for (const mb of sizes) {
  const file = path.resolve(`.bench/long-line-${mb}.ndjson`);
  writeFileSync(file, [employer(1, 'PT Satu'), employer(2, 'x'.repeat(mb * 1024 * 1024)), employer(3, 'PT Tiga')].join('\n') + '\n');
  const t0 = performance.now();
  readFileSync(file);
  const readMs = performance.now() - t0;
  const timed = async (maxLineBytes?: number) => {
    const db = await openPglite();
    await migrate(db);
    const started = performance.now();
    const r = await importFile(db, config, file, { maxLineBytes, parseWorkers: 0 });
    const ms = performance.now() - started;
    await db.close();
    if (r.rejected !== 1 || r.rejects[0].line !== 2) throw new Error(`expected line 2 alone refused, got ${JSON.stringify(r.rejects)}`);
    return ms;
  };
  const refused = await timed();
  const parsed = await timed((mb + 1) * 1024 * 1024);
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s (${(ms / mb).toFixed(0)} ms/MB)`;
  console.log(`${String(mb).padStart(3)} MB  ${(readMs / 1000).toFixed(2)} s      ${s(refused).padEnd(26)}${s(parsed)}`);
  rmSync(file);
}
