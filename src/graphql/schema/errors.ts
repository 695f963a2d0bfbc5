import type { CakupanError, FieldIssue } from '../../domain/errors.ts';
import { builder } from '../builder.ts';

// Expected failures are data, not masked exceptions. They are copied into
// plain objects: graphql-js treats an Error returned by a resolver as thrown.
export type ErrorData = { code: string; message: string; issues: FieldIssue[]; rule?: string; streamId?: string; actual?: number; storedPosition?: number };
export const errorData = (e: CakupanError): ErrorData => ({
  code: e.code,
  message: e.message,
  issues: e.issues,
  rule: (e as { rule?: string }).rule,
  streamId: (e as { streamId?: string }).streamId,
  actual: (e as { actual?: number }).actual,
  storedPosition: (e as { stored?: { position?: number } }).stored?.position,
});

export const FieldIssueRef = builder.objectRef<FieldIssue>('FieldIssue').implement({
  description: 'One problem with one input field.',
  fields: (t) => ({
    field: t.exposeString('field', { description: 'Path of the field, e.g. data.nik' }),
    reason: t.exposeString('reason'),
  }),
});

export const ErrorInterface = builder.interfaceRef<ErrorData>('Error').implement({
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.exposeString('code', { description: 'VALIDATION, DOMAIN_RULE, CONCURRENCY or CONFLICT' }),
    issues: t.field({ type: [FieldIssueRef], resolve: (e) => e.issues }),
  }),
});

builder.objectRef<ErrorData>('ValidationError').implement({ interfaces: [ErrorInterface], isTypeOf: (e) => (e as ErrorData).code === 'VALIDATION' });
builder.objectRef<ErrorData>('DomainRuleViolation').implement({
  interfaces: [ErrorInterface],
  isTypeOf: (e) => (e as ErrorData).code === 'DOMAIN_RULE',
  fields: (t) => ({ rule: t.string({ resolve: (e) => e.rule ?? '' }) }),
});
builder.objectRef<ErrorData>('ConcurrencyError').implement({
  interfaces: [ErrorInterface],
  isTypeOf: (e) => (e as ErrorData).code === 'CONCURRENCY',
  fields: (t) => ({ streamId: t.string({ resolve: (e) => e.streamId ?? '' }), actualVersion: t.int({ resolve: (e) => e.actual ?? 0 }) }),
});
builder.objectRef<ErrorData>('ConflictError').implement({
  description: 'The event id was decided before for a different payload: in the log (`storedPosition`) or rejected. An id names one event; give a new event its own id.',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => (e as ErrorData).code === 'CONFLICT',
  fields: (t) => ({ storedPosition: t.int({ nullable: true, description: 'Where the id is in the log; null when it was rejected', resolve: (e) => e.storedPosition ?? null }) }),
});
