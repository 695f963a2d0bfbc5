import { CakupanError, ConcurrencyError, DomainRuleViolation, ValidationError, type FieldIssue } from '../../domain/errors.ts';
import { builder } from '../builder.ts';

// Expected failures are data (union members), not masked exceptions.
export const FieldIssueRef = builder.objectRef<FieldIssue>('FieldIssue').implement({
  description: 'One problem with one input field.',
  fields: (t) => ({
    field: t.exposeString('field', { description: 'Path of the field, e.g. data.nik' }),
    reason: t.exposeString('reason'),
  }),
});

export const ErrorInterface = builder.interfaceRef<CakupanError>('Error').implement({
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.exposeString('code', { description: 'VALIDATION, DOMAIN_RULE, CONCURRENCY, NOT_FOUND' }),
    issues: t.field({ type: [FieldIssueRef], resolve: (e) => e.issues }),
  }),
});

builder.objectType(ValidationError, { name: 'ValidationError', interfaces: [ErrorInterface], isTypeOf: (e) => e instanceof ValidationError });
builder.objectType(DomainRuleViolation, {
  name: 'DomainRuleViolation',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof DomainRuleViolation,
  fields: (t) => ({ rule: t.exposeString('rule') }),
});
builder.objectType(ConcurrencyError, {
  name: 'ConcurrencyError',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ConcurrencyError,
  fields: (t) => ({ streamId: t.exposeString('streamId'), actualVersion: t.exposeInt('actual') }),
});
