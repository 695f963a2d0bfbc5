import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { LEGACY_REGENCY_CODES } from './legacy-codes.ts';

export type RegionLevel = 'PROVINCE' | 'REGENCY';
export type RegionRecord = {
  code: string;
  name: string;
  level: RegionLevel;
  parentCode: string | null;
  /** Set on legacy codes only: the current code of the same regency. */
  currentCode: string | null;
};

// Provinces and regencies/cities from the idn-area-data package (data © its
// contributors, ODbL). Codes lose their dot: "33.75" becomes "3375".
function readCsv(file: string): Record<string, string>[] {
  const require = createRequire(import.meta.url);
  const dir = path.join(path.dirname(require.resolve('idn-area-data/package.json')), 'data');
  return parse(readFileSync(path.join(dir, file)), { columns: true, skip_empty_lines: true });
}

function load(): Map<string, RegionRecord> {
  const map = new Map<string, RegionRecord>();
  for (const p of readCsv('provinces.csv')) {
    map.set(p.code, { code: p.code, name: p.name, level: 'PROVINCE', parentCode: null, currentCode: null });
  }
  for (const r of readCsv('regencies.csv')) {
    const code = r.code.replace('.', '');
    map.set(code, { code, name: r.name, level: 'REGENCY', parentCode: r.province_code, currentCode: null });
  }
  for (const [old, current] of Object.entries(LEGACY_REGENCY_CODES)) {
    if (map.has(old)) continue; // reused code: the current meaning wins
    const now = map.get(current);
    if (!now) throw new Error(`legacy region ${old} maps to unknown ${current}`);
    map.set(old, { ...now, code: old, name: `${now.name} (kode lama)`, currentCode: current });
  }
  return map;
}

let cache: Map<string, RegionRecord> | undefined;
export function regions(): Map<string, RegionRecord> {
  return (cache ??= load());
}

/** Current regency code for a 4-digit code, mapping legacy codes; undefined if unknown. */
export function currentRegencyCode(code: string): string | undefined {
  const r = regions().get(code);
  if (!r || r.level !== 'REGENCY') return undefined;
  return r.currentCode ?? r.code;
}

/** True for any code a NIK may start with: current or pre-split regency codes. */
export function isKnownNikRegion(code: string): boolean {
  return regions().get(code)?.level === 'REGENCY' || code in LEGACY_REGENCY_CODES;
}

export function isProvinceCode(code: string): boolean {
  return regions().get(code)?.level === 'PROVINCE';
}

export function provinceOf(regencyCode: string): string {
  return regencyCode.slice(0, 2);
}
