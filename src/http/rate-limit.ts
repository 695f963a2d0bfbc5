import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import { TokenBucket } from 'limiter';
import type { App } from '../app/app.ts';
import { ERROR_CODES, ErrorCode } from '../domain/errors.ts';

/** Failed authentications one address may make: a burst of 20, then one a second (key guessing is refused with 429). */
const AUTH_FAILURES = { bucketSize: 20, tokensPerInterval: 1, interval: 1000 };
/** Clients remembered at once (the least recently seen are forgotten, with their buckets full again). */
const CLIENTS = 100_000;
/** Paths that are never limited: probes, scrapes and the dashboard's static files. */
const UNLIMITED = /^\/(?:health|readiness|metrics|dashboard(?:\/[\w.-]+\.(?:js|css))?)$/;

/**
 * Rate limits per client, token buckets (limiter): a request with an
 * `Authorization` header is charged to that credential's bucket
 * (`keyPerSecond`), one without to its address's (`publicPerSecond`); each
 * failed authentication is also charged to the address, which is refused
 * outright once it has failed too often. Refusals answer 429 with
 * `RATE_LIMITED` and `Retry-After` before any work is done. The address is
 * the TCP peer's (a proxy in front must be trusted to pass one address per
 * client: this server does not read X-Forwarded-For).
 */
export function createRateLimits(app: App): { plugin: Plugin; authenticationFailed: (serverContext: unknown) => void } {
  const { publicPerSecond, keyPerSecond } = app.config.rateLimit;
  const buckets = new LRUCache<string, TokenBucket>({ max: CLIENTS });
  const bucket = (id: string, make: () => TokenBucket) => {
    let b = buckets.get(id);
    if (!b) {
      // limiter's buckets start empty: a client seen for the first time starts with its whole burst
      b = make();
      b.content = b.bucketSize;
      buckets.set(id, b);
    }
    return b;
  };
  const perSecond = (rate: number) => () => new TokenBucket({ bucketSize: rate * 2, tokensPerInterval: rate, interval: 1000 });
  const failures = (address: string) => bucket(`fail:${address}`, () => new TokenBucket(AUTH_FAILURES));
  const plugin: Plugin = {
    onRequest({ request, url, serverContext, endResponse, fetchAPI }) {
      if (UNLIMITED.test(url.pathname)) return;
      const address = addressOf(serverContext);
      const authorization = request.headers.get('authorization');
      let refused: { bucket: TokenBucket; kind: string } | undefined;
      if (authorization) {
        const guesses = failures(address);
        // an address that keeps failing to authenticate may not try again yet
        guesses.drip();
        if (guesses.content < 1) refused = { bucket: guesses, kind: 'failed authentications from this address' };
        else if (keyPerSecond > 0) {
          const b = bucket(`key:${createHash('sha256').update(authorization).digest('base64url')}`, perSecond(keyPerSecond));
          if (!b.tryRemoveTokens(1)) refused = { bucket: b, kind: `requests with this credential (${keyPerSecond}/s)` };
        }
      } else if (publicPerSecond > 0) {
        const b = bucket(`ip:${address}`, perSecond(publicPerSecond));
        if (!b.tryRemoveTokens(1)) refused = { bucket: b, kind: `requests without a key from this address (${publicPerSecond}/s)` };
      }
      if (!refused) return;
      const retryAfter = Math.max(1, Math.ceil(refused.bucket.getWaitTime(1) / 1000));
      const reason = `too many ${refused.kind}: retry after ${retryAfter} s`;
      app.metrics.rateLimited.inc({ kind: authorization ? 'credential' : 'public' });
      endResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [{ message: reason, extensions: { code: ErrorCode.RATE_LIMITED, issues: [{ field: 'rate', reason }] } }] }), {
          status: ERROR_CODES.RATE_LIMITED.status,
          headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(retryAfter) },
        }),
      );
    },
  };
  return { plugin, authenticationFailed: (serverContext) => void failures(addressOf(serverContext)).tryRemoveTokens(1) };
}

/** The TCP peer of a request served by node:http; in-process requests (yoga.fetch) share one. */
const addressOf = (serverContext: unknown) => (serverContext as { req?: IncomingMessage } | undefined)?.req?.socket?.remoteAddress ?? 'in-process';
