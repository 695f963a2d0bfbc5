import { describe, expect, it } from 'vitest';
import { emptyStream, type StreamSnapshot } from '../../src/domain/stream.ts';
import { StreamStates } from '../../src/eventstore/stream-states.ts';

const state = (version: number): StreamSnapshot => ({ ...emptyStream(), version });

describe('StreamStates', () => {
  it('stays within its bound, forgetting the oldest states first', () => {
    const streams = new StreamStates(8);
    for (let i = 1; i <= 20; i++) streams.committed(new Map([[`s-${i}`, state(i)]]), i);
    const view = streams.guess();
    const known = Array.from({ length: 20 }, (_, i) => view.get(`s-${i + 1}`)?.version);
    expect(known.filter((v) => v !== undefined).length).toBeLessThanOrEqual(8);
    expect(view.get('s-20')?.version).toBe(20);
    expect(view.get('s-1')).toBeUndefined();
  });

  it('keeps a state that is used while many others come and go (the employers of an import)', () => {
    const streams = new StreamStates(8);
    streams.committed(new Map([['employer-1', state(1)]]), 1);
    for (let i = 1; i <= 100; i++) {
      expect(streams.guess().get('employer-1')?.version).toBe(1);
      streams.committed(new Map([[`worker-${i}`, state(1)]]), i + 1);
    }
    expect(streams.guess().get('worker-1')).toBeUndefined();
  });

  it('keeps what a guessed batch sets to itself until it is committed', () => {
    const streams = new StreamStates();
    streams.committed(new Map([['a', state(1)], ['b', state(1)]]), 2);
    const view = streams.guess();
    view.set('b', state(2));
    expect([view.get('a')?.version, view.get('b')?.version, view.get('c')]).toEqual([1, 2, undefined]);
    expect(streams.guess().get('b')?.version).toBe(1);
    streams.committed(view.changed, 3);
    expect(streams.guess().get('b')?.version).toBe(2);
  });

  describe('tentative batches (decided ahead of the log)', () => {
    const setUp = () => {
      const streams = new StreamStates();
      streams.committed(new Map([['employer-1', state(1)]]), 1);
      return streams;
    };
    /** What an append deciding against the log would take from the cache. */
    const trusted = (streams: StreamStates, id: string) => {
      streams.beginRead();
      try {
        return streams.guess().get(id)?.version;
      } finally {
        streams.endRead();
      }
    };

    it('show their states to the batches decided after them, and keep them once written', () => {
      const streams = setUp();
      const first = streams.tentative();
      first.set('worker-1', state(1));
      const second = streams.tentative();
      expect(second.get('worker-1')?.version).toBe(1);
      second.set('worker-1', state(2));
      first.settle(true, 2);
      second.settle(true, 3);
      expect(trusted(streams, 'worker-1')).toBe(2);
      expect(trusted(streams, 'employer-1')).toBe(1);
    });

    it('drop the whole cache when one is not written as decided', () => {
      const streams = setUp();
      const first = streams.tentative();
      first.set('worker-1', state(1));
      const second = streams.tentative();
      second.set('worker-2', state(1));
      first.settle(false);
      // The second was decided on top of the first: its later states are not written any more either.
      second.set('worker-3', state(1));
      second.settle(true, 3);
      expect(['worker-1', 'worker-2', 'worker-3', 'employer-1'].map((id) => trusted(streams, id))).toEqual([undefined, undefined, undefined, undefined]);
    });

    it('are never seen by an append that decides against the log', () => {
      const streams = setUp();
      const open = streams.tentative();
      open.set('worker-1', state(1));
      streams.beginRead();
      // Dropped when the append starts; nothing written while it runs.
      expect(streams.guess().get('worker-1')).toBeUndefined();
      open.set('worker-2', state(1));
      const later = streams.tentative();
      later.set('worker-3', state(1));
      expect(streams.guess().get('worker-2')).toBeUndefined();
      expect(streams.guess().get('worker-3')).toBeUndefined();
      streams.endRead();
      // A batch that could not write all its states drops the cache when written.
      later.set('worker-4', state(1));
      later.settle(true, 5);
      expect(trusted(streams, 'worker-4')).toBeUndefined();
    });
  });
});
