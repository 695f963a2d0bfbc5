import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalBytesOf, canonicalJson } from '../../src/eventstore/hash.ts';

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
          position: fc.nat(), streamId: fc.string(), streamVersion: fc.nat(), eventId: fc.uuid(), type: fc.string(), schemaVersion: fc.nat(),
          effectiveOn: fc.string(), recordedAt: fc.date({ noInvalidDate: true }), regionCode: fc.option(fc.string()),
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
