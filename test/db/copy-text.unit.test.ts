import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CopyFields, copyField, copyLines, copyValue } from '../../src/db/copy-text.ts';

describe("COPY's text format", () => {
  it('reads back every row of fields as written, escapes, NULLs, empty fields and JSON included', () => {
    const field = fc.oneof(fc.string(), fc.constant(null), fc.json(), fc.constantFrom('\\', '\t', '\n', '\r', '\\N', '', 'a\\tb'));
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 6 }), { maxLength: 20 }), (rows) => {
        const text = rows.map((r) => r.map(copyField).join('\t') + '\n').join('');
        expect([...copyLines(text)].map((fields) => fields.map(copyValue))).toEqual(rows);
      }),
    );
  });

  it('reads the same fields field by field, a row at a time, as copyLines splits them', () => {
    const field = fc.oneof(fc.string(), fc.constant(null), fc.json(), fc.constantFrom('\\', '\t', '\n', '\r', '\\N', '', 'a\\tb'));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.array(field, { minLength: 6, maxLength: 6 }), { maxLength: 20 }), (width, wide) => {
        const rows = wide.map((r) => r.slice(0, width));
        const text = rows.map((r) => r.map(copyField).join('\t') + '\n').join('');
        const f = new CopyFields(text);
        const read: string[][] = [];
        while (!f.done) read.push(Array.from({ length: width }, (_, k) => (k < width - 1 ? f.field() : f.last())));
        expect(read).toEqual([...copyLines(text)]);
      }),
    );
  });
});
