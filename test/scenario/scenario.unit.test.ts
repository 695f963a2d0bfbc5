import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../support/events.ts';
import { eventLineParser } from '../../src/importer/event-line.ts';
import { dayOf, isoOf } from '../../src/domain/days.ts';
import { allocate, apportion, checkpointDays, nationalActive } from '../../src/scenario/allocation.ts';
import { CATEGORIES, NATIONAL_ACTIVE } from '../../src/scenario/figures.ts';
import { generateScenario, regionSelection } from '../../src/scenario/scenario.ts';

const generate = (opts: Parameters<typeof generateScenario>[0]) => {
  const chunks: string[] = [];
  const summary = generateScenario(opts, (c) => chunks.push(c));
  return { text: chunks.join(''), summary };
};

describe('apportion', () => {
  it('splits a total exactly, each part within one of its exact share', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 }), (total, weights) => {
        const sum = weights.reduce((a, b) => a + b, 0);
        const parts = apportion(total, weights);
        if (sum === 0) {
          expect(parts.every((p) => p === 0)).toBe(true);
          return;
        }
        expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
        parts.forEach((p, i) => expect(Math.abs(p - (total * weights[i]) / sum)).toBeLessThan(1 + 1e-9));
      }),
    );
  });
});

describe('allocation', () => {
  it('has month ends from January 2013 and the non-month-end anchor dates as checkpoints', () => {
    const days = checkpointDays().map(isoOf);
    expect(days[0]).toBe('2013-01-31');
    expect(days).toContain('2019-11-27');
    expect(days).toContain('2020-02-29');
    expect(days.at(-1)).toBe('2026-10-31');
  });

  it('spreads each national anchor over the regencies without losing or adding anyone', () => {
    for (const anchor of NATIONAL_ACTIVE.slice(0, 12)) {
      const day = dayOf(anchor.on);
      const c = allocate(day, 0.001);
      const total = [...c.active.values()].reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
      const expected = Math.round(CATEGORIES.reduce((s, cat) => s + nationalActive(cat, day), 0) * 0.001);
      expect({ on: anchor.on, total }).toEqual({ on: anchor.on, total: expected });
    }
  });

  it('gives Jawa Barat many times what Papua Selatan gets (proportional to workforce, not uniform)', () => {
    const c = allocate(dayOf('2023-12-31'), 0.01);
    const province = (p: string) => [...c.active].filter(([r]) => r.startsWith(p)).reduce((s, [, row]) => s + row.reduce((a, b) => a + b, 0), 0);
    expect(province('32')).toBeGreaterThan(50 * province('93'));
  });
});

describe('generateScenario', () => {
  it('is deterministic: same arguments, byte-identical output; another seed, another history', () => {
    const a = generate({ scale: 0.0002, seed: 7 });
    const b = generate({ scale: 0.0002, seed: 7 });
    const c = generate({ scale: 0.0002, seed: 8 });
    expect(a.text).toBe(b.text);
    expect(c.text).not.toBe(a.text);
    expect(a.summary.events).toBeGreaterThan(10_000);
  });

  it('writes only valid import lines, each stream in effective order, with late reports among them', () => {
    const { text } = generate({ scale: 0.0002, seed: 3 });
    const parse = eventLineParser(testConfig);
    const lastDay = new Map<string, string>();
    let late = 0;
    let maxSeen = '';
    for (const [i, line] of text.trimEnd().split('\n').entries()) {
      const json = JSON.parse(line);
      let key: string;
      try {
        key = parse(json).streamId;
      } catch (e) {
        throw new Error(`line ${i + 1}: ${JSON.stringify(e)}`);
      }
      expect(json.effectiveOn >= (lastDay.get(key) ?? '')).toBe(true);
      lastDay.set(key, json.effectiveOn);
      if (json.type.startsWith('Worker') && json.effectiveOn < maxSeen.slice(0, 7)) late += 1; // a month or more behind the file
      if (json.effectiveOn > maxSeen) maxSeen = json.effectiveOn;
    }
    expect(late).toBeGreaterThan(100);
  });

  it('never writes a personal name field or a NIK outside data.nik', () => {
    const { text } = generate({ scale: 0.0001, seed: 1 });
    for (const line of text.trimEnd().split('\n').slice(0, 5000)) {
      const { data } = JSON.parse(line);
      expect(Object.keys(data)).not.toContain('workerName');
      const niks = JSON.stringify({ ...data, nik: undefined }).match(/\d{16}/g);
      expect(niks).toBeNull();
    }
  });

  it('generates one region alone: only its regencies, its estimates and its targets', () => {
    const { text, summary } = generate({ scale: 0.01, seed: 1, region: '3375' });
    expect(summary.regencies).toBe(1);
    for (const line of text.trimEnd().split('\n')) {
      const { data } = JSON.parse(line);
      const region = data.regionCode ?? data.scope?.regionCode;
      if (region !== undefined) expect(region).toBe('3375');
    }
    expect(summary.byType.CoverageTargetSet).toBe(1);
  });

  it('rejects a bad scale, seed or region with the option named', () => {
    expect(() => generate({ scale: 0, seed: 1 })).toThrow('--scale');
    expect(() => generate({ scale: 0.001, seed: 1.5 })).toThrow('--seed');
    expect(() => regionSelection('3399')).toThrow('--region: "3399" is not a known');
    expect(regionSelection('17')).toHaveLength(10);
  });
});
