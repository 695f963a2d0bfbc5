import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CopyRows } from '../../src/db/copy-text.ts';
import { canonicalBytesOf, canonicalJson, GENESIS_HASH, HashChain, sha256Chain } from '../../src/eventstore/hash.ts';

describe('canonicalJson', () => {
  it('equals the RFC 8785 library on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('orders keys by UTF-16 code units, integer-like keys included', () => {
    const value = { b: 1, '10': 'x', a: [{ z: 1, y: -0 }], '9': null, é: 'é', '\u{1F600}': 1, '\uFF5E': 2 };
    const proto = JSON.parse('{"__proto__":{"b":1,"a":2},"x":1}');
    expect(canonicalJson(proto)).toBe('{"__proto__":{"a":2,"b":1},"x":1}');
    expect(canonicalJson(value)).toBe(canonicalize(value));
    expect(canonicalJson(value)).toBe('{"10":"x","9":null,"a":[{"y":0,"z":1}],"b":1,"é":"é","\u{1F600}":1,"\uFF5E":2}');
  });
});

describe('canonicalBytesOf', () => {
  it('is the JSON array of the envelope fields, then data and metadata', () => {
    fc.assert(
      fc.property(
        fc.record({
          // Any UTF-16 code units, lone surrogates and control characters included.
          position: fc.nat(), streamId: fc.string({ unit: 'binary' }), streamVersion: fc.nat(), eventId: fc.uuid(), type: fc.string(), schemaVersion: fc.nat(),
          effectiveOn: fc.string({ unit: 'binary' }), recordedAt: fc.date({ noInvalidDate: true }), regionCode: fc.option(fc.string({ unit: 'binary' })),
        }),
        fc.jsonValue(),
        (e, data) => {
          const expected = JSON.stringify([e.position, e.streamId, e.streamVersion, e.eventId, e.type, e.schemaVersion, e.effectiveOn, e.recordedAt.toISOString(), e.regionCode, data, {}]);
          expect(canonicalBytesOf(e, JSON.stringify(data), '{}')).toBe(expected);
          expect(canonicalBytesOf({ ...e, recordedAt: e.recordedAt.toISOString() }, JSON.stringify(data), '{}')).toBe(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('HashChain', () => {
  it('extends the chain exactly as sha256Chain does, for any text and any length', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary', minLength: 1500, maxLength: 3000 })), { maxLength: 12 }), (texts) => {
        const chain = new HashChain(GENESIS_HASH);
        let expected: Buffer = GENESIS_HASH;
        for (const text of texts) {
          expected = sha256Chain(expected, text);
          expect(chain.next(text)).toBe(expected.toString('hex'));
        }
        expect(chain.head.equals(expected)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('CopyRows', () => {
  it('holds the UTF-8 bytes of the text pushed, across growth', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { maxLength: 40 }), fc.integer({ min: 0, max: 64 }), (texts, start) => {
        const rows = new CopyRows(start);
        for (const t of texts) rows.push(t);
        expect(Buffer.from(rows.bytes).equals(Buffer.from(texts.join(''), 'utf8'))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
