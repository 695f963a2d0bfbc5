import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cellOf, GRAND_TOTAL, suppressionPattern, tableRelations, tableValues, type BaseCell } from '../../src/analytics/suppression.ts';
import { SEGMENTS, SPONSORS } from '../../src/domain/reference/vocabulary.ts';

// The suppression rule over one linked table (src/analytics/suppression.ts),
// checked on random tables against every relation the table has: no shown
// value is a small count, no shown total minus its shown parts is one, no
// single hidden part is left alone under a shown total, and no hidden total
// is the sum of shown parts.

const REGENCIES = ['3201', '3202', '3273', '3374', '3375', '9471'];
const relations = tableRelations();

/** Small counts are common (as in a small regency), zero more so. */
const count = fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.integer({ min: 1, max: 9 }) }, { weight: 2, arbitrary: fc.integer({ min: 10, max: 80 }) });
const table = fc.array(
  fc.record({ region: fc.constantFrom(...REGENCIES), segment: fc.constantFrom(...SEGMENTS), sponsor: fc.constantFrom(...SPONSORS), value: count }),
  { maxLength: 60 },
);

function violations(values: Float64Array, hidden: Uint8Array, k: number): string[] {
  const out: string[] = [];
  values.forEach((v, c) => {
    if (!hidden[c] && v >= 1 && v < k) out.push(`cell ${c} shows ${v}`);
  });
  for (const { total, parts } of relations) {
    const hiddenParts = parts.filter((c) => hidden[c] && values[c] > 0);
    if (!hidden[total]) {
      const remainder = values[total] - parts.filter((c) => !hidden[c]).reduce((s, c) => s + values[c], 0);
      if (remainder >= 1 && remainder < k) out.push(`total ${total} minus its shown parts is ${remainder}`);
      if (hiddenParts.length === 1) out.push(`part ${hiddenParts[0]} is the only hidden part of shown total ${total}`);
    } else if (values[total] > 0 && hiddenParts.length === 0) {
      out.push(`hidden total ${total} is the sum of its shown parts`);
    }
  }
  return out;
}

describe('suppression over a linked table', () => {
  it('sums the finest cells into every grain', () => {
    const values = tableValues([
      { region: '3201', segment: 'BPU', sponsor: 'SELF', value: 3 },
      { region: '3273', segment: 'PU', sponsor: 'EMPLOYER', value: 40 },
      { region: '3375', segment: 'BPU', sponsor: 'SELF', value: 5 },
    ]);
    expect(values[GRAND_TOTAL]).toBe(48);
    expect(values[cellOf('32', '', '')]).toBe(43);
    expect(values[cellOf('', 'BPU', '')]).toBe(8);
    expect(values[cellOf('32', 'BPU', 'SELF')]).toBe(3);
    expect(values[cellOf('3375', '', 'SELF')]).toBe(5);
  });

  it('hides a small count and enough of its neighbours that no subtraction gives it', () => {
    const base: BaseCell[] = [
      { region: '3201', segment: 'BPU', sponsor: 'SELF', value: 3 },
      { region: '3202', segment: 'BPU', sponsor: 'SELF', value: 25 },
      { region: '3273', segment: 'BPU', sponsor: 'SELF', value: 400 },
    ];
    const values = tableValues(base);
    const hidden = suppressionPattern(values, 10);
    expect(hidden[cellOf('3201', 'BPU', 'SELF')]).toBe(1);
    // the province shows 428: one more regency must be hidden, the smaller one
    expect(hidden[cellOf('3202', 'BPU', 'SELF')]).toBe(1);
    expect(hidden[cellOf('3273', 'BPU', 'SELF')]).toBe(0);
    expect(hidden[cellOf('32', '', '')]).toBe(0);
    expect(violations(values, hidden, 10)).toEqual([]);
    expect(suppressionPattern(values, 1).every((h) => h === 0)).toBe(true);
  });

  it('keeps every relation safe for random tables and thresholds, and hides the grand total only when it is small', () => {
    fc.assert(
      fc.property(table, fc.integer({ min: 2, max: 15 }), (base, k) => {
        const values = tableValues(base);
        const hidden = suppressionPattern(values, k);
        expect(violations(values, hidden, k)).toEqual([]);
        expect(hidden[GRAND_TOTAL] === 1).toBe(values[GRAND_TOTAL] >= 1 && values[GRAND_TOTAL] < k);
      }),
      { numRuns: 300, seed: 20261205 },
    );
  });

  it('depends on the counts alone, not on the order they come in', () => {
    fc.assert(
      fc.property(table, (base) => {
        const a = suppressionPattern(tableValues(base), 10);
        const b = suppressionPattern(tableValues([...base].reverse()), 10);
        expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
      }),
      { numRuns: 100, seed: 20261206 },
    );
  });
});
