import type { LogEvent } from './log-event.ts';

// Pure folds from a stream's events to coverage movements. The incremental
// projection and the retraction path (refold without the retracted event)
// both use these steps, so they cannot disagree.

export type WorkerCell = { active: boolean; region: string; segment: string; sponsor: string; programs: string[] };
/** One +/- change to a cell on an effective date; program '' counts the worker once. */
export type Movement = { eff: string; region: string; segment: string; sponsor: string; program: string; enrolments: number; lapses: number; delta: number };

export const NO_WORKER: WorkerCell = { active: false, region: '', segment: '', sponsor: '', programs: [] };

function open(c: WorkerCell, eff: string, enrol: number): Movement[] {
  const base = { eff, region: c.region, segment: c.segment, sponsor: c.sponsor, enrolments: enrol, lapses: 0, delta: 1 };
  return [{ ...base, program: '' }, ...c.programs.map((program) => ({ ...base, program }))];
}
function close(c: WorkerCell, eff: string, lapse: number): Movement[] {
  const base = { eff, region: c.region, segment: c.segment, sponsor: c.sponsor, enrolments: 0, lapses: lapse, delta: -1 };
  return [{ ...base, program: '' }, ...c.programs.map((program) => ({ ...base, program }))];
}

export function stepWorker(state: WorkerCell, e: LogEvent): { state: WorkerCell; movements: Movement[] } {
  const d = e.data;
  switch (e.type) {
    case 'WorkerEnrolled': {
      const next: WorkerCell = { active: true, region: d.regionCode, segment: d.segment, sponsor: d.sponsor, programs: [...d.programs].sort() };
      // A second enrolment can only arise after a retraction removed a lapse:
      // the worker moves cells without counting a lapse.
      return { state: next, movements: [...(state.active ? close(state, e.effectiveOn, 0) : []), ...open(next, e.effectiveOn, 1)] };
    }
    case 'WorkerLapsed':
      return state.active ? { state: { ...state, active: false }, movements: close(state, e.effectiveOn, 1) } : { state, movements: [] };
    case 'WorkerProgramsChanged': {
      if (!state.active) return { state, movements: [] };
      const programs: string[] = [...d.programs].sort();
      const base = { eff: e.effectiveOn, region: state.region, segment: state.segment, sponsor: state.sponsor, enrolments: 0, lapses: 0 };
      const movements = [
        ...state.programs.filter((p) => !programs.includes(p)).map((program) => ({ ...base, program, delta: -1 })),
        ...programs.filter((p) => !state.programs.includes(p)).map((program) => ({ ...base, program, delta: 1 })),
      ];
      return { state: { ...state, programs }, movements };
    }
    default:
      return { state, movements: [] };
  }
}

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

export function stepEmployer(state: EmployerCell, e: LogEvent): { state: EmployerCell; movements: EmployerMovement[] } {
  const d = e.data;
  if (e.type === 'EmployerRegistered') {
    const next: EmployerCell = { registered: true, region: d.regionCode, sizeClass: d.sizeClass, name: d.name, industry: d.industry ?? null, registeredOn: e.effectiveOn, deregisteredOn: null };
    const movements: EmployerMovement[] = [];
    if (state.registered) movements.push({ eff: e.effectiveOn, region: state.region, sizeClass: state.sizeClass, registrations: 0, deregistrations: 0, delta: -1, licensed: 0 });
    movements.push({ eff: e.effectiveOn, region: next.region, sizeClass: next.sizeClass, registrations: 1, deregistrations: 0, delta: 1, licensed: 0 });
    return { state: next, movements };
  }
  if (e.type === 'EmployerDeregistered' && state.registered) {
    return {
      state: { ...state, registered: false, deregisteredOn: e.effectiveOn },
      movements: [{ eff: e.effectiveOn, region: state.region, sizeClass: state.sizeClass, registrations: 0, deregistrations: 1, delta: -1, licensed: 0 }],
    };
  }
  return { state, movements: [] };
}

export type LicenceCell = { licensed: boolean; region: string; name: string; employees: number; npp: string | null; licensedOn: string | null };
export const NO_LICENCE: LicenceCell = { licensed: false, region: '', name: '', employees: 0, npp: null, licensedOn: null };

/** A licence counts once, in the regency and on the date it was first issued. */
export function stepLicence(state: LicenceCell, e: LogEvent): { state: LicenceCell; movements: EmployerMovement[] } {
  if (e.type !== 'EmployerLicensed') return { state, movements: [] };
  const d = e.data;
  const next: LicenceCell = { licensed: true, region: state.licensed ? state.region : d.regionCode, name: d.name, employees: d.employees, npp: d.npp ?? null, licensedOn: state.licensedOn ?? e.effectiveOn };
  const movements = state.licensed ? [] : [{ eff: e.effectiveOn, region: d.regionCode, sizeClass: '', registrations: 0, deregistrations: 0, delta: 0, licensed: 1 }];
  return { state: next, movements };
}

/** Folds a whole stream, leaving out retracted events. */
export function fold<S, M>(step: (s: S, e: LogEvent) => { state: S; movements: M[] }, initial: S, history: LogEvent[], retracted: ReadonlySet<string>) {
  let state = initial;
  const movements: M[] = [];
  for (const e of history) {
    if (retracted.has(e.eventId) || e.type === 'EventRetracted') continue;
    const r = step(state, e);
    state = r.state;
    movements.push(...r.movements);
  }
  return { state, movements };
}

/** Retracted event ids among a stream's events. */
export const retractedIn = (history: LogEvent[]) =>
  new Set(history.filter((e) => e.type === 'EventRetracted').map((e) => e.data.eventId as string));
