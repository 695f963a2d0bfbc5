import { decideEmployer, evolveEmployer, initialEmployer, type EmployerEvent, type EmployerState } from './employer/employer.ts';
import { DomainRuleViolation } from './errors.ts';
import type { DomainEvent } from './events.ts';
import { decideWorker, evolveWorker, initialWorker, type WorkerEvent, type WorkerState } from './worker/worker.ts';

/** What the write side remembers of a stream: enough to decide the next event. */
export type StreamSnapshot = {
  version: number;
  lastEffectiveOn: string | null;
  /** Event ids of this stream that a later EventRetracted withdrew. */
  retracted: string[];
  worker?: WorkerState;
  employer?: EmployerState;
};

export const emptyStream = (): StreamSnapshot => ({ version: 0, lastEffectiveOn: null, retracted: [] });

/** An event as the deciders fold it: its data plus id and effective date. */
export type Fact = DomainEvent & { eventId: string; effectiveOn: string };

export type RetractionTarget = { streamId: string; type: string; retracted: boolean };

export type DecisionContext = {
  employer: (npp: string) => EmployerState | undefined;
  /** The event an EventRetracted names, as the log (and this batch) knows it. */
  target: (eventId: string) => RetractionTarget | undefined;
};

const isWorker = (e: DomainEvent): e is WorkerEvent => e.type.startsWith('Worker');
const isEmployer = (e: DomainEvent): e is EmployerEvent => e.type === 'EmployerRegistered' || e.type === 'EmployerDeregistered';

/** Applies the domain rules; throws DomainRuleViolation when the event may not be appended. */
export function decide(stream: StreamSnapshot, event: Fact, ctx: DecisionContext): void {
  if (stream.lastEffectiveOn && event.effectiveOn < stream.lastEffectiveOn) {
    throw new DomainRuleViolation('effective-order', 'effectiveOn', `${event.effectiveOn} is before the stream's previous fact (${stream.lastEffectiveOn})`);
  }
  if (isWorker(event)) return decideWorker(stream.worker ?? NO_WORKER, event, { effectiveOn: event.effectiveOn, employer: ctx.employer });
  if (isEmployer(event)) return decideEmployer(stream.employer ?? NO_EMPLOYER, event);
  if (event.type === 'EventRetracted') {
    const target = ctx.target(event.data.eventId);
    if (!target) throw new DomainRuleViolation('retract-existing', 'data.eventId', `no event ${event.data.eventId} in the log`);
    if (target.type === 'EventRetracted') throw new DomainRuleViolation('retract-existing', 'data.eventId', 'a retraction cannot itself be retracted');
    if (target.retracted) throw new DomainRuleViolation('retract-once', 'data.eventId', `event ${event.data.eventId} is already retracted`);
  }
}

/** Folds one new event into the snapshot (retractions are folded by `refold`). */
export function evolve(stream: StreamSnapshot, event: Fact): StreamSnapshot {
  const next: StreamSnapshot = { ...stream, version: stream.version + 1, lastEffectiveOn: event.effectiveOn };
  if (isWorker(event)) next.worker = evolveWorker(stream.worker ?? NO_WORKER, event, event.effectiveOn);
  else if (isEmployer(event)) next.employer = evolveEmployer(stream.employer ?? NO_EMPLOYER, event, event.effectiveOn);
  return next;
}

// The states of a stream without a worker or employer event yet, shared: deciders and evolvers never change a state.
const NO_WORKER = Object.freeze(initialWorker());
const NO_EMPLOYER = Object.freeze(initialEmployer());

/**
 * Rebuilds a snapshot from a stream's whole history, leaving out retracted
 * events: a retraction makes its event count as if it had never been appended.
 */
export function refold(history: Fact[]): StreamSnapshot {
  const retracted = new Set(history.filter((e) => e.type === 'EventRetracted').map((e) => (e.data as { eventId: string }).eventId));
  let snapshot = emptyStream();
  for (const e of history) {
    if (retracted.has(e.eventId)) {
      snapshot = { ...snapshot, version: snapshot.version + 1, lastEffectiveOn: e.effectiveOn };
    } else {
      snapshot = evolve(snapshot, e);
    }
  }
  return { ...snapshot, retracted: [...retracted] };
}
