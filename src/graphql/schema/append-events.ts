import { randomUUID } from 'node:crypto';
import { CakupanError, isCakupanError } from '../../domain/errors.ts';
import { appendEvents, type AppendInput, type AppendOutcome, type ExpectedVersion } from '../../eventstore/append.ts';
import { eventLineParser } from '../../importer/event-line.ts';
import { jakartaDay } from '../../projections/log-event.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { ErrorInterface, errorData } from './errors.ts';

const AppendStatus = builder.enumType('AppendStatus', { values: ['APPENDED', 'DUPLICATE', 'REJECTED'] as const });

const EventInput = builder.inputType('EventInput', {
  description: 'One event in the import format (see docs: import format). `data.nik` is pseudonymised on arrival.',
  fields: (t) => ({
    eventId: t.string({ required: true }),
    type: t.string({ required: true }),
    effectiveOn: t.field({ type: 'Date', required: true }),
    data: t.field({ type: 'JSON', required: true }),
    expectedVersion: t.string({ description: 'A stream version number, NO_STREAM, STREAM_EXISTS or ANY (default)' }),
  }),
});

export const AppendEventResult = builder.objectRef<AppendOutcome>('AppendEventResult').implement({
  fields: (t) => ({
    index: t.exposeInt('index'),
    eventId: t.exposeString('eventId'),
    status: t.field({ type: AppendStatus, resolve: (o) => (o.status === 'appended' ? 'APPENDED' : o.status === 'duplicate' ? 'DUPLICATE' : 'REJECTED') }),
    position: t.int({ nullable: true, resolve: (o) => ('position' in o ? o.position : null) }),
    streamId: t.string({ nullable: true, resolve: (o) => ('streamId' in o ? o.streamId : null) }),
    streamVersion: t.int({ nullable: true, resolve: (o) => (o.status === 'appended' ? o.streamVersion : null) }),
    error: t.field({ type: ErrorInterface, nullable: true, resolve: (o) => (o.status === 'rejected' ? errorData(o.error) : null) }),
    decidedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Set on a rejection decided earlier against the log and reported again (an id\'s outcome is final); `retryRejected: true` decides it again',
      resolve: (o) => (o.status === 'rejected' ? (o.decidedAt ?? null) : null),
    }),
  }),
});

type Result = { committed: boolean; headPosition: number; results: AppendOutcome[] };
const AppendEventsPayload = builder.objectRef<Result>('AppendEventsPayload').implement({
  fields: (t) => ({
    committed: t.exposeBoolean('committed', { description: 'False when an atomic batch had a rejection and nothing was written' }),
    headPosition: t.exposeInt('headPosition'),
    results: t.field({ type: [AppendEventResult], resolve: (r) => r.results }),
  }),
});

function expectedVersion(v: string | null | undefined): ExpectedVersion {
  if (v == null || v === 'ANY') return 'ANY';
  if (v === 'NO_STREAM' || v === 'STREAM_EXISTS') return v;
  if (/^\d+$/.test(v)) return Number(v);
  return Number.NaN; // never matches: reported as a CONCURRENCY rejection naming the value
}

builder.mutationField('appendEvents', (t) =>
  t.field({
    type: AppendEventsPayload,
    description:
      'Appends a batch of raw events. Atomic by default: one rejection and nothing is written. ' +
      'An eventId sent again with the same payload is a no-op (DUPLICATE); with another payload it is refused (CONFLICT). ' +
      'Without `atomic`, a rejection against the log is recorded and is the id\'s outcome when it is sent again, until `retryRejected`.',
    authScopes: { writer: true },
    args: {
      events: t.arg({ type: [EventInput], required: true }),
      atomic: t.arg.boolean({ defaultValue: true }),
      retryRejected: t.arg.boolean({ defaultValue: false, description: 'Decide again the events whose ids were rejected against the log before (otherwise that rejection is reported again)' }),
    },
    complexity: (args) => 10 + args.events.length,
    resolve: async (_root, args, ctx) => {
      if (args.events.length > 10_000) throw new CakupanError('VALIDATION', 'events: at most 10,000 per call', [{ field: 'events', reason: 'at most 10,000 per call' }]);
      const parse = eventLineParser(ctx.app.config);
      const inputs: (AppendInput | CakupanError)[] = args.events.map((e) => {
        try {
          return { ...parse({ eventId: e.eventId, type: e.type, effectiveOn: e.effectiveOn, data: e.data }), expectedVersion: expectedVersion(e.expectedVersion) };
        } catch (error) {
          if (isCakupanError(error)) return error;
          throw error;
        }
      });
      const invalid: AppendOutcome[] = inputs.flatMap((x, index) => (isCakupanError(x) ? [{ status: 'rejected' as const, index, eventId: args.events[index].eventId, error: x }] : []));
      const valid = inputs.flatMap((x, index) => (isCakupanError(x) ? [] : [{ x, index }]));
      if (invalid.length && (args.atomic ?? true)) {
        const [head] = await ctx.app.db.query<{ p: number }>('SELECT coalesce(max(position), 0) AS p FROM events');
        countOutcomes(ctx, invalid);
        return { committed: false, headPosition: head.p, results: invalid };
      }
      const r = await appendEvents(ctx.app.db, valid.map((v) => v.x), { atomic: args.atomic ?? true, retryRejected: args.retryRejected ?? false });
      if (r.committed) await ctx.app.catchUp();
      const results = [...invalid, ...r.outcomes.map((o) => ({ ...o, index: valid[o.index].index }))].sort((a, b) => a.index - b.index);
      countOutcomes(ctx, results);
      return { committed: r.committed, headPosition: r.headPosition, results };
    },
  }),
);

/**
 * Appends one event given in the import format, as a command: atomic,
 * idempotent on eventId (a new UUID when the client gives none), read models
 * brought up to date before the answer. Invalid input is a REJECTED result
 * with a typed error, like a domain-rule violation.
 */
export async function appendCommand(
  ctx: Context,
  event: { eventId?: string | null; type: string; effectiveOn?: string | null; data: Record<string, unknown>; expectedVersion?: string | null },
): Promise<AppendOutcome> {
  const eventId = event.eventId ?? randomUUID();
  let input: AppendInput;
  try {
    input = eventLineParser(ctx.app.config)({ eventId, type: event.type, effectiveOn: event.effectiveOn ?? jakartaDay(new Date()), data: withoutNulls(event.data) });
  } catch (error) {
    if (isCakupanError(error)) return countOutcomes(ctx, [{ status: 'rejected', index: 0, eventId, error }])[0];
    throw error;
  }
  const r = await appendEvents(ctx.app.db, [{ ...input, expectedVersion: expectedVersion(event.expectedVersion) }], { atomic: true });
  if (r.committed) await ctx.app.catchUp();
  return countOutcomes(ctx, r.outcomes)[0];
}

/** The import counters of /metrics (appended, duplicate, rejected). */
function countOutcomes<T extends { status: AppendOutcome['status'] }>(ctx: Context, outcomes: T[]): T[] {
  for (const o of outcomes) ctx.app.metrics.imported.inc({ outcome: o.status });
  return outcomes;
}

/** GraphQL passes omitted optional input fields as absent or null; the import format has them absent. */
function withoutNulls(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(data).flatMap(([k, v]) => (v === null || v === undefined ? [] : [[k, v && typeof v === 'object' && !Array.isArray(v) ? withoutNulls(v as Record<string, unknown>) : v]])),
  );
}

builder.mutationField('retractEvent', (t) =>
  t.field({
    type: AppendEventResult,
    description:
      'The correction path: appends an EventRetracted to the stream of the event. The event stays in the log, marked (retractedBy), and stops counting from the moment the retraction is recorded.',
    authScopes: { writer: true },
    args: {
      eventId: t.arg.string({ required: true }),
      reason: t.arg.string({ required: true }),
      effectiveOn: t.arg({ type: 'Date', description: 'Default: today (Asia/Jakarta)' }),
      retractionId: t.arg.string({ description: 'eventId of the retraction itself, for idempotent retries (default: a new UUID)' }),
    },
    resolve: (_root, args, ctx) =>
      appendCommand(ctx, { eventId: args.retractionId, type: 'EventRetracted', effectiveOn: args.effectiveOn, data: { eventId: args.eventId, reason: args.reason } }),
  }),
);
