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

  it('guesses from the newest layer of decided states, then the cache, and keeps what the batch sets to itself', () => {
    const streams = new StreamStates();
    streams.committed(new Map([['a', state(1)], ['b', state(1)]]), 2);
    const older = new Map([['a', state(2)]]);
    const newer = new Map([['a', state(3)], ['c', state(1)]]);
    const view = streams.guess([older, newer]);
    expect([view.get('a')?.version, view.get('b')?.version, view.get('c')?.version, view.get('d')]).toEqual([3, 1, 1, undefined]);
    view.set('b', state(2));
    expect(view.get('b')?.version).toBe(2);
    // The batch's own states stay in its view until committed.
    expect(streams.guess().get('b')?.version).toBe(1);
  });
});
