import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyStream, evolve, type Fact, type StreamSnapshot } from '../../src/domain/stream.ts';
import { PROGRAMS, SEGMENTS, SPONSORS } from '../../src/domain/reference/vocabulary.ts';
import { CompactWorkerStates } from '../../src/eventstore/compact-states.ts';
import { StreamStates } from '../../src/eventstore/stream-states.ts';
import { pseudonymise } from '../../src/domain/worker/nik.ts';

const id = (n: number) => `worker-${pseudonymise(String(3375011203850000 + n), 'secret-a-0123456789')}`;

/** A worker state as the deciders make it: folded from events. */
const arbState: fc.Arbitrary<StreamSnapshot> = fc
  .record({
    version: fc.integer({ min: 0, max: 5000 }),
    day: fc.integer({ min: 0, max: 40_000 }),
    kind: fc.constantFrom('empty', 'enrolled', 'lapsed', 'changed'),
    segment: fc.constantFrom(...SEGMENTS),
    sponsor: fc.option(fc.constantFrom(...SPONSORS), { nil: undefined }),
    programs: fc.array(fc.constantFrom(...PROGRAMS), { minLength: 1, maxLength: 5 }),
    changed: fc.array(fc.constantFrom(...PROGRAMS), { minLength: 1, maxLength: 5 }),
    regionCode: fc.constantFrom('3375', '3171', '91', '9471'),
    employerNpp: fc.option(fc.stringMatching(/^\d{8}$/), { nil: undefined }),
  })
  .map((r) => {
    const on = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);
    if (r.kind === 'empty') return emptyStream();
    const fact = (type: string, data: object, d: number) => ({ type, data, eventId: `e-${d}`, effectiveOn: on(d) }) as unknown as Fact;
    let s = evolve(emptyStream(), fact('WorkerEnrolled', { worker: 'w', segment: r.segment, programs: r.programs, regionCode: r.regionCode, sponsor: r.sponsor, employerNpp: r.employerNpp }, r.day));
    if (r.kind === 'lapsed') s = evolve(s, fact('WorkerLapsed', { worker: 'w', reason: 'x' }, r.day + 3));
    if (r.kind === 'changed') s = evolve(s, fact('WorkerProgramsChanged', { worker: 'w', programs: r.changed }, r.day + 5));
    return { ...s, version: s.version + r.version };
  });

describe('CompactWorkerStates', () => {
  it('gives back exactly the state it was given, for worker states of every kind', () => {
    fc.assert(
      fc.property(fc.array(arbState, { minLength: 1, maxLength: 50 }), (states) => {
        const table = new CompactWorkerStates(1000, 4);
        states.forEach((s, i) => expect(table.set(id(i), s)).toBe(true));
        states.forEach((s, i) => expect(table.get(id(i))).toEqual(s));
        expect(table.size).toBe(states.length);
      }),
    );
  });

  it('agrees with a Map under any mix of sets, overwrites and deletes (growth and backward-shift deletion)', () => {
    const op = fc.record({ kind: fc.constantFrom('set', 'set', 'delete'), n: fc.integer({ min: 0, max: 60 }), version: fc.integer({ min: 1, max: 99 }) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const table = new CompactWorkerStates(1000, 2);
        const model = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === 'set') {
            table.set(id(o.n), { ...emptyStream(), version: o.version });
            model.set(id(o.n), o.version);
          } else {
            table.delete(id(o.n));
            model.delete(id(o.n));
          }
        }
        expect(table.size).toBe(model.size);
        for (let n = 0; n <= 60; n++) expect(table.get(id(n))?.version).toBe(model.get(id(n)));
      }),
    );
  });

  it('finds every remaining stream after half of a full table is deleted in any order', () => {
    const ids = Array.from({ length: 3000 }, (_, n) => id(n));
    fc.assert(
      fc.property(fc.shuffledSubarray(ids, { minLength: 1500, maxLength: 1500 }), (gone) => {
        const table = new CompactWorkerStates(10_000, 2);
        ids.forEach((x, v) => table.set(x, { ...emptyStream(), version: v + 1 }));
        for (const x of gone) table.delete(x);
        const deleted = new Set(gone);
        expect(table.size).toBe(1500);
        ids.forEach((x, v) => expect(table.get(x)?.version).toBe(deleted.has(x) ? undefined : v + 1));
      }),
      { numRuns: 20 },
    );
  });

  it('refuses what it cannot hold exactly, and forgets an earlier state of that stream', () => {
    const table = new CompactWorkerStates(2, 4);
    const enrolled = { version: 1, lastEffectiveOn: '2020-01-01', retracted: [], worker: { status: 'ACTIVE' as const, since: '2020-01-01' } };
    expect(table.set(id(1), enrolled)).toBe(true);
    expect(table.set(id(1), { ...enrolled, retracted: ['e-1'] })).toBe(false);
    expect(table.get(id(1))).toBeUndefined();
    expect(table.set('employer-12345678', { ...emptyStream(), version: 1 })).toBe(false);
    expect(table.set(`worker-${'A'.repeat(32)}`, enrolled)).toBe(false); // not lower-case hex
    expect(table.set(id(2), { ...enrolled, lastEffectiveOn: '1960-01-01' })).toBe(false); // before 1970
    expect(table.set(id(3), enrolled)).toBe(true);
    expect(table.set(id(4), enrolled)).toBe(true);
    expect(table.set(id(5), enrolled)).toBe(false); // full: maxStreams = 2
    expect(table.size).toBe(2);
  });
});

describe('StreamStates with the compact table', () => {
  it('keeps every worker past the generations bound, and the rest bounded as before', () => {
    const streams = new StreamStates(8);
    const state = (v: number) => ({ ...emptyStream(), version: v });
    for (let i = 1; i <= 200; i++) streams.committed(new Map([[id(i), state(i)], [`employer-${i}`, state(i)]]), i);
    const view = streams.guess();
    for (let i = 1; i <= 200; i++) expect(view.get(id(i))?.version).toBe(i);
    expect(view.get('employer-1')).toBeUndefined();
    expect(view.get('employer-200')?.version).toBe(200);
    expect(streams.compact.streams).toBe(200);
  });

  it('moves a worker to the generations when its state gains a retraction, and back', () => {
    const streams = new StreamStates(8);
    const plain = { ...emptyStream(), version: 1 };
    streams.committed(new Map([[id(1), plain]]), 1);
    streams.committed(new Map([[id(1), { ...plain, version: 2, retracted: ['e-1'] }]]), 2);
    expect(streams.compact.streams).toBe(0);
    expect(streams.guess().get(id(1))).toEqual({ ...plain, version: 2, retracted: ['e-1'] });
    streams.committed(new Map([[id(1), { ...plain, version: 3 }]]), 3);
    expect(streams.compact.streams).toBe(1);
    expect(streams.guess().get(id(1))?.version).toBe(3);
  });
});
