import { assertNever } from '../domain/events.ts';
import { PROGRAMS } from '../domain/reference/vocabulary.ts';
import type { LogEvent } from './log-event.ts';

// Pure folds from a stream's events to roll-up movements. The incremental
// projection and the retraction re-fold (the stream without the retracted
// event) both use these steps, so they cannot disagree. Each step takes the
// domain's event union and says what every event type does to its stream.

/** A step: the state after one event, telling `sink` each movement it causes. */
export type Step<S, K> = (state: S, e: LogEvent, sink: K) => S;

/** Folds a whole stream, leaving out retracted events (and the retractions themselves). */
export function fold<S, K>(step: Step<S, K>, initial: S, history: readonly LogEvent[], retracted: ReadonlySet<string>, sink: K): S {
  let state = initial;
  for (const e of history) if (e.type !== 'EventRetracted' && !retracted.has(e.eventId)) state = step(state, e, sink);
  return state;
}

/** Retracted event ids among a stream's events. */
export function retractedIn(history: readonly LogEvent[]): Set<string> {
  const ids = new Set<string>();
  for (const e of history) if (e.type === 'EventRetracted') ids.add(e.data.eventId);
  return ids;
}

/**
 * The one retraction re-fold every projection shares. `history` is the
 * stream up to and including the retraction. From the moment it was recorded
 * the stream counts as if the retracted event had never been appended: its
 * movements with that event go to `negated(sink)`, those without it to
 * `sink`. Returns the stream's state without it.
 */
export function refold<S, K>(step: Step<S, K>, initial: S, history: readonly LogEvent[], negated: (sink: K) => K, sink: K): S {
  const retraction = history.at(-1);
  if (retraction?.type !== 'EventRetracted') throw new Error('refold: the history must end with the retraction');
  const after = retractedIn(history);
  const before = new Set(after);
  before.delete(retraction.data.eventId);
  fold(step, initial, history, before, negated(sink));
  return fold(step, initial, history, after, sink);
}

// ---- workers ----------------------------------------------------------------

/**
 * The cell a worker counts in. `programs` is a bitmask over PROGRAMS; `key`
 * names (region, segment, sponsor) once per enrolment, so a writer finds the
 * cell's ids without building a string per movement.
 */
export type WorkerCell = { readonly active: boolean; readonly region: string; readonly segment: string; readonly sponsor: string; readonly programs: number; readonly key: string };
export const NO_WORKER: WorkerCell = { active: false, region: '', segment: '', sponsor: '', programs: 0, key: '' };

export const workerCell = (region: string, segment: string, sponsor: string, programs: number, active = true): WorkerCell => ({
  active,
  region,
  segment,
  sponsor,
  programs,
  key: `${region}\t${segment}\t${sponsor}`,
});

/** PROGRAMS as a bitmask (bit i = PROGRAMS[i]). */
export const programBits = (programs: readonly string[]): number => {
  let bits = 0;
  for (const p of programs) bits |= 1 << PROGRAMS.indexOf(p as (typeof PROGRAMS)[number]);
  return bits;
};

/**
 * One +/- change to a worker's cell on an effective date. `program` 0 counts
 * the worker once; i + 1 counts PROGRAMS[i].
 */
export type WorkerMove = (eff: string, cell: WorkerCell, program: number, enrolments: number, lapses: number, delta: number) => void;

export const negatedMove =
  (move: WorkerMove): WorkerMove =>
  (eff, cell, program, enrolments, lapses, delta) =>
    move(eff, cell, program, -enrolments, -lapses, -delta);

function open(c: WorkerCell, eff: string, enrolment: number, move: WorkerMove): void {
  move(eff, c, 0, enrolment, 0, 1);
  for (let i = 0; i < PROGRAMS.length; i++) if (c.programs & (1 << i)) move(eff, c, i + 1, enrolment, 0, 1);
}

function close(c: WorkerCell, eff: string, lapse: number, move: WorkerMove): void {
  move(eff, c, 0, 0, lapse, -1);
  for (let i = 0; i < PROGRAMS.length; i++) if (c.programs & (1 << i)) move(eff, c, i + 1, 0, lapse, -1);
}

export const stepWorker: Step<WorkerCell, WorkerMove> = (state, e, move) => {
  switch (e.type) {
    case 'WorkerEnrolled': {
      const d = e.data;
      const next = workerCell(d.regionCode, d.segment, d.sponsor, programBits(d.programs));
      // A second enrolment can only arise after a retraction removed a lapse:
      // the worker moves cells without counting a lapse.
      if (state.active) close(state, e.effectiveOn, 0, move);
      open(next, e.effectiveOn, 1, move);
      return next;
    }
    case 'WorkerLapsed':
      if (!state.active) return state;
      close(state, e.effectiveOn, 1, move);
      return { ...state, active: false };
    case 'WorkerProgramsChanged': {
      if (!state.active) return state;
      const programs = programBits(e.data.programs);
      for (let i = 0; i < PROGRAMS.length; i++) {
        const had = state.programs & (1 << i);
        const has = programs & (1 << i);
        if (had && !has) move(e.effectiveOn, state, i + 1, 0, 0, -1);
        else if (has && !had) move(e.effectiveOn, state, i + 1, 0, 0, 1);
      }
      return { ...state, programs };
    }
    // not a worker's fact (a retraction is re-folded by the projection, never stepped)
    case 'EventRetracted':
    case 'EmployerRegistered':
    case 'EmployerDeregistered':
    case 'EmployerLicensed':
    case 'WorkforceEstimated':
    case 'CoverageTargetSet':
    case 'FigurePublished':
      return state;
    default:
      return assertNever(e);
  }
};

/** A worker movement as a value (for oracles and tests). */
export type Movement = { eff: string; region: string; segment: string; sponsor: string; program: string; enrolments: number; lapses: number; delta: number };

/** Every movement of one worker stream as it stands (retracted events left out). */
export function workerMovements(history: readonly LogEvent[]): Movement[] {
  const out: Movement[] = [];
  fold(stepWorker, NO_WORKER, history, retractedIn(history), (eff, c, program, enrolments, lapses, delta) =>
    out.push({ eff, region: c.region, segment: c.segment, sponsor: c.sponsor, program: program ? PROGRAMS[program - 1] : '', enrolments, lapses, delta }),
  );
  return out;
}

// ---- employers and licences ------------------------------------------------

export type EmployerCell = {
  registered: boolean;
  region: string;
  sizeClass: string;
  name: string;
  industry: string | null;
  registeredOn: string | null;
  deregisteredOn: string | null;
};
export const NO_EMPLOYER: EmployerCell = { registered: false, region: '', sizeClass: '', name: '', industry: null, registeredOn: null, deregisteredOn: null };
export type EmployerMovement = { eff: string; region: string; sizeClass: string; registrations: number; deregistrations: number; delta: number; licensed: number };
export type EmployerMove = (m: EmployerMovement) => void;

export const negatedEmployerMove =
  (move: EmployerMove): EmployerMove =>
  (m) =>
    move({ ...m, registrations: -m.registrations, deregistrations: -m.deregistrations, delta: -m.delta, licensed: -m.licensed });

export const stepEmployer: Step<EmployerCell, EmployerMove> = (state, e, move) => {
  switch (e.type) {
    case 'EmployerRegistered': {
      const d = e.data;
      const next: EmployerCell = { registered: true, region: d.regionCode, sizeClass: d.sizeClass, name: d.name, industry: d.industry ?? null, registeredOn: e.effectiveOn, deregisteredOn: null };
      if (state.registered) move({ eff: e.effectiveOn, region: state.region, sizeClass: state.sizeClass, registrations: 0, deregistrations: 0, delta: -1, licensed: 0 });
      move({ eff: e.effectiveOn, region: next.region, sizeClass: next.sizeClass, registrations: 1, deregistrations: 0, delta: 1, licensed: 0 });
      return next;
    }
    case 'EmployerDeregistered':
      if (!state.registered) return state;
      move({ eff: e.effectiveOn, region: state.region, sizeClass: state.sizeClass, registrations: 0, deregistrations: 1, delta: -1, licensed: 0 });
      return { ...state, registered: false, deregisteredOn: e.effectiveOn };
    // not an employer's fact (licences are their own streams)
    case 'EmployerLicensed':
    case 'EventRetracted':
    case 'WorkerEnrolled':
    case 'WorkerLapsed':
    case 'WorkerProgramsChanged':
    case 'WorkforceEstimated':
    case 'CoverageTargetSet':
    case 'FigurePublished':
      return state;
    default:
      return assertNever(e);
  }
};

export type LicenceCell = { licensed: boolean; region: string; name: string; employees: number; npp: string | null; licensedOn: string | null };
export const NO_LICENCE: LicenceCell = { licensed: false, region: '', name: '', employees: 0, npp: null, licensedOn: null };

/** A licence counts once, in the regency and on the date it was first issued. */
export const stepLicence: Step<LicenceCell, EmployerMove> = (state, e, move) => {
  switch (e.type) {
    case 'EmployerLicensed': {
      const d = e.data;
      if (!state.licensed) move({ eff: e.effectiveOn, region: d.regionCode, sizeClass: '', registrations: 0, deregistrations: 0, delta: 0, licensed: 1 });
      return { licensed: true, region: state.licensed ? state.region : d.regionCode, name: d.name, employees: d.employees, npp: d.npp ?? null, licensedOn: state.licensedOn ?? e.effectiveOn };
    }
    // not a licence's fact
    case 'EmployerRegistered':
    case 'EmployerDeregistered':
    case 'EventRetracted':
    case 'WorkerEnrolled':
    case 'WorkerLapsed':
    case 'WorkerProgramsChanged':
    case 'WorkforceEstimated':
    case 'CoverageTargetSet':
    case 'FigurePublished':
      return state;
    default:
      return assertNever(e);
  }
};
