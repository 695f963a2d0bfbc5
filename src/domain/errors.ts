// One error family for the whole service. Codes are part of the API contract:
// GraphQL exposes them as `extensions.code`, the CLI prints them.
export const ErrorCode = {
  VALIDATION: 'VALIDATION',
  DOMAIN_RULE: 'DOMAIN_RULE',
  CONCURRENCY: 'CONCURRENCY',
  NOT_FOUND: 'NOT_FOUND',
  FORBIDDEN: 'FORBIDDEN',
  UNAVAILABLE: 'UNAVAILABLE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export type FieldIssue = { field: string; reason: string };

export class CakupanError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'CakupanError';
  }
}

/**
 * Recognises our errors by shape, not identity: a test runner or a bundler can
 * load this module twice, and `instanceof` then fails across the copies.
 */
export function isCakupanError(e: unknown): e is CakupanError {
  return e instanceof Error && typeof (e as CakupanError).code === 'string' && Object.values(ErrorCode).includes((e as CakupanError).code) && Array.isArray((e as CakupanError).issues);
}

export class ValidationError extends CakupanError {
  constructor(issues: FieldIssue[]) {
    super(ErrorCode.VALIDATION, issues.map((i) => `${i.field}: ${i.reason}`).join('; '), issues);
    this.name = 'ValidationError';
  }
}

export class DomainRuleViolation extends CakupanError {
  constructor(readonly rule: string, field: string, reason: string) {
    super(ErrorCode.DOMAIN_RULE, `${field}: ${reason}`, [{ field, reason }]);
    this.name = 'DomainRuleViolation';
  }
}

export class ConcurrencyError extends CakupanError {
  constructor(readonly streamId: string, readonly expected: string, readonly actual: number) {
    super(ErrorCode.CONCURRENCY, `stream ${streamId} is at version ${actual}, expected ${expected}`, [
      { field: 'expectedVersion', reason: `stream is at version ${actual}` },
    ]);
    this.name = 'ConcurrencyError';
  }
}

export class NotFoundError extends CakupanError {
  constructor(what: string) {
    super(ErrorCode.NOT_FOUND, `${what} not found`);
    this.name = 'NotFoundError';
  }
}
