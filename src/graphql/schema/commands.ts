import type { InputObjectRef } from '@pothos/core';
import { builder } from '../builder.ts';
import { AppendEventResult, appendCommand } from './append-events.ts';
import { FormalityEnum, LapseReasonEnum, ProgramEnum, SegmentEnum, SizeClassEnum, SponsorEnum, TargetMetricEnum } from './enums.ts';

// One mutation per command, each appending one event of the import format
// through the same validation, domain rules and idempotency as appendEvents.
// Every command takes the same envelope: an optional eventId (send one to
// retry safely), effectiveOn (default today, Asia/Jakarta) and expectedVersion.

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

const envelope = (t: PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>) => ({
  eventId: t.string({ description: 'The event id (a UUID). Send the same one to retry safely: a stored id is a DUPLICATE, not a second event. Default: a new UUID.' }),
  effectiveOn: t.field({ type: 'Date', description: 'When it happened (valid time). Default: today (Asia/Jakarta).' }),
  expectedVersion: t.string({ description: "The stream's current version, NO_STREAM, STREAM_EXISTS or ANY (default)" }),
});

type Envelope = { eventId?: string | null; effectiveOn?: string | null; expectedVersion?: string | null };

/** Declares `name(input: …Input!): AppendEventResult!`, appending one `eventType` event whose data `data` picks from the input. */
function command<I extends Envelope>(name: string, eventType: string, description: string, input: InputObjectRef<Types, I>, data: (input: I) => Record<string, unknown>): void {
  builder.mutationField(name, (t) =>
    t.field({
      type: AppendEventResult,
      description: `${description} Appends one ${eventType} event.`,
      authScopes: { writer: true },
      args: { input: t.arg({ type: input as InputObjectRef<Types, Envelope>, required: true }) },
      resolve: (_root, args, ctx) => {
        const i = args.input as unknown as I;
        return appendCommand(ctx, { eventId: i.eventId, type: eventType, effectiveOn: i.effectiveOn, expectedVersion: i.expectedVersion, data: data(i) });
      },
    }),
  );
}

const RegisterEmployerInput = builder.inputType('RegisterEmployerInput', {
  fields: (t) => ({
    ...envelope(t),
    npp: t.string({ required: true, description: 'Employer registration number' }),
    name: t.string({ required: true }),
    regionCode: t.string({ required: true, description: '4-digit regency/city code' }),
    sizeClass: t.field({ type: SizeClassEnum, required: true }),
    industry: t.string({ description: 'KBLI code' }),
    channel: t.string(),
  }),
});
command('registerEmployer', 'EmployerRegistered', 'Registers an employer (its NPP becomes the stream employer-<npp>).', RegisterEmployerInput, ({ npp, name, regionCode, sizeClass, industry, channel }) => ({ npp, name, regionCode, sizeClass, industry, channel }));

const DeregisterEmployerInput = builder.inputType('DeregisterEmployerInput', {
  fields: (t) => ({ ...envelope(t), npp: t.string({ required: true }), reason: t.string({ required: true }) }),
});
command('deregisterEmployer', 'EmployerDeregistered', 'Closes an employer registration.', DeregisterEmployerInput, ({ npp, reason }) => ({ npp, reason }));

const EnrolWorkerInput = builder.inputType('EnrolWorkerInput', {
  fields: (t) => ({
    ...envelope(t),
    nik: t.string({ required: true, description: 'The 16-digit NIK: checked, then pseudonymised (HMAC-SHA256) before anything is stored' }),
    segment: t.field({ type: SegmentEnum, required: true }),
    programs: t.field({ type: [ProgramEnum], required: true, description: 'JKK and JKM always; JP and JKP only for PU; JAKON exactly JKK+JKM; BPU and PMI may add JHT' }),
    regionCode: t.string({ required: true, description: '4-digit regency/city code' }),
    sponsor: t.field({ type: SponsorEnum, required: true }),
    employerNpp: t.string({ description: 'Required for PU and JAKON: a registered employer' }),
    occupation: t.string(),
    branchOffice: t.string(),
  }),
});
command('enrolWorker', 'WorkerEnrolled', 'Enrols a worker (not one with an active enrolment).', EnrolWorkerInput, ({ nik, segment, programs, regionCode, sponsor, employerNpp, occupation, branchOffice }) => ({
  nik, segment, programs, regionCode, sponsor, employerNpp, occupation, branchOffice,
}));

const RecordLapseInput = builder.inputType('RecordLapseInput', {
  fields: (t) => ({ ...envelope(t), nik: t.string({ required: true }), reason: t.field({ type: LapseReasonEnum, required: true }) }),
});
command('recordLapse', 'WorkerLapsed', "Ends a worker's active enrolment.", RecordLapseInput, ({ nik, reason }) => ({ nik, reason }));

const ChangeWorkerProgramsInput = builder.inputType('ChangeWorkerProgramsInput', {
  fields: (t) => ({ ...envelope(t), nik: t.string({ required: true }), programs: t.field({ type: [ProgramEnum], required: true }) }),
});
command('changeWorkerPrograms', 'WorkerProgramsChanged', "Changes an actively enrolled worker's programs (they must fit the segment).", ChangeWorkerProgramsInput, ({ nik, programs }) => ({ nik, programs }));

const TargetScopeInput = builder.inputType('TargetScopeInput', {
  fields: (t) => ({
    regionCode: t.string({ description: 'Province (2 digits) or regency/city (4 digits); nationwide when absent' }),
    segment: t.field({ type: SegmentEnum }),
    sponsor: t.field({ type: SponsorEnum }),
    program: t.field({ type: ProgramEnum }),
  }),
});
const SetTargetInput = builder.inputType('SetTargetInput', {
  fields: (t) => ({
    ...envelope(t),
    targetId: t.string({ required: true, description: 'Lower-case letters, digits and dashes; setting it again replaces the target' }),
    name: t.string({ required: true }),
    metric: t.field({ type: TargetMetricEnum, required: true }),
    value: t.float({ required: true, description: 'A count, or a rate between 0 and 1' }),
    dueOn: t.field({ type: 'Date', required: true }),
    scope: t.field({ type: TargetScopeInput }),
    source: t.string({ required: true, description: 'Where the target comes from (a plan, a regulation)' }),
  }),
});
command('setTarget', 'CoverageTargetSet', 'Sets or replaces a coverage target.', SetTargetInput, ({ targetId, name, metric, value, dueOn, scope, source }) => ({
  targetId, name, metric, value, dueOn, scope: scope ?? {}, source,
}));

const RecordWorkforceEstimateInput = builder.inputType('RecordWorkforceEstimateInput', {
  fields: (t) => ({
    ...envelope(t),
    regionCode: t.string({ description: 'Province or regency/city; nationwide when absent' }),
    segment: t.field({ type: SegmentEnum, description: 'Give a segment or a formality, not both' }),
    formality: t.field({ type: FormalityEnum }),
    count: t.int({ required: true }),
    source: t.string({ required: true, description: 'E.g. BPS Sakernas August 2023' }),
  }),
});
command('recordWorkforceEstimate', 'WorkforceEstimated', 'Records a workforce estimate: the denominator of coverage rates.', RecordWorkforceEstimateInput, ({ regionCode, segment, formality, count, source }) => ({
  regionCode, segment, formality, count, source,
}));
