import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyField, copyLines, copyValue } from '../../src/db/copy-text.ts';

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
});
