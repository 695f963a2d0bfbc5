import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app/app.ts';
import { createApiKey } from '../../src/graphql/auth.ts';
import { createYogaServer } from '../../src/graphql/yoga.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testConfig } from '../support/events.ts';

// Token buckets per client (issue 15): an address without a key, a key, and
// an address that keeps failing to authenticate, over a real node:http server.

let db: TestDatabase;
let app: App;
let server: Server;
let url: string;
let key: string;
beforeAll(async () => {
  db = await freshDatabase();
  app = createApp({ ...testConfig, rateLimit: { publicPerSecond: 2, keyPerSecond: 2 } }, db);
  key = (await createApiKey(db, 'ANALYST', 'bi')).key;
});
afterAll(async () => {
  await app.prisma.$disconnect();
  await db.dropDatabase();
});

/** A fresh server (fresh buckets) on a free loopback port. */
async function serve() {
  server?.close();
  server = createServer(createYogaServer(app));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}
afterAll(() => server?.close());

async function ask(authorization?: string) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: JSON.stringify({ query: '{ __typename }' }) });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { errors?: { message: string; extensions: { code: string } }[] } };
}
const statuses = async (n: number, authorization?: string) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await ask(authorization)).status);
  return out;
};

describe('rate limits per client', () => {
  it('lets an address without a key burst to twice its rate, then answers 429 RATE_LIMITED with Retry-After, and refills', async () => {
    await serve();
    expect(await statuses(4)).toEqual(Array(4).fill(200));
    const refused = await ask();
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(refused.body.errors![0]).toMatchObject({ extensions: { code: 'RATE_LIMITED' }, message: expect.stringMatching(/^too many requests without a key from this address \(2\/s\): retry after \d+ s$/) });
    // a key has its own bucket
    expect((await ask(`Bearer ${key}`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await ask()).status).toBe(200);
    expect(await app.metrics.registry.getSingleMetricAsString('cakupan_rate_limited_total')).toMatch(/kind="public"} 1/);
  });

  it('limits a key to its own rate', async () => {
    await serve();
    expect(await statuses(4, `Bearer ${key}`)).toEqual(Array(4).fill(200));
    const refused = await ask(`Bearer ${key}`);
    expect([refused.status, refused.body.errors![0].message]).toEqual([429, expect.stringMatching(/^too many requests with this credential \(2\/s\)/)]);
  });

  it('refuses an address that keeps guessing keys with 429 before looking them up', async () => {
    await serve();
    const guesses: number[] = [];
    for (let i = 0; i < 20; i++) guesses.push((await ask(`Bearer ck_guess-${i}-${'x'.repeat(20)}`)).status);
    expect(guesses).toEqual(Array(20).fill(401));
    const next = await ask(`Bearer ck_guess-next-${'x'.repeat(20)}`);
    expect([next.status, next.body.errors![0].message]).toEqual([429, expect.stringMatching(/^too many failed authentications from this address: retry after \d+ s$/)]);
    // the lock-out is for credentials from this address: public requests go on
    expect((await ask()).status).toBe(200);
  });
});
