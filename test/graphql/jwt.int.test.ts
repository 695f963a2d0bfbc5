import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app/app.ts';
import type { Config } from '../../src/config/config.ts';
import { createYogaServer } from '../../src/graphql/yoga.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testConfig } from '../support/events.ts';

const SECRET = 'jwt-test-secret-0123456789-abcdefghij';
const jwtConfig: Config = { ...testConfig, jwt: { secret: SECRET, issuer: 'https://login.example.go.id', audience: 'cakupan' } };

let db: TestDatabase;
let app: App;
beforeAll(async () => {
  db = await freshDatabase();
  app = createApp(jwtConfig, db);
});
afterAll(async () => {
  await app.prisma.$disconnect();
  await db.dropDatabase();
});

type Claims = Record<string, unknown>;
const sign = async (claims: Claims, opts: { secret?: string; expires?: string | number | null; issuer?: string; audience?: string } = {}) => {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setIssuer(opts.issuer ?? 'https://login.example.go.id').setAudience(opts.audience ?? 'cakupan');
  if (opts.expires !== null) jwt = jwt.setExpirationTime(opts.expires ?? '10m');
  return jwt.sign(new TextEncoder().encode(opts.secret ?? SECRET));
};

async function ask(server: App, token: string, query = '{ ledger { headPosition } }') {
  const res = await createYogaServer(server).fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: await res.json() };
}
const refusal = (r: Awaited<ReturnType<typeof ask>>) => [r.status, r.body.errors?.[0]?.extensions?.code, r.body.errors?.[0]?.message];

describe('JWT bearer tokens', () => {
  it('give the role in their "role" claim', async () => {
    const auditor = await ask(app, await sign({ sub: 'auditor-1', role: 'AUDITOR' }));
    expect(auditor).toEqual({ status: 200, body: { data: { ledger: { headPosition: 0 } } } });
    const analyst = await ask(app, await sign({ sub: 'analyst-1', role: 'ANALYST' }));
    expect(analyst.body.errors[0]).toMatchObject({ message: 'Query.ledger needs a key with a higher role (you are ANALYST)', extensions: { code: 'FORBIDDEN' } });
  });

  it('are refused with 401 when expired, forged, unsigned, for someone else, without exp or without a known role', async () => {
    expect(refusal(await ask(app, await sign({ role: 'AUDITOR' }, { expires: Math.floor(Date.now() / 1000) - 60 })))).toEqual([401, 'UNAUTHENTICATED', 'the JWT has expired']);
    expect(refusal(await ask(app, await sign({ role: 'AUDITOR' }, { secret: 'another-secret-of-at-least-32-chars!!' })))).toEqual([
      401, 'UNAUTHENTICATED', 'invalid JWT: signature verification failed',
    ]);
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ role: 'ADMIN', exp: 9999999999 })).toString('base64url')}.`;
    expect(refusal(await ask(app, unsigned))).toEqual([401, 'UNAUTHENTICATED', expect.stringMatching(/^invalid JWT: /)]);
    expect(refusal(await ask(app, await sign({ role: 'AUDITOR' }, { audience: 'another-service' })))).toEqual([
      401, 'UNAUTHENTICATED', `the JWT's "aud" claim is not accepted: check_failed`,
    ]);
    expect(refusal(await ask(app, await sign({ role: 'AUDITOR' }, { expires: null })))).toEqual([401, 'UNAUTHENTICATED', `the JWT's "exp" claim is not accepted: missing`]);
    expect(refusal(await ask(app, await sign({ role: 'SUPERUSER' })))).toEqual([
      401, 'UNAUTHENTICATED', `the JWT's "role" claim must be one of PUBLIC, ANALYST, AUDITOR, WRITER, ADMIN`,
    ]);
  });

  it('are refused when the server has no JWT secret', async () => {
    const plain = createApp(testConfig, db);
    try {
      expect(refusal(await ask(plain, await sign({ role: 'AUDITOR' })))).toEqual([401, 'UNAUTHENTICATED', 'JWTs are not accepted here (the server has no CAKUPAN_JWT_SECRET)']);
    } finally {
      await plain.prisma.$disconnect();
    }
  });
});
