import { randomUUID } from 'node:crypto';
import { getOperationAST, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { App } from '../app/app.ts';
import { logger } from '../config/logger.ts';
import { ERROR_CODES, type ErrorCode } from '../domain/errors.ts';
import { projectionStatus, slowestProjection } from '../projections/runner.ts';

type Seen = { id: string; started: number; operation?: string; path: string };
const REQUEST_ID = /^[\w.:-]{1,128}$/;
// probes and scrapes log at debug (yoga answers /health itself, before any plugin)
const QUIET = new Set(['/readiness', '/metrics']);

/** The request id of a request the operations plugin has seen (for log lines elsewhere). */
export const requestIds = new WeakMap<Request, Seen>();

/**
 * What an operator needs around the API: a request id on every response
 * (`x-request-id`, taken from the request when it sends a sane one), one
 * access line per request (method, operation, status, duration, request id;
 * never variables or bodies, which may hold a NIK), request and error
 * metrics, `/metrics` (Prometheus) and `/readiness` (the database answers
 * and the read models trail the log by at most CAKUPAN_READY_MAX_LAG events;
 * 503 while draining). Liveness is
 * graphql-yoga's own `/health` (200, no body, before any plugin runs).
 */
export function useOperations(app: App): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      const sent = request.headers.get('x-request-id');
      requestIds.set(request, { id: sent && REQUEST_ID.test(sent) ? sent : randomUUID(), started: performance.now(), path: url.pathname });
      if (request.method !== 'GET') return;
      const json = (status: number, body: unknown) =>
        endResponse(new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } }));
      if (url.pathname === '/readiness') {
        const r = await readiness(app);
        return json(r.ready ? 200 : 503, r);
      }
      if (url.pathname === '/metrics') {
        const text = await app.metrics.registry.metrics();
        return endResponse(new fetchAPI.Response(text, { headers: { 'content-type': app.metrics.registry.contentType } }));
      }
    },
    onExecute({ args }) {
      const seen = requestIds.get((args.contextValue as { request?: Request }).request as Request);
      if (seen) seen.operation = getOperationAST(args.document, args.operationName)?.name?.value ?? 'anonymous';
    },
    onResponse({ request, response }) {
      const seen = requestIds.get(request);
      if (!seen) return;
      response.headers.set('x-request-id', seen.id);
      const seconds = (performance.now() - seen.started) / 1000;
      const operation = seen.operation ?? (seen.path === '/graphql' ? '(none)' : seen.path);
      app.metrics.requests.inc({ method: request.method, operation, status: String(response.status) });
      app.metrics.duration.observe({ operation }, seconds);
      const line = { reqId: seen.id, method: request.method, path: seen.path, operation: seen.operation, status: response.status, ms: Math.round(seconds * 10_000) / 10 };
      if (QUIET.has(seen.path)) logger.debug(line, 'request');
      else logger.info(line, 'request');
    },
  };
}

/** Counts and logs the errors of a result: expected ones at info or warn with their code; INTERNAL at error. */
export function recordErrors(app: App, request: Request, errors: readonly GraphQLError[]): void {
  const reqId = requestIds.get(request)?.id;
  for (const e of errors) {
    const code = e.extensions.code as ErrorCode;
    app.metrics.errors.inc({ code });
    const level = ERROR_CODES[code].log;
    // a masked error carries its original (see yoga.ts): its stack is logged here, never sent
    if (code === 'INTERNAL') logger.error({ reqId, code, path: e.path?.join('.'), err: e.originalError ?? e }, `unexpected error: ${e.originalError?.message ?? e.message}`);
    else logger[level]({ reqId, code, path: e.path?.join('.') }, e.message);
  }
}

export type Readiness = { ready: boolean; reason?: string; database: 'ok' | 'unreachable'; head?: number; lag?: number; maxLag: number };

async function readiness(app: App): Promise<Readiness> {
  const maxLag = app.config.readyMaxLag;
  if (app.lifecycle.draining) return { ready: false, reason: 'shutting down', database: 'ok', maxLag };
  try {
    const s = await projectionStatus(app.db);
    const lag = s.head - slowestProjection(s).position;
    if (lag > maxLag) return { ready: false, reason: `the read models trail the log by ${lag} events (more than ${maxLag})`, database: 'ok', head: s.head, lag, maxLag };
    return { ready: true, database: 'ok', head: s.head, lag, maxLag };
  } catch (e) {
    return { ready: false, reason: `the database does not answer: ${(e as Error).message}`, database: 'unreachable', maxLag };
  }
}
