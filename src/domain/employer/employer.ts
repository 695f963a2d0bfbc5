import { DomainRuleViolation } from '../errors.ts';
import type { EmployerDeregistered, EmployerRegistered } from '../events.ts';
import { assertNever } from '../events.ts';
import type { SizeClass } from '../reference/vocabulary.ts';

export type EmployerEvent = EmployerRegistered | EmployerDeregistered;

export type EmployerState = {
  status: 'NONE' | 'REGISTERED' | 'DEREGISTERED';
  regionCode?: string;
  sizeClass?: SizeClass;
  since?: string;
};
export const initialEmployer = (): EmployerState => ({ status: 'NONE' });

export function evolveEmployer(state: EmployerState, event: EmployerEvent, effectiveOn: string): EmployerState {
  switch (event.type) {
    case 'EmployerRegistered':
      return { status: 'REGISTERED', regionCode: event.data.regionCode, sizeClass: event.data.sizeClass, since: effectiveOn };
    case 'EmployerDeregistered':
      return state.status === 'REGISTERED' ? { ...state, status: 'DEREGISTERED', since: effectiveOn } : state;
    default:
      return assertNever(event);
  }
}

export function decideEmployer(state: EmployerState, event: EmployerEvent): void {
  switch (event.type) {
    case 'EmployerRegistered':
      if (state.status === 'REGISTERED') throw new DomainRuleViolation('single-registration', 'data.npp', `employer ${event.data.npp} is already registered`);
      return;
    case 'EmployerDeregistered':
      if (state.status !== 'REGISTERED') throw new DomainRuleViolation('deregister-needs-registration', 'data.npp', `employer ${event.data.npp} is not registered`);
      return;
    default:
      assertNever(event);
  }
}
