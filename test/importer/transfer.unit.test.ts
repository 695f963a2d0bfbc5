import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CopyRows } from '../../src/db/copy-text.ts';
import { SCHEMA_VERSION } from '../../src/eventstore/hash.ts';
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
        // What decoding adds: where a plain line's COPY fields are (checked below).
        const stripped = back.map((r) => (r.event ? { ...r, event: { ...r.event, row: undefined, rowStart: undefined, rowEnd: undefined } } : r));
        expect(stripped).toEqual(JSON.parse(JSON.stringify(results)));
      }),
      { numRuns: 500 },
    );
  });

  it("a plain line's row bytes are its COPY fields from stream_id to effective_on, whatever came before it in the block", () => {
    const plain = fc.stringMatching(/^[a-z0-9-]{1,20}$/);
    const plainEvent = fc.record({
      line: fc.nat(),
      event: fc.record({ eventId: plain, type: plain, effectiveOn: plain, streamId: plain, regionCode: fc.option(plain), data: fc.dictionary(plain, plain) }),
    });
    fc.assert(
      fc.property(fc.array(fc.oneof(plainEvent, eventResult, rejectResult), { maxLength: 20 }), (generated) => {
        const results = generated.map((r) => ('event' in r ? { line: r.line, event: { ...r.event, dataJson: JSON.stringify(r.event.data) } } : r)) as unknown as LineResult[];
        const out = new CopyRows(0);
        for (const r of results) encodeResult(r, out);
        const bytes = out.bytes;
        let plainLines = 0;
        for (const [i, r] of decodeResults(bytes).entries()) {
          const e = r.event;
          if (!e?.row) continue;
          plainLines += 1;
          expect(e.row).toBe(bytes);
          const sent = results[i].event!;
          expect(Buffer.from(bytes.subarray(e.rowStart, e.rowEnd)).toString('utf8')).toBe(
            [sent.streamId, sent.eventId, sent.type, SCHEMA_VERSION, sent.dataJson, '{}', sent.effectiveOn].join('\t'),
          );
        }
        // Plain events are always encoded as such.
        expect(plainLines).toBeGreaterThanOrEqual(generated.filter((r) => 'event' in r && /^[a-z0-9-]+$/.test(r.event.streamId + r.event.eventId + r.event.type + r.event.effectiveOn + (r.event.regionCode ?? '')) && !/[\\\u0000-\u001f\u007f-\uffff]/.test(JSON.stringify(r.event.data))).length);
      }),
      { numRuns: 500 },
    );
  });
});
