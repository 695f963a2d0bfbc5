import { getOperationAST, Kind, parse, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import type { App } from '../app/app.ts';
import { bytesResponse, MIN_BYTES } from './byte-bodies.ts';
import { requestIds } from './operations.ts';

/** Root fields whose answers depend only on the read models' position and the arguments. */
const CACHEABLE_FIELDS = new Set(['coverageSeries', 'coverageAt', '__typename']);

type Shape = { cacheable: false } | { cacheable: true; name: string };

/**
 * Serialized answers of public aggregate queries, keyed by the read models'
 * position and the request (document, operation, variables). The position is
 * the one the server's cube stands at, which moves exactly when the log's
 * effects reach the read models (the follower and in-process catch-ups tell
 * it), so an answer is never served for a position it was not computed at:
 * when the position moves, every entry is dropped. Only requests without
 * credentials or a position header are cached (keyed answers may one day
 * differ by role), only `query` operations whose root fields are all in
 * CACHEABLE_FIELDS, and only answers without errors, computed while the
 * position stood still. Bounded by CAKUPAN_ANSWER_CACHE_MB of serialized JSON.
 * Long answers are kept as UTF-8 bytes, off the JavaScript heap (the garbage
 * collector would otherwise move megabytes of strings), and sent as they are
 * (see byte-bodies.ts for why bytes); short ones as strings.
 */
export function useAnswerCache(app: App): Plugin {
  const maxBytes = app.config.answerCacheBytes;
  if (maxBytes <= 0) return {};
  const cube = app.cube;
  const shapes = new LRUCache<string, Shape>({ max: 2000 });
  const answers = new LRUCache<string, string | Uint8Array<ArrayBuffer>>({ maxSize: maxBytes, sizeCalculation: (b) => Math.max(1, b.length) });
  let at: number | undefined;
  const pending = new WeakMap<Request, { key: string; position: number }>();
  /** The bytes a request's answer is sent as (a hit's, or a miss's once serialized). */
  const bytesOf = new WeakMap<Request, Uint8Array<ArrayBuffer>>();

  const shapeOf = (query: string, operationName: string | undefined): Shape => {
    const k = `${operationName ?? ''}\n${query}`;
    let shape = shapes.get(k);
    if (!shape) {
      shape = { cacheable: false };
      try {
        const doc: DocumentNode = parse(query, { maxTokens: 2000 });
        const op = getOperationAST(doc, operationName);
        if (op?.operation === 'query' && op.selectionSet.selections.every((s) => s.kind === Kind.FIELD && CACHEABLE_FIELDS.has(s.name.value) && !s.directives?.length)) {
          shape = { cacheable: true, name: op.name?.value ?? 'anonymous' };
        }
      } catch {
        // not parseable (or too long): yoga answers it with its own error
      }
      shapes.set(k, shape);
    }
    return shape;
  };

  return {
    async onParams({ params, request, setResult }) {
      if (!cube || !params.query || request.headers.has('authorization') || request.headers.has('x-cakupan-min-position')) return;
      const shape = shapeOf(params.query, params.operationName ?? undefined);
      if (!shape.cacheable) return;
      try {
        await cube.current();
      } catch {
        return; // the database failed: execution reports it as a field error, as without the cache
      }
      const position = cube.position;
      if (position === undefined) return;
      if (position !== at) {
        answers.clear(); // the read models moved: every answer is stale
        at = position;
      }
      const key = `${params.operationName ?? ''}\n${params.query}\n${JSON.stringify(params.variables ?? {})}`;
      const hit = answers.get(key);
      if (hit !== undefined) {
        const seen = requestIds.get(request);
        if (seen) seen.operation = shape.name;
        app.metrics.answerCache.inc({ outcome: 'hit' });
        if (typeof hit === 'string') setResult({ data: {}, stringify: () => hit } as ExecutionResult);
        else {
          bytesOf.set(request, hit);
          setResult({ data: {}, stringify: () => '' } as ExecutionResult); // (replaced by the bytes in onResponse)
        }
        return;
      }
      pending.set(request, { key, position });
    },
    onExecutionResult({ request, result, setResult }) {
      const p = pending.get(request);
      if (!p || !result || Symbol.asyncIterator in result) return;
      const r = result as ExecutionResult & { stringify?: (r: ExecutionResult) => string };
      if (r.errors?.length) return;
      const body = (r.stringify ?? JSON.stringify)(r);
      // stored only if the position held still while it was computed
      if (cube?.position === p.position && at === p.position) {
        if (body.length < MIN_BYTES) answers.set(p.key, body);
        else {
          const bytes = Buffer.from(body) as Uint8Array<ArrayBuffer>; // (a Buffer over an ArrayBuffer of its own: longer than Buffer's pool slices)
          answers.set(p.key, bytes);
          bytesOf.set(request, bytes);
        }
        app.metrics.answerCache.inc({ outcome: 'miss' });
      }
      setResult({ ...r, stringify: () => body });
    },
    onResponse({ request, response, setResponse, fetchAPI }) {
      const bytes = bytesOf.get(request);
      if (!bytes || response.status !== 200) return;
      const headers = new fetchAPI.Headers(response.headers);
      headers.set('content-length', String(bytes.length));
      setResponse(bytesResponse(fetchAPI, bytes, { status: 200, headers }));
    },
  };
}
