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

  it("fails with the server's error when a row fails part way, and the connection goes on", async () => {
    const query = `SELECT n, 1 / (n - 20000) AS x FROM generate_series(1, 30000) AS n ORDER BY n`;
    await db.transaction(async (tx) => {
      await tx.exec('SAVEPOINT before_copy');
      let rows = 0;
      await expect(tx.copyOutBlocks(query, (b) => (rows += b.split('\n').length - 1))).rejects.toThrow(/division by zero/);
      expect(rows).toBeLessThan(20000);
      await tx.exec('ROLLBACK TO SAVEPOINT before_copy');
      expect(await tx.query('SELECT 41 + 1 AS n')).toEqual([{ n: 42 }]);
    });
  });

  it("fails with the consumer's error, and the transaction goes on", async () => {
    const query = `SELECT n, repeat('x', 100) FROM generate_series(1, 30000) AS n ORDER BY n`;
    await db.transaction(async (tx) => {
      let calls = 0;
      await expect(
        tx.copyOutBlocks(query, () => {
          calls++;
          throw new Error('a bad row');
        }),
      ).rejects.toThrow('a bad row');
      expect(calls).toBe(1);
      expect(await tx.query('SELECT 41 + 1 AS n')).toEqual([{ n: 42 }]);
      expect(await tx.copyOut('SELECT 7')).toBe('7\n');
    });
  });
});
