import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CopyBinary, epochDay } from '../../src/db/copy-binary.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';

// Rows written in COPY's binary format read back as the values written, on
// the engine under test (the projection writes its roll-ups this way).
describe("COPY's binary format", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
    await db.exec('CREATE TABLE bin_rows (i int4, s int2, b bool, d date, t timestamptz(3), x text)');
  });
  afterAll(() => db?.dropDatabase());

  const day = fc.integer({ min: -700_000, max: 2_900_000 }); // 0053 .. 9909
  const row = fc.record({
    i: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    s: fc.integer({ min: -(2 ** 15), max: 2 ** 15 - 1 }),
    b: fc.boolean(),
    d: day,
    t: fc.integer({ min: -62_000_000_000_000, max: 250_000_000_000_000 }),
    x: fc.string({ unit: 'grapheme', maxLength: 12 }).filter((x) => !x.includes('\0')),
  });

  it('reads back integers, booleans, dates (before 1970 and 2000 too), millisecond instants and UTF-8 text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 30 }), async (rows) => {
        await db.exec('TRUNCATE bin_rows');
        const out = new CopyBinary(16);
        for (const r of rows) out.row(6).int4(r.i).int2(r.s).bool(r.b).date(r.d).timestamptz(r.t).text(r.x);
        await db.copyIn('bin_rows', ['i', 's', 'b', 'd', 't', 'x'], out);
        const back = await db.query<{ n: number; i: number; s: number; b: boolean; d: string; t: number; x: string }>(
          `SELECT row_number() OVER () AS n, i, s, b, to_char(d, 'YYYY-MM-DD') AS d, (extract(epoch FROM t) * 1000)::float8 AS t, x FROM bin_rows`,
        );
        expect(back.map((r) => ({ i: r.i, s: r.s, b: r.b, d: epochDay(r.d), t: Math.round(r.t), x: r.x }))).toEqual(rows);
      }),
      { numRuns: 40 },
    );
  });

  it('streams rows in chunks, and a COPY given up leaves nothing and the connection usable', async () => {
    await db.exec('TRUNCATE bin_rows');
    await db.transaction(async (tx) => {
      const out = new CopyBinary(64);
      const copy = tx.copyInStream('bin_rows', ['i', 'x']);
      for (let i = 0; i < 5000; i++) {
        out.row(2).int4(i).text(`row ${i}`);
        if (out.pending > 4096) copy.write(out.take());
      }
      await copy.end(out.bytes);
    });
    const [sum] = await db.query<{ n: number; s: number; x: string }>(`SELECT count(*)::int AS n, sum(i)::int AS s, max(x) FILTER (WHERE i = 4321) AS x FROM bin_rows`);
    expect(sum).toEqual({ n: 5000, s: (4999 * 5000) / 2, x: 'row 4321' });

    const failed = db.transaction(async (tx) => {
      await tx.query('INSERT INTO bin_rows (i) VALUES (-1)');
      const out = new CopyBinary();
      const copy = tx.copyInStream('bin_rows', ['i']);
      out.row(1).int4(-7);
      copy.write(out.take());
      await copy.abort();
      throw new Error('the fold failed');
    });
    await expect(failed).rejects.toThrow('the fold failed');
    const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM bin_rows WHERE i IN (-1, -7)');
    expect(n).toBe(0);
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('writes uuids from the hex digits of a worker stream id, and refuses an id that is not one', async () => {
    await db.exec('CREATE TABLE IF NOT EXISTS bin_uuids (n int4, u uuid)');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { maxLength: 20 }), fc.boolean(), async (keys, upper) => {
        await db.exec('TRUNCATE bin_uuids');
        const hex = keys.map((k) => Buffer.from(k).toString('hex')).map((h) => (upper ? h.toUpperCase() : h));
        const out = new CopyBinary(16);
        hex.forEach((h, n) => out.row(2).int4(n).uuidHex(`worker-${h}`, 7));
        await db.copyIn('bin_uuids', ['n', 'u'], out);
        const back = await db.query<{ h: string }>(`SELECT replace(u::text, '-', '') AS h FROM bin_uuids ORDER BY n`);
        expect(back.map((r) => r.h)).toEqual(hex.map((h) => h.toLowerCase()));
      }),
      { numRuns: 20 },
    );
    const good = 'worker-0000fe678d96b040e369c319b4122e89';
    for (const bad of ['worker-0000fe678d96b040e369c319b4122e8g', 'worker-0000fe678d96b040e369c319b4122e8', 'worker-0000fe678d96b040e369c319b4122e8\u00e9', 'employer-11000001'])
      expect(() => new CopyBinary().row(1).uuidHex(bad, 7)).toThrow(/not a uuid in 32 hexadecimal digits/);
    expect(() => new CopyBinary().row(1).uuidHex(good, 7)).not.toThrow();
  });

  it('agrees with the text dates it replaces', () => {
    expect(epochDay('1970-01-01')).toBe(0);
    expect(epochDay('2000-01-01')).toBe(10_957);
    expect(epochDay('1900-03-01')).toBe(-25_508);
  });
});
