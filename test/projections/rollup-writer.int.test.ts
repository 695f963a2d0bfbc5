import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cells } from '../../src/projections/cells.ts';
import { ChangeSet, type Change } from '../../src/projections/changes.ts';
import { jakartaMonth } from '../../src/projections/log-event.ts';
import { RollupWriter } from '../../src/projections/rollup-writer.ts';
import { freshDatabase } from '../support/database.ts';

// The roll-up writer against a plain oracle: random movements (many keys, so
// its table grows past its first size; recorded instants that repeat and go
// back, as a writer fed in two passes sees them) written in one batch, then
// read back from the three tables and the batch's changes.
const movement = fc.record({
  day: fc.integer({ min: 0, max: 1000 }),
  region: fc.constantFrom('3375', '3376', '1771', '9471'),
  program: fc.constantFrom('', 'JKK', 'JHT'),
  instant: fc.integer({ min: 0, max: 4 }),
  a: fc.integer({ min: -1, max: 1 }),
  b: fc.integer({ min: 0, max: 1 }),
  c: fc.integer({ min: -1, max: 1 }),
});
// recorded instants across two Jakarta months (the vintages), one at a month's first Jakarta hour
const INSTANTS = ['2024-01-31T16:59:59.000Z', '2024-01-31T17:00:00.000Z', '2024-02-10T03:00:00.123Z', '2024-02-10T03:00:00.124Z', '2024-03-01T00:00:00.000Z'].map((t) => Date.parse(t));

const sum = (map: Map<string, number[]>, key: string, xs: number[]) => {
  const s = map.get(key) ?? [0, 0, 0];
  map.set(
    key,
    s.map((v, i) => v + xs[i]),
  );
};
const nonZero = (map: Map<string, number[]>) => new Map([...map].filter(([, s]) => s.some((v) => v !== 0)));

describe('RollupWriter', () => {
  it('writes the sums per day, per vintage and per recorded instant that a plain sum gives, and hands the day sums to the cubes', async () => {
    const db = await freshDatabase();
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(movement, { minLength: 1, maxLength: 6000, size: 'max' }), fc.boolean(), async (moves, fresh) => {
          const days = new Map<string, number[]>();
          const vintages = new Map<string, number[]>();
          const recorded = new Map<string, number[]>();
          const changed = new Map<string, number[]>();
          await db.transaction(async (tx) => {
            await tx.exec('TRUNCATE coverage_days, coverage_vintages, coverage_recorded, rollup_cells');
            const cells = await Cells.load(tx);
            const changes = new ChangeSet();
            // sized for one key: every batch here grows the table
            const writer = new RollupWriter('coverage', { fresh, cells, changes }, 1);
            for (const m of moves) {
              const eff = new Date(Date.UTC(2015, 0, 1) + m.day * 86_400_000).toISOString().slice(0, 10);
              const rec = INSTANTS[m.instant];
              const xs = [m.a, m.b, m.c];
              writer.add(eff, m.region, rec, [m.program, 'PU', 'EMPLOYER'], xs);
              const vintage = jakartaMonth(new Date(rec)).month;
              sum(days, `${m.region}|${m.program}|${eff}`, xs);
              sum(vintages, `${m.region.slice(0, 2)}|${m.program}|${eff.slice(0, 7)}-01|${vintage}`, xs);
              sum(recorded, `${m.region}|${m.program}|${eff}|${rec}`, xs);
            }
            await writer.flush(tx);
            await cells.flush(tx);
            changes.forEach((c: Change) => sum(changed, `${c.region}|${c.dims[0]}|${c.eff}`, c.sums));
          });
          const read = async (sql: string, key: (r: Record<string, string | number>) => string) => {
            const out = new Map<string, number[]>();
            for (const r of await db.query<Record<string, string | number>>(sql)) sum(out, key(r), [Number(r.enrolments), Number(r.lapses), Number(r.delta)]);
            return nonZero(out);
          };
          const of = (t: string) => `${t} f JOIN rollup_cells c ON c.id = f.cell`;
          expect(await read(`SELECT c.region, c.program, f.eff, f.enrolments, f.lapses, f.delta FROM ${of('coverage_days')}`, (r) => `${r.region}|${r.program}|${r.eff}`)).toEqual(
            nonZero(days),
          );
          expect(
            await read(`SELECT c.region, c.program, f.month, f.vintage, f.enrolments, f.lapses, f.delta FROM ${of('coverage_vintages')}`, (r) => `${r.region}|${r.program}|${r.month}|${r.vintage}`),
          ).toEqual(nonZero(vintages));
          expect(
            await read(
              `SELECT c.region, c.program, f.eff, round(extract(epoch FROM f.rec) * 1000)::int8 AS rec, f.enrolments, f.lapses, f.delta FROM ${of('coverage_recorded')}`,
              (r) => `${r.region}|${r.program}|${r.eff}|${r.rec}`,
            ),
          ).toEqual(nonZero(recorded));
          expect(nonZero(changed)).toEqual(nonZero(days));
          // the day rows reach the cubes in key order (cell, then day)
          const ids = new Map((await db.query<{ id: number; region: string; program: string }>('SELECT id, region, program FROM rollup_cells')).map((r) => [`${r.region}|${r.program}`, r.id]));
          let prev = '';
          for (const k of changed.keys()) {
            const [region, program, eff] = k.split('|');
            const key = `${String(ids.get(`${region}|${program}`)).padStart(8, '0')}|${eff}`;
            expect(key > prev).toBe(true);
            prev = key;
          }
        }),
        { numRuns: 10 },
      );
    } finally {
      await db.dropDatabase();
    }
  });
});
