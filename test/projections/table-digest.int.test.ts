import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableDigest } from '../../src/projections/projection.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';

// A read model's digest is md5 over its rows' text in order, joined by
// newlines: what `md5(string_agg(t::text, E'\n' ORDER BY …))` computes in the
// database (while the text stays under 1 GB), hashed as the rows stream out.
describe('tableDigest', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
    // text that the record output quotes and COPY escapes: backslashes, tabs, newlines, quotes, commas, multi-byte characters, NULLs
    await db.exec(`CREATE TEMP TABLE digested AS
      SELECT n, CASE n % 6 WHEN 0 THEN 'plain ' || n WHEN 1 THEN E'back\\\\slash\\t' || n WHEN 2 THEN E'line\\nbreak "quoted", ' || n
                          WHEN 3 THEN 'Bahasa Indonésia — 日本 ' || n WHEN 4 THEN NULL ELSE repeat('x', n % 97) END AS label, (n * 7919) % 1000 AS k
        FROM generate_series(1, 40000) AS n`);
  });
  afterAll(() => db?.dropDatabase());

  const inDatabase = async (where: string) =>
    (await db.query<{ d: string }>(`SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY k, n), '')) AS d FROM (SELECT * FROM digested WHERE ${where}) t`))[0].d;

  it('equals the digest aggregated in the database, over many blocks and over escapes', async () => {
    for (const where of ['true', 'n % 6 = 1', 'n % 6 <> 1 AND n % 6 <> 2', 'n = 2', 'false']) {
      expect(await tableDigest(db, 'digested', 'k, n', where), where).toBe(await inDatabase(where));
    }
    // the order is part of it
    expect(await tableDigest(db, 'digested', 'n, k')).not.toBe(await inDatabase('true'));
    // an empty table's digest is md5 of nothing
    expect(await tableDigest(db, 'digested', 'k, n', 'false')).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });
});
