import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/database.ts';

// A large read handed over block by block, as the projection reads the log:
// whole lines only, multi-byte characters never cut, the same text in all.
describe('COPY out in blocks', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db?.dropDatabase());

  it('hands over whole lines that add up to the rows, as copyOut gives them', async () => {
    const query = `SELECT n, repeat('Bahasa Indonésia — 日本 ', 1 + n % 7) || n AS t FROM generate_series(1, 30000) AS n ORDER BY n`;
    const blocks: string[] = [];
    await db.copyOutBlocks(query, (b) => blocks.push(b));
    const whole = (await db.query<{ n: number; t: string }>(query)).map((r) => `${r.n}\t${r.t}\n`).join('');
    expect(await db.copyOut(query)).toBe(whole);
    expect(whole.length).toBeGreaterThan(1_000_000);
    if (db.engine === 'postgres') expect(blocks.length).toBeGreaterThan(3);
    for (const b of blocks) expect(b.endsWith('\n')).toBe(true);
    expect(blocks.join('')).toBe(whole);
    expect(blocks.join('').includes('\uFFFD')).toBe(false);
  });
});
