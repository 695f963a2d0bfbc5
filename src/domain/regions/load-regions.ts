import type { Sql } from '../../db/database.ts';
import { regions } from './regions.ts';

/** Upserts the region reference table; cheap and idempotent, run after migrations. */
export async function loadRegions(sql: Sql): Promise<number> {
  const rows = [...regions().values()].sort((a, b) => a.level.localeCompare(b.level) || a.code.localeCompare(b.code));
  // Provinces sort before regencies ("PROVINCE" < "REGENCY") so parents exist first.
  await sql.query(
    `INSERT INTO regions (code, name, level, parent_code, current_code)
     SELECT code, name, level, "parentCode", "currentCode"
       FROM jsonb_to_recordset($1::jsonb) AS r(code text, name text, level text, "parentCode" text, "currentCode" text)
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level,
       parent_code = EXCLUDED.parent_code, current_code = EXCLUDED.current_code`,
    [JSON.stringify(rows)],
  );
  return rows.length;
}
