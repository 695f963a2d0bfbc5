import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ErrorCode, ERROR_CODES } from '../domain/errors.ts';

// The one place where every GraphQL error gets a code from the service's table
// (domain/errors.ts): ours pass as they are; graphql-js's and graphql-yoga's
// own (parse and validation failures, variable coercion, bad HTTP requests)
// become VALIDATION; whatever was masked becomes INTERNAL.
const FOREIGN: Record<string, ErrorCode> = {
  GRAPHQL_PARSE_FAILED: 'VALIDATION',
  GRAPHQL_VALIDATION_FAILED: 'VALIDATION',
  BAD_USER_INPUT: 'VALIDATION',
  BAD_REQUEST: 'VALIDATION',
  PERSISTED_QUERY_NOT_FOUND: 'VALIDATION',
  INTERNAL_SERVER_ERROR: 'INTERNAL',
};

const ARMOR_LIMIT = /^(?:Syntax Error: )?(?:Token|Aliases) limit of \d+ exceeded/;

export function codeOf(error: GraphQLError): ErrorCode {
  // graphql-armor's refusals (too many tokens or aliases) are a request over its budget
  if (ARMOR_LIMIT.test(error.message)) return 'COST_LIMIT';
  // Pothos refusing arguments it cannot take together (a connection's before and after)
  if (error.name === 'PothosValidationError' || (error.originalError as Error | undefined)?.name === 'PothosValidationError') return 'VALIDATION';
  const code = error.extensions?.code;
  if (typeof code === 'string') {
    if (code in ERROR_CODES) return code as ErrorCode;
    if (code in FOREIGN) return FOREIGN[code];
  }
  // graphql-js's request errors (unknown operation name, variables that do not
  // coerce) carry no code and no original error; an unexpected error that
  // slipped past masking carries its original.
  if (error.extensions?.unexpected || error.originalError) return 'INTERNAL';
  return 'VALIDATION';
}

/**
 * A copy of an error keeps where it happened: graphql-jit's errors carry
 * `locations` without the AST nodes GraphQLError derives them from.
 */
export function keepLocations(from: GraphQLError, to: GraphQLError): GraphQLError {
  if (!to.locations && from.locations?.length) (to as { locations?: GraphQLError['locations'] }).locations = from.locations;
  return to;
}

function withCode(error: GraphQLError): GraphQLError {
  const code = codeOf(error);
  if (error.extensions?.code === code) return error;
  const { unexpected: _, ...extensions } = error.extensions ?? {};
  return keepLocations(error, new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...extensions, code },
  }));
}

/** Puts a code from the table on every error of every result (single, batched). */
export function useErrorCodes(onErrors?: (request: Request, errors: readonly GraphQLError[]) => void): Plugin {
  const fix = (request: Request, r: ExecutionResult): ExecutionResult => {
    if (!r.errors?.length) return r;
    const errors = r.errors.map(withCode);
    onErrors?.(request, errors);
    return { ...r, errors };
  };
  return {
    onResultProcess({ request, result, setResult }) {
      if (Array.isArray(result)) setResult(result.map((r) => fix(request, r)));
      else if (result && typeof result === 'object' && !(Symbol.asyncIterator in result)) setResult(fix(request, result as ExecutionResult));
    },
  };
}
