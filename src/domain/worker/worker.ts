import { DomainRuleViolation } from '../errors.ts';
import type { WorkerEnrolled, WorkerLapsed, WorkerProgramsChanged } from '../events.ts';
import { assertNever } from '../events.ts';
import { EMPLOYER_SEGMENTS, programsProblem, type Program, type Segment, type Sponsor } from '../reference/vocabulary.ts';
import type { EmployerState } from '../employer/employer.ts';

export type WorkerEvent = WorkerEnrolled | WorkerLapsed | WorkerProgramsChanged;

export type WorkerState = {
  status: 'NONE' | 'ACTIVE' | 'LAPSED';
  segment?: Segment;
  programs?: Program[];
  regionCode?: string;
  sponsor?: Sponsor;
  employerNpp?: string;
  since?: string;
};
export const initialWorker = (): WorkerState => ({ status: 'NONE' });

/** Folds one event into the state. Lenient: history is fact, rules live in decide. */
export function evolveWorker(state: WorkerState, event: WorkerEvent, effectiveOn: string): WorkerState {
  switch (event.type) {
    case 'WorkerEnrolled': {
      const { segment, programs, regionCode, sponsor, employerNpp } = event.data;
      return { status: 'ACTIVE', segment, programs, regionCode, sponsor, employerNpp, since: effectiveOn };
    }
    case 'WorkerLapsed':
      return state.status === 'ACTIVE' ? { ...state, status: 'LAPSED', since: effectiveOn } : state;
    case 'WorkerProgramsChanged':
      return state.status === 'ACTIVE' ? { ...state, programs: event.data.programs } : state;
    default:
      return assertNever(event);
  }
}

export type WorkerDecisionContext = {
  effectiveOn: string;
  employer: (npp: string) => EmployerState | undefined;
};

/** Checks a worker event against the stream's state; throws a DomainRuleViolation. */
export function decideWorker(state: WorkerState, event: WorkerEvent, ctx: WorkerDecisionContext): void {
  switch (event.type) {
    case 'WorkerEnrolled': {
      const d = event.data;
      if (state.status === 'ACTIVE') {
        throw new DomainRuleViolation('single-active-enrolment', 'data.nik', `worker already has an active enrolment since ${state.since}`);
      }
      const problem = programsProblem(d.segment, d.programs);
      if (problem) throw new DomainRuleViolation('programs-fit-segment', 'data.programs', problem);
      if (EMPLOYER_SEGMENTS.has(d.segment)) {
        if (!d.employerNpp) throw new DomainRuleViolation('employer-required', 'data.employerNpp', `is required for segment ${d.segment}`);
        const employer = ctx.employer(d.employerNpp);
        if (employer?.status !== 'REGISTERED') {
          throw new DomainRuleViolation('employer-registered', 'data.employerNpp', `employer ${d.employerNpp} is not registered`);
        }
        if (employer.since! > ctx.effectiveOn) {
          throw new DomainRuleViolation('employer-registered', 'data.employerNpp', `employer ${d.employerNpp} registers only on ${employer.since}`);
        }
      }
      return;
    }
    case 'WorkerLapsed':
      if (state.status !== 'ACTIVE') throw new DomainRuleViolation('lapse-needs-enrolment', 'data.nik', 'worker has no active enrolment to lapse');
      return;
    case 'WorkerProgramsChanged': {
      if (state.status !== 'ACTIVE') throw new DomainRuleViolation('change-needs-enrolment', 'data.nik', 'worker has no active enrolment');
      const problem = programsProblem(state.segment!, event.data.programs);
      if (problem) throw new DomainRuleViolation('programs-fit-segment', 'data.programs', problem);
      return;
    }
    default:
      assertNever(event);
  }
}
