import type { Formality, Program, Segment, SizeClass, Sponsor } from './reference/vocabulary.ts';

// Events as stored in the log (after pseudonymisation: no NIK, no personal
// name). Names are past tense; `data` shapes are schema version 1.
export type EmployerRegistered = {
  type: 'EmployerRegistered';
  data: { npp: string; name: string; regionCode: string; sizeClass: SizeClass; industry?: string; channel?: string };
};
export type EmployerDeregistered = { type: 'EmployerDeregistered'; data: { npp: string; reason: string } };
export type EmployerLicensed = {
  type: 'EmployerLicensed';
  data: { licenceNumber: string; name: string; regionCode: string; employees: number; npp?: string; wageBill?: number };
};
export type WorkerEnrolled = {
  type: 'WorkerEnrolled';
  data: {
    worker: string;
    segment: Segment;
    programs: Program[];
    regionCode: string;
    sponsor: Sponsor;
    employerNpp?: string;
    occupation?: string;
    branchOffice?: string;
  };
};
export type WorkerLapsed = { type: 'WorkerLapsed'; data: { worker: string; reason: string } };
export type WorkerProgramsChanged = { type: 'WorkerProgramsChanged'; data: { worker: string; programs: Program[] } };
export type WorkforceEstimated = {
  type: 'WorkforceEstimated';
  data: { regionCode?: string; segment?: Segment; formality?: Formality; count: number; source: string };
};
export type TargetScope = { regionCode?: string; segment?: Segment; sponsor?: Sponsor; program?: Program };
export type CoverageTargetSet = {
  type: 'CoverageTargetSet';
  data: {
    targetId: string;
    name: string;
    metric: 'ACTIVE_PARTICIPANTS' | 'COVERAGE_RATE' | 'EMPLOYER_COVERAGE_RATE';
    value: number;
    dueOn: string;
    scope: TargetScope;
    source: string;
  };
};
export type EventRetracted = { type: 'EventRetracted'; data: { eventId: string; reason: string } };
export type FigurePublished = {
  type: 'FigurePublished';
  data: { figureId: string; name: string; query: string; variables: Record<string, unknown>; answer: unknown; atPosition: number };
};

export type DomainEvent =
  | EmployerRegistered
  | EmployerDeregistered
  | EmployerLicensed
  | WorkerEnrolled
  | WorkerLapsed
  | WorkerProgramsChanged
  | WorkforceEstimated
  | CoverageTargetSet
  | EventRetracted
  | FigurePublished;
export type EventType = DomainEvent['type'];

export const EVENT_TYPES: readonly EventType[] = [
  'EmployerRegistered',
  'EmployerDeregistered',
  'EmployerLicensed',
  'WorkerEnrolled',
  'WorkerLapsed',
  'WorkerProgramsChanged',
  'WorkforceEstimated',
  'CoverageTargetSet',
  'EventRetracted',
  'FigurePublished',
];

/** An event proposed for the log: validated, pseudonymised, stream derived. */
export type ProposedEvent = DomainEvent & {
  eventId: string;
  effectiveOn: string;
  streamId: string;
  /** Region for the log's region column, when the event itself names one. */
  regionCode: string | null;
  /**
   * `data` in RFC 8785 canonical JSON, when the producer already has it (the
   * import parser computes it off the main thread); the store computes it otherwise.
   */
  dataJson?: string;
};

/** An event read back from the log. */
export type RecordedEvent = DomainEvent & {
  position: number;
  streamId: string;
  streamVersion: number;
  eventId: string;
  schemaVersion: number;
  effectiveOn: string;
  recordedAt: Date;
  regionCode: string | null;
};

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
