import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CopyRows } from '../../src/db/copy-text.ts';
import { decodeResults, encodeResult, type LineResult } from '../../src/importer/parse-lines.ts';

// Any UTF-16 code units: tabs, newlines, backslashes and "\N" included.
const text = fc.string({ unit: 'binary' });

const eventResult = fc.record({
  line: fc.nat(),
  event: fc.record({ eventId: text, type: text, effectiveOn: text, streamId: text, regionCode: fc.option(text), data: fc.dictionary(text, fc.jsonValue()) }),
});
const rejectResult = fc.nat().chain((line) =>
  fc.record({
    line: fc.constant(line),
    reject: fc.record({ line: fc.constant(line), eventId: fc.option(text, { nil: undefined }), type: fc.option(text, { nil: undefined }), code: text, errors: fc.array(fc.record({ field: text, reason: text })) }),
  }),
);

describe('parse results between threads', () => {
  it('decode(encode(each result)) gives the results back, data and its canonical JSON included', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(eventResult, rejectResult), { maxLength: 20 }), (generated) => {
        const results = generated.map((r) =>
          'event' in r ? { line: r.line, event: { ...r.event, dataJson: JSON.stringify(r.event.data) } } : r,
        ) as unknown as LineResult[];
        const out = new CopyRows(0);
        for (const r of results) encodeResult(r, out);
        const back = decodeResults(out.bytes);
        expect(back).toEqual(JSON.parse(JSON.stringify(results)));
      }),
      { numRuns: 500 },
    );
  });
});
