import { z } from 'zod';
import type { Config } from '../config/config.ts';
import { ValidationError, type FieldIssue } from '../domain/errors.ts';
import type { DomainEvent, ProposedEvent } from '../domain/events.ts';
import { DATE_RULE, isIsoDate } from '../domain/reference/calendar.ts';
import { FORMALITIES, LAPSE_REASONS, PROGRAMS, SEGMENTS, SIZE_CLASSES, SPONSORS, TARGET_METRICS } from '../domain/reference/vocabulary.ts';
import { currentRegencyCode, isProvinceCode } from '../domain/regions/regions.ts';
import { isWellFormedUnicode } from '../domain/reference/text.ts';
import { nikProblem, pseudonymiser, WORKER_STREAM_PREFIX } from '../domain/worker/nik.ts';
import { canonicalJson } from '../eventstore/hash.ts';

// The public import format (docs/import-format.md), validated field
// by field. Objects are strict: an unexpected key (a worker's name, say) is
// rejected rather than silently stored.

// Facts of this history happen within the service's supported dates (SUPPORTED_DATES): a date outside them is a typo (2103 for 2013) or a placeholder.
const isoDate = z.string().superRefine((d, ctx) => {
  if (!isIsoDate(d)) ctx.addIssue({ code: 'custom', message: DATE_RULE });
});

// PostgreSQL cannot store a NUL character or a lone UTF-16 surrogate in text
// or jsonb: refused here, field by field, rather than failing the batch's write.
const text = (max = 200) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max)
    .refine((s) => !s.includes('\u0000'), 'must not contain a NUL character (\\u0000)')
    .refine(isWellFormedUnicode, 'must be well-formed Unicode (a lone surrogate such as \\ud800 cannot be stored)');
const regency = z.string().regex(/^\d{4}$/, 'must be a 4-digit regency/city code').refine((c) => currentRegencyCode(c) !== undefined, 'is not a known regency/city code');
const regionAny = z
  .string()
  .refine((c) => (c.length === 2 ? isProvinceCode(c) : c.length === 4 && currentRegencyCode(c) !== undefined), 'is not a known province (2-digit) or regency/city (4-digit) code');
const nik = z.string().superRefine((v, ctx) => {
  const problem = nikProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: `NIK ${problem}` });
});
const programs = z.array(z.enum(PROGRAMS)).min(1, 'must list at least one program');

function dataSchemas(nppPattern: RegExp) {
  const npp = z.string().regex(nppPattern, `must match the NPP pattern ${nppPattern.source}`);
  return {
    EmployerRegistered: z.strictObject({ npp, name: text(), regionCode: regency, sizeClass: z.enum(SIZE_CLASSES), industry: text(20).optional(), channel: text(50).optional() }),
    EmployerDeregistered: z.strictObject({ npp, reason: text() }),
    EmployerLicensed: z.strictObject({ licenceNumber: text(80), name: text(), regionCode: regency, employees: z.number().int().min(0), npp: npp.optional(), wageBill: z.number().min(0).optional() }),
    WorkerEnrolled: z.strictObject({
      nik,
      segment: z.enum(SEGMENTS),
      programs,
      regionCode: regency,
      sponsor: z.enum(SPONSORS),
      employerNpp: npp.optional(),
      occupation: text(80).optional(),
      branchOffice: text(80).optional(),
    }),
    WorkerLapsed: z.strictObject({ nik, reason: z.enum(LAPSE_REASONS) }),
    WorkerProgramsChanged: z.strictObject({ nik, programs }),
    WorkforceEstimated: z
      .strictObject({ regionCode: regionAny.optional(), segment: z.enum(SEGMENTS).optional(), formality: z.enum(FORMALITIES).optional(), count: z.number().int().positive(), source: text() })
      .refine((d) => !(d.segment && d.formality), { message: 'give segment or formality, not both', path: ['formality'] }),
    CoverageTargetSet: z.strictObject({
      targetId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lower-case letters, digits and dashes'),
      name: text(),
      metric: z.enum(TARGET_METRICS),
      value: z.number().positive(),
      dueOn: isoDate,
      scope: z.strictObject({ regionCode: regionAny.optional(), segment: z.enum(SEGMENTS).optional(), sponsor: z.enum(SPONSORS).optional(), program: z.enum(PROGRAMS).optional() }),
      source: text(),
    }),
    EventRetracted: z.strictObject({ eventId: z.uuid('must be a UUID'), reason: text() }),
  } as const;
}

export type ImportableType = keyof ReturnType<typeof dataSchemas>;
const IMPORTABLE = Object.keys(dataSchemas(/x/)) as ImportableType[];
export const isImportableType = (t: string): t is ImportableType => (IMPORTABLE as string[]).includes(t);

/** A key of the input named in a reason only when it looks like a field name: a reject never repeats arbitrary input. */
const shownKey = (k: PropertyKey) => (typeof k === 'string' && /^[A-Za-z_][A-Za-z0-9_]{0,39}$/.test(k) ? k : '(an unexpected key)');

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const Envelope = z.strictObject({
  eventId: z.uuid('must be a UUID'),
  type: z.string(),
  effectiveOn: isoDate,
  // Checked, not copied: the event type's own schema validates the fields.
  data: z.custom<Record<string, unknown>>(isPlainObject, 'must be an object'),
});

function issuesOf(error: z.ZodError, input: unknown, prefix = ''): FieldIssue[] {
  return error.issues.flatMap((i) => {
    // "data.nik"; an issue with the whole data object is "data"; with the whole line "(line)".
    const at = (...path: PropertyKey[]) => (path.length ? prefix + path.join('.') : prefix.replace(/\.$/, '') || '(line)');
    if (i.code === 'unrecognized_keys') {
      return i.keys.slice(0, 5).map((k) => ({ field: at(...i.path.map(shownKey), shownKey(k)), reason: 'is not a field of this event type (extra data, such as names, is refused)' }))
        .concat(i.keys.length > 5 ? [{ field: at(...i.path.map(shownKey)), reason: `and ${i.keys.length - 5} more keys that are not fields of this event type` }] : []);
    }
    const missing = i.path.length > 0 && valueAt(input, i.path) === undefined;
    return [{ field: at(...i.path.map(shownKey)), reason: missing ? 'is required' : i.message.replace(/^Invalid input: /, '') }];
  });
}

/** The value at a path of the input (undefined when any step is missing). */
function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Builds the parser that turns one import line (already JSON-parsed) into a proposed event. */
export function eventLineParser(config: Pick<Config, 'nppPattern' | 'pseudonymSecret'>) {
  const schemas = dataSchemas(config.nppPattern);
  const worker = pseudonymiser(config.pseudonymSecret);

  return function parseEventLine(input: unknown): ProposedEvent {
    const envelope = Envelope.safeParse(input);
    if (!envelope.success) throw new ValidationError(issuesOf(envelope.error, input));
    const { eventId, type, effectiveOn } = envelope.data;
    if (!isImportableType(type)) {
      throw new ValidationError([{ field: 'type', reason: `is not an event type that can be imported (expected one of ${IMPORTABLE.join(', ')})` }]);
    }
    const parsed = schemas[type as ImportableType].safeParse(envelope.data.data);
    if (!parsed.success) throw new ValidationError(issuesOf(parsed.error, envelope.data.data, 'data.'));
    const event = toStored(type as ImportableType, parsed.data as never, worker);
    const { streamId, regionCode } = streamOf(event, effectiveOn);
    // One object literal: spreading four objects into one cost more than validating the line.
    return { eventId, effectiveOn, type: event.type, data: event.data, streamId, regionCode, dataJson: canonicalJson(event.data) } as ProposedEvent;
  };
}

type Parsed<T extends ImportableType> = z.infer<ReturnType<typeof dataSchemas>[T]>;

function toStored(type: ImportableType, d: Parsed<ImportableType>, worker: (nik: string) => string): DomainEvent {
  switch (type) {
    case 'WorkerEnrolled': {
      const data = pseudonymised(d as Parsed<'WorkerEnrolled'>, worker);
      data.regionCode = currentRegencyCode(data.regionCode as string)!;
      return { type, data } as DomainEvent;
    }
    case 'WorkerLapsed':
    case 'WorkerProgramsChanged':
      return { type, data: pseudonymised(d as Parsed<'WorkerLapsed'>, worker) } as DomainEvent;
    case 'EmployerRegistered':
    case 'EmployerLicensed': {
      // zod's output is a fresh object: safe to update in place.
      const e = d as Parsed<'EmployerRegistered'>;
      e.regionCode = currentRegencyCode(e.regionCode)!;
      return { type, data: e } as DomainEvent;
    }
    case 'WorkforceEstimated': {
      const e = d as Parsed<'WorkforceEstimated'>;
      if (e.regionCode?.length === 4) e.regionCode = currentRegencyCode(e.regionCode)!;
      return { type, data: e };
    }
    default:
      return { type, data: d } as DomainEvent;
  }
}

/** The worker's data with the NIK replaced by its pseudonym ("worker"): every other field as validated. */
function pseudonymised(d: { nik: string }, worker: (nik: string) => string): Record<string, unknown> {
  const out: Record<string, unknown> = { worker: worker(d.nik) };
  for (const [key, value] of Object.entries(d)) if (key !== 'nik') out[key] = value;
  return out;
}

/** The stream an event belongs to and the region it is filed under. */
function streamOf(e: DomainEvent, effectiveOn: string): { streamId: string; regionCode: string | null } {
  switch (e.type) {
    case 'WorkerEnrolled':
      return { streamId: `${WORKER_STREAM_PREFIX}${e.data.worker}`, regionCode: e.data.regionCode };
    case 'WorkerLapsed':
    case 'WorkerProgramsChanged':
      return { streamId: `${WORKER_STREAM_PREFIX}${e.data.worker}`, regionCode: null };
    case 'EmployerRegistered':
      return { streamId: `employer-${e.data.npp}`, regionCode: e.data.regionCode };
    case 'EmployerDeregistered':
      return { streamId: `employer-${e.data.npp}`, regionCode: null };
    case 'EmployerLicensed':
      return { streamId: `licence-${e.data.licenceNumber}`, regionCode: e.data.regionCode };
    case 'WorkforceEstimated': {
      const part = e.data.segment ?? e.data.formality ?? 'ALL';
      return { streamId: `workforce-${e.data.regionCode ?? 'ID'}-${part}-${effectiveOn.slice(0, 4)}`, regionCode: e.data.regionCode ?? null };
    }
    case 'CoverageTargetSet':
      return { streamId: `target-${e.data.targetId}`, regionCode: e.data.scope.regionCode ?? null };
    case 'FigurePublished':
      return { streamId: `figure-${e.data.figureId}`, regionCode: null };
    case 'EventRetracted':
      // The retracted event's stream is only known from the log: the store fills it in.
      return { streamId: '', regionCode: null };
  }
}
