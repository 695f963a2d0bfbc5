import { describe, expect, it } from 'vitest';
import { DomainRuleViolation } from '../../src/domain/errors.ts';
import { decide, emptyStream, evolve, refold, type DecisionContext, type StreamSnapshot } from '../../src/domain/stream.ts';
import { employer, enrolBpu, enrolPu, ev, lapse, nik } from '../support/events.ts';

// given (events) / when (command) / then (accepted or a rule violation)
const given = (...events: ReturnType<typeof ev>[]): StreamSnapshot => events.reduce(evolve, emptyStream());
const registered = given(employer('17081342', '2013-01-02'));
const ctx: DecisionContext = {
  employer: (npp) => (npp === '17081342' ? registered.employer : undefined),
  target: () => undefined,
};
const rule = (fn: () => void) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainRuleViolation) return `${e.rule} ${e.message}`;
    throw e;
  }
  return 'accepted';
};

describe('worker without enrolment', () => {
  it('accepts a BPU enrolment with JKK+JKM', () => {
    expect(rule(() => decide(emptyStream(), enrolBpu(nik(1), '2013-01-15'), ctx))).toBe('accepted');
  });
  it('rejects a lapse', () => {
    expect(rule(() => decide(emptyStream(), lapse(nik(1), '2013-01-15'), ctx))).toMatch(/^lapse-needs-enrolment/);
  });
  it('rejects JP for a BPU worker', () => {
    const e = ev('WorkerEnrolled', '2013-01-15', { nik: nik(1), segment: 'BPU', programs: ['JKK', 'JKM', 'JP'], regionCode: '3375', sponsor: 'SELF' });
    expect(rule(() => decide(emptyStream(), e, ctx))).toBe('programs-fit-segment data.programs: JP not available to segment BPU (allowed: JKK, JKM, JHT)');
  });
  it('rejects JHT for a JAKON worker (JKK+JKM only)', () => {
    const e = ev('WorkerEnrolled', '2013-01-15', { nik: nik(1), segment: 'JAKON', programs: ['JKK', 'JKM', 'JHT'], regionCode: '3375', sponsor: 'EMPLOYER', employerNpp: '17081342' });
    expect(rule(() => decide(emptyStream(), e, ctx))).toMatch(/^programs-fit-segment .*JHT not available to segment JAKON/);
  });
  it('rejects programs without JKM', () => {
    const e = ev('WorkerEnrolled', '2013-01-15', { nik: nik(1), segment: 'PMI', programs: ['JKK', 'JHT'], regionCode: '3375', sponsor: 'SELF' });
    expect(rule(() => decide(emptyStream(), e, ctx))).toMatch(/must include JKK and JKM/);
  });
  it('rejects a program listed twice, and names every program a segment may not have', () => {
    const twice = ev('WorkerEnrolled', '2013-01-15', { nik: nik(1), segment: 'BPU', programs: ['JKK', 'JKM', 'JKK'], regionCode: '3375', sponsor: 'SELF' });
    expect(rule(() => decide(emptyStream(), twice, ctx))).toBe('programs-fit-segment data.programs: lists a program twice');
    const two = ev('WorkerEnrolled', '2013-01-15', { nik: nik(1), segment: 'PMI', programs: ['JKP', 'JKK', 'JKM', 'JP'], regionCode: '3375', sponsor: 'SELF' });
    expect(rule(() => decide(emptyStream(), two, ctx))).toBe('programs-fit-segment data.programs: JKP, JP not available to segment PMI (allowed: JKK, JKM, JHT)');
  });
  it('accepts a PU enrolment naming a registered employer', () => {
    expect(rule(() => decide(emptyStream(), enrolPu(nik(1), '17081342', '2013-01-15'), ctx))).toBe('accepted');
  });
  it('rejects a PU enrolment naming an unregistered employer', () => {
    expect(rule(() => decide(emptyStream(), enrolPu(nik(1), '99999999', '2013-01-15'), ctx))).toMatch(/^employer-registered .*99999999 is not registered/);
  });
  it('rejects a PU enrolment dated before the employer registered', () => {
    expect(rule(() => decide(emptyStream(), enrolPu(nik(1), '17081342', '2012-12-31'), ctx))).toMatch(/registers only on 2013-01-02/);
  });
});

describe('worker with active enrolment', () => {
  const active = given(enrolBpu(nik(1), '2013-01-15'));
  it('rejects a second enrolment', () => {
    expect(rule(() => decide(active, enrolBpu(nik(1), '2013-02-01'), ctx))).toMatch(/^single-active-enrolment/);
  });
  it('accepts a lapse', () => {
    expect(rule(() => decide(active, lapse(nik(1), '2013-03-01'), ctx))).toBe('accepted');
  });
  it('rejects a fact dated before its previous one', () => {
    expect(rule(() => decide(active, lapse(nik(1), '2013-01-01'), ctx))).toMatch(/^effective-order effectiveOn: 2013-01-01 is before/);
  });
});

describe('worker whose enrolment lapsed', () => {
  const lapsed = given(enrolBpu(nik(1), '2013-01-15'), lapse(nik(1), '2013-03-01'));
  it('accepts re-enrolment', () => {
    expect(rule(() => decide(lapsed, enrolBpu(nik(1), '2014-01-01'), ctx))).toBe('accepted');
  });
  it('rejects a second lapse', () => {
    expect(rule(() => decide(lapsed, lapse(nik(1), '2014-01-01'), ctx))).toMatch(/^lapse-needs-enrolment/);
  });
});

describe('stream with a retracted enrolment', () => {
  it('refolds as if the enrolment had never been appended', () => {
    const enrolled = enrolBpu(nik(1), '2013-01-15');
    const retraction = ev('EventRetracted', '2013-02-01', { eventId: enrolled.eventId, reason: 'wrong person' });
    const snapshot = refold([enrolled, retraction]);
    expect(snapshot).toEqual({ version: 2, lastEffectiveOn: '2013-02-01', retracted: [enrolled.eventId] });
  });
});
