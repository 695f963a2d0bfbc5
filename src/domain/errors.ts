// One error family for the whole service. Codes are part of the API contract:
// GraphQL exposes them as `extensions.code` (every error, graphql-yoga's and
// graphql-js's own included, is mapped onto this table in one place:
// graphql/error-codes.ts), the CLI prints them. `ERROR_CODES` says what each
// means for a client, and the HTTP status it maps to; the README shows it.
export const ErrorCode = {
  VALIDATION: 'VALIDATION',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONCURRENCY: 'CONCURRENCY',
  CONFLICT: 'CONFLICT',
  DOMAIN_RULE: 'DOMAIN_RULE',
  COST_LIMIT: 'COST_LIMIT',
  RATE_LIMITED: 'RATE_LIMITED',
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** What each code means to a client, the HTTP status a request-level error gets, and the log level. */
export const ERROR_CODES: Record<ErrorCode, { status: number; log: 'info' | 'warn' | 'error'; clientAction: string }> = {
  VALIDATION: { status: 400, log: 'info', clientAction: `fix the request: \`issues\` name each field and the reason; do not retry unchanged` },
  UNAUTHENTICATED: { status: 401, log: 'warn', clientAction: `send a valid API key or JWT (\`Authorization: Bearer …\`), or none for PUBLIC` },
  FORBIDDEN: { status: 403, log: 'warn', clientAction: 'use a key whose role allows the field' },
  NOT_FOUND: { status: 404, log: 'info', clientAction: 'the id, code or stream does not exist; check it' },
  CONCURRENCY: { status: 409, log: 'info', clientAction: `the stream moved: read it again, decide again, resend with the new \`expectedVersion\`` },
  CONFLICT: { status: 409, log: 'info', clientAction: `the event id was decided before for a different payload (\`issues\` name the position or the rejection): give a new event its own id` },
  DOMAIN_RULE: { status: 422, log: 'info', clientAction: `the command breaks a rule of the domain (\`rule\` names it); do not retry unchanged` },
  COST_LIMIT: { status: 400, log: 'warn', clientAction: `ask for less: fewer fields, aliases, groups or periods (\`issues\` name the budget and the figure)` },
  RATE_LIMITED: { status: 429, log: 'warn', clientAction: `slow down: this client sent more requests than its rate (\`CAKUPAN_RATE_LIMIT_PUBLIC\` per address, \`CAKUPAN_RATE_LIMIT_KEY\` per key); retry after \`Retry-After\` seconds` },
  UNAVAILABLE: { status: 503, log: 'warn', clientAction: 'the service or its database is not ready (the CLI: the PGlite directory is held by a server); retry with back-off' },
  INTERNAL: { status: 500, log: 'error', clientAction: `a bug or an outage on our side; retry later and report the \`x-request-id\`` },
};

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

  /** graphql-js copies an original error's `extensions` into the GraphQLError it wraps it in. */
  get extensions(): Record<string, unknown> {
    return { code: this.code, issues: this.issues };
  }
}

/**
 * Recognises our errors by shape, not identity: a test runner or a bundler can
 * load this module twice, and `instanceof` then fails across the copies.
 */
export function isCakupanError(e: unknown): e is CakupanError {
  return e instanceof Error && typeof (e as CakupanError).code === 'string' && Object.values(ErrorCode).includes((e as CakupanError).code) && Array.isArray((e as CakupanError).issues);
}

/** The message an error with these issues carries: "field: reason; field: reason". */
export const issuesMessage = (issues: FieldIssue[]): string => issues.map((i) => `${i.field}: ${i.reason}`).join('; ');

export class ValidationError extends CakupanError {
  constructor(issues: FieldIssue[]) {
    super(ErrorCode.VALIDATION, issuesMessage(issues), issues);
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

/**
 * An event id that the log has already decided (appended, or rejected against
 * the log) sent again with a different payload. An id names one event: the
 * new payload is refused, never taken for a duplicate.
 */
export class ConflictError extends CakupanError {
  constructor(
    readonly eventId: string,
    readonly stored: { position: number } | { rejectedAt: Date; code: string },
  ) {
    const reason =
      'position' in stored
        ? `is in the log at position ${stored.position} with a different payload`
        : `was rejected (${stored.code}) at ${stored.rejectedAt.toISOString()} with a different payload; retryRejected decides it again`;
    super(ErrorCode.CONFLICT, `eventId: ${reason}`, [{ field: 'eventId', reason }]);
    this.name = 'ConflictError';
  }
}

export class NotFoundError extends CakupanError {
  constructor(what: string) {
    super(ErrorCode.NOT_FOUND, `${what} not found`);
    this.name = 'NotFoundError';
  }
}
