import { useGraphQlJit } from '@envelop/graphql-jit';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { getOperationAST, GraphQLError as GraphQLErrorClass, visit, type ExecutionArgs, type ExecutionResult, type GraphQLError } from 'graphql';
import { createYoga, maskError, type Plugin } from 'graphql-yoga';
import type { App, ProcessApp } from '../app/app.ts';
import { logger } from '../config/logger.ts';
import { isDatabaseUnavailable } from '../db/database.ts';
import { ErrorCode } from '../domain/errors.ts';
import { isStorableText } from '../domain/reference/text.ts';
import { useByteBodies } from '../http/byte-bodies.ts';
import { useAnswerCache } from '../http/answer-cache.ts';
import { createRateLimits } from '../http/rate-limit.ts';
import { recordErrors, useOperations } from '../http/operations.ts';
import { useDashboard } from '../web/dashboard-plugin.ts';
import { roleFor } from './auth.ts';
import type { Context } from './context.ts';
import { keepLocations, useErrorCodes } from './error-codes.ts';
import { schema } from './schema/index.ts';

/**
 * The GraphQL server as a fetch handler: `serve` mounts it on node:http, tests
 * call `yoga.fetch` in-process. Unexpected errors are masked (and logged once
 * with their stack and request id, by recordErrors); expected ones keep their message; every error carries an
 * `extensions.code` from the table in domain/errors.ts.
 */
export function createYogaServer(app: App) {
  const logged = new WeakSet<object>();
  const rateLimits = createRateLimits(app);
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // cross-origin access only for configured origins (graphql-yoga's default reflects any origin, with credentials)
    cors: (request) => {
      const origin = request.headers.get('origin');
      return origin && app.config.corsOrigins.includes(origin)
        ? { origin, credentials: true, methods: ['GET', 'POST', 'OPTIONS'], allowedHeaders: ['content-type', 'authorization', 'accept', 'x-request-id', MIN_POSITION_HEADER, 'x-graphql-yoga-csrf'], exposedHeaders: ['x-request-id'], maxAge: 600 }
        : false;
    },
    graphiql: { title: 'cakupan', defaultQuery: DEFAULT_QUERY },
    // useBodyLimit bounds the body instead (see there why)
    maxRequestBodySize: false,
    logging: {
      debug: (...a) => logger.debug(logArgs(a)),
      info: (...a) => logger.info(logArgs(a)),
      warn: (...a) => logger.warn(logArgs(a)),
      // graphql-yoga logs a masked error it caught; maskError below has logged it already
      error: (...a) => (a.length === 1 && typeof a[0] === 'object' && a[0] && logged.has(a[0]) ? undefined : logger.error(logArgs(a))),
    },
    // JSON POSTs pass; a GET needs an x-graphql-yoga-csrf header (no cross-site simple requests).
    plugins: [
      // first: a refused client or body costs nothing further
      rateLimits.plugin,
      useBodyLimit(),
      useMutationsOnPrimary(),
      useWellFormedStrings(),
      useOperations(app),
      // (the answer cache's onResponse sets its bytes before useByteBodies looks)
      useAnswerCache(app),
      useByteBodies(),
      useCSRFPrevention(),
      // parse and validation bounds (graphql-armor): tokens before a document is parsed whole, aliases over fragments
      maxTokensPlugin({ n: MAX_TOKENS, exposeLimits: true }),
      maxAliasesPlugin({ n: MAX_ALIASES, exposeLimits: true }),
      useGraphQlJit({}, { enableIf: notSubscription }),
      // after graphql-jit, so it times the execute function jit installs
      useExecutionTimeout(app.config.requestTimeoutMs),
      useDashboard(app),
      useErrorCodes((request, errors) => recordErrors(app, request, errors)),
    ],
    // queries and subscriptions read through the replica (when there is one); mutations write through the primary
    context: async (initial) => {
      const { request } = initial;
      // a failed authentication is charged to the address: guessing keys is rate-limited
      const role = await roleFor(app.db, request.headers.get('authorization'), app.config.jwt).catch((e: unknown) => {
        rateLimits.authenticationFailed(initial);
        throw e;
      });
      return { app: await readView(app, request), request, role };
    },
    maskedErrors: {
      maskError(error, message, isDev) {
        // by shape, not instanceof: graphql can be loaded twice (CJS and ESM).
        // Errors with a code (ours: CakupanError and deliberate GraphQLErrors) pass unmasked.
        const original = (error as { originalError?: unknown }).originalError ?? error;
        if ((original as GraphQLError | undefined)?.extensions?.code) return error as Error;
        // graphql-js's own request errors (a variable not provided, …) have no original: not a bug
        if ((error as Error).name === 'GraphQLError' && original === error) return error as Error;
        // PostgreSQL down or restarting: an outage to retry, not a bug
        if (isDatabaseUnavailable(original)) {
          const e = error as GraphQLError;
          logger.warn({ err: original }, `database unavailable: ${(original as Error).message}`);
          return keepLocations(e, new GraphQLErrorClass('the database is unavailable; retry with back-off', { nodes: e.nodes, source: e.source, positions: e.positions, path: e.path, extensions: { code: ErrorCode.UNAVAILABLE } }));
        }
        // The client sees "Unexpected error." and INTERNAL; the original rides along
        // (graphql-js never serialises it) so that recordErrors logs it once, with
        // its stack and the request id. Yoga's own log of it is skipped.
        logged.add(error as object).add(original as object);
        const masked = maskError(error, message, isDev) as GraphQLError;
        const out = new GraphQLErrorClass(masked.message, { nodes: masked.nodes, source: masked.source, positions: masked.positions, path: masked.path, extensions: masked.extensions, originalError: original as Error });
        return keepLocations(error as GraphQLError, out);
      },
    },
  });
}

/** The largest request body read (appendEvents' 10,000 events fit in a few MB). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * A request announcing a larger body is refused (413, COST_LIMIT) before it
 * is read; Node's HTTP parser never reads past the length a request
 * announces. A body without a length (chunked) is counted as it is read and
 * refused the same way once it passes the limit. (Yoga's own limit, switched
 * off, pipes every body through a stream transform whose end creates an
 * AbortError: about as much CPU as answering `{ __typename }`.)
 */
function useBodyLimit(): Plugin {
  const tooLarge = (length: number) => {
    const reason = `${length} bytes is over the limit of ${MAX_BODY_BYTES} bytes per request`;
    return { message: `the request body: ${reason}`, extensions: { code: ErrorCode.COST_LIMIT, issues: [{ field: 'body', reason }] } };
  };
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      const length = Number(request.headers.get('content-length') ?? 0);
      if (!(length > MAX_BODY_BYTES)) return;
      endResponse(new fetchAPI.Response(JSON.stringify({ errors: [tooLarge(length)] }), { status: 413, headers: { 'content-type': 'application/json; charset=utf-8' } }));
    },
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      if (request.headers.has('content-length') || !request.body || !requestParser) return;
      setRequestParser(async (req) => {
        const chunks: Uint8Array[] = [];
        let length = 0;
        for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
          length += chunk.byteLength;
          if (length > MAX_BODY_BYTES) {
            const { message, extensions } = tooLarge(length);
            throw new GraphQLErrorClass(message, { extensions: { ...extensions, http: { status: 413 } } });
          }
          chunks.push(chunk);
        }
        return requestParser(new fetchAPI.Request(req.url, { method: req.method, headers: req.headers, body: Buffer.concat(chunks) }));
      });
    },
  };
}

/**
 * PostgreSQL stores no NUL character and no lone UTF-16 surrogate: a string
 * holding one, in a variable or a literal, is refused as VALIDATION naming
 * where it is, before anything runs (rather than failing inside a query).
 */
function useWellFormedStrings(): Plugin<Context> {
  const bad = (s: string) => !isStorableText(s);
  const find = (value: unknown, at: string, depth = 0): string | undefined => {
    if (typeof value === 'string') return bad(value) ? at : undefined;
    if (depth > 64 || value === null || typeof value !== 'object') return undefined;
    for (const [k, v] of Object.entries(value)) {
      const hit = find(v, Array.isArray(value) ? `${at}[${k}]` : `${at}.${k}`, depth + 1);
      if (hit) return hit;
    }
    return undefined;
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      let at = find(args.variableValues ?? {}, '$')?.replace(/^\$\./, '$');
      if (!at) {
        visit(args.document, {
          StringValue(node) {
            if (!at && bad(node.value)) at = `a string literal at line ${node.loc?.startToken.line ?? '?'}`;
          },
        });
      }
      if (!at) return;
      const reason = 'must be well-formed Unicode without NUL characters (a lone surrogate such as \\ud800 or \\u0000 cannot be stored)';
      setResultAndStopExecution({ errors: [new GraphQLErrorClass(`${at}: ${reason}`, { extensions: { code: ErrorCode.VALIDATION, issues: [{ field: at, reason }], http: { status: 400 } } })] });
    },
  };
}

/** Tokens in one document (graphql-armor counts them while parsing): GraphiQL's introspection query has about 500. */
export const MAX_TOKENS = 5_000;
/** Aliases in one operation, fragments included (graphql-armor). */
export const MAX_ALIASES = 30;

/**
 * Answers a query or mutation that runs longer than `ms` with COST_LIMIT (a
 * backstop: the cost budget refuses expensive requests before they run). The
 * work already started finishes in the background; its result is dropped.
 * Subscriptions are long-lived by design and are not timed.
 */
function useExecutionTimeout(ms: number): Plugin<Context> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      if (getOperationAST(args.document, args.operationName)?.operation === 'subscription') return;
      setExecuteFn(async (a) => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<ExecutionResult>((resolve) => {
          timer = setTimeout(() => {
            const reason = `took longer than ${ms} ms (CAKUPAN_REQUEST_TIMEOUT_MS): ask for less`;
            resolve({ errors: [new GraphQLErrorClass(`the request ${reason}`, { extensions: { code: ErrorCode.COST_LIMIT, issues: [{ field: 'time', reason }], http: { status: 400 } } })] });
          }, ms);
        });
        try {
          return await Promise.race([executeFn(a) as Promise<ExecutionResult>, late]);
        } finally {
          clearTimeout(timer);
        }
      });
    },
  };
}

/**
 * graphql-jit hands a subscription field the operation's variables as its
 * arguments (not the field's own), so subscriptions run on graphql-js.
 */
const notSubscription = (args: ExecutionArgs) => getOperationAST(args.document, args.operationName)?.operation !== 'subscription';

/**
 * The view a request reads through: the replica's, unless the request names
 * a log position (`x-cakupan-min-position`, e.g. a mutation's `headPosition`)
 * that the replica does not reach within the configured wait; then the primary's.
 */
async function readView(app: App, request: Request): Promise<App> {
  const p = app as Partial<ProcessApp>;
  if (!p.reads || p.reads === app) return app;
  const wanted = request.headers.get(MIN_POSITION_HEADER);
  if (wanted === null) return p.reads;
  const position = Number(wanted);
  if (!/^\d+$/.test(wanted) || !Number.isSafeInteger(position)) {
    throw new GraphQLErrorClass(`${MIN_POSITION_HEADER}: must be a log position (a non-negative integer)`, {
      extensions: { code: ErrorCode.VALIDATION, issues: [{ field: MIN_POSITION_HEADER, reason: 'must be a log position (a non-negative integer)' }], http: { status: 400 } },
    });
  }
  return (await p.readsReached!(position)) ? p.reads : app.primary;
}
export const MIN_POSITION_HEADER = 'x-cakupan-min-position';

/** Mutations run on the primary's view, whichever view the request was given. */
function useMutationsOnPrimary(): Plugin<Context> {
  return {
    onExecute({ args, extendContext }) {
      const ctx = args.contextValue as Context;
      if (ctx.app.primary !== ctx.app && getOperationAST(args.document, args.operationName)?.operation === 'mutation') extendContext({ app: ctx.app.primary });
    },
  };
}

/** graphql-yoga logs with console-like arguments; pino wants (object, message). */
function logArgs(args: unknown[]): { msg: string; err?: unknown } {
  const err = args.find((a) => a instanceof Error);
  return { msg: args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' '), ...(err ? { err } : {}) };
}

const DEFAULT_QUERY = /* GraphQL */ `# Active participants at each year end since 2013, by segment
query ActiveBySegment {
  coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: YEAR, from: "2013-01-01", to: "2026-12-31", groupBy: [SEGMENT]) {
    series { key { segment } points { period periodEnd value compareValue } }
  }
}
`;
