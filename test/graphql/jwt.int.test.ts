import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
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
    expect(refusal(await ask(app, unsigned))).toEqual([401, 'UNAUTHENTICATED', "the JWT's algorithm is not accepted here (accepted: HS256)"]);
    expect(refusal(await ask(app, 'bm90.anNvbg.x'))).toEqual([401, 'UNAUTHENTICATED', 'invalid JWT: its header is not base64url JSON']);
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
      expect(refusal(await ask(plain, await sign({ role: 'AUDITOR' })))).toEqual([401, 'UNAUTHENTICATED', 'JWTs are not accepted here (the server has neither CAKUPAN_JWT_SECRET nor CAKUPAN_JWKS_URL)']);
    } finally {
      await plain.prisma.$disconnect();
    }
  });
});

describe('JWTs signed by an identity provider (RS256, ES256 through a JWKS URL)', () => {
  let jwks: Server;
  let jwksApp: App;
  let fetches = 0;
  const keys: Record<'RS256' | 'ES256', CryptoKeyPair> = {} as never;
  beforeAll(async () => {
    keys.RS256 = await generateKeyPair('RS256');
    keys.ES256 = await generateKeyPair('ES256');
    const set = { keys: [{ ...(await exportJWK(keys.RS256.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' }, { ...(await exportJWK(keys.ES256.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' }] };
    // the identity provider's jwks_uri, served inside the test
    jwks = createServer((_req, res) => {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(set));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    jwksApp = createApp({ ...testConfig, jwt: { jwksUrl: url, issuer: 'https://login.example.go.id', audience: 'cakupan' } }, db);
  });
  afterAll(async () => {
    await jwksApp.prisma.$disconnect();
    await new Promise((r) => jwks.close(r));
  });
  const signWith = (alg: 'RS256' | 'ES256', kid: string, claims: Claims, key: CryptoKey = keys[alg].privateKey) =>
    new SignJWT(claims).setProtectedHeader({ alg, kid }).setIssuedAt().setIssuer('https://login.example.go.id').setAudience('cakupan').setExpirationTime('10m').sign(key);

  it('accepts RS256 and ES256 tokens signed by a key of the set, fetching the set once', async () => {
    expect(await ask(jwksApp, await signWith('RS256', 'rsa-1', { role: 'AUDITOR' }))).toEqual({ status: 200, body: { data: { ledger: { headPosition: 0 } } } });
    expect(await ask(jwksApp, await signWith('ES256', 'ec-1', { role: 'AUDITOR' }))).toEqual({ status: 200, body: { data: { ledger: { headPosition: 0 } } } });
    expect(fetches).toBe(1);
  });

  it('refuses a token signed by a key outside the set, an HS256 token, and a token for another audience', async () => {
    const stranger = await generateKeyPair('RS256');
    expect(refusal(await ask(jwksApp, await signWith('RS256', 'rsa-1', { role: 'ADMIN' }, stranger.privateKey)))).toEqual([401, 'UNAUTHENTICATED', 'invalid JWT: signature verification failed']);
    expect(refusal(await ask(jwksApp, await sign({ role: 'ADMIN' })))).toEqual([401, 'UNAUTHENTICATED', "the JWT's algorithm is not accepted here (accepted: RS256, ES256)"]);
    const other = await new SignJWT({ role: 'AUDITOR' }).setProtectedHeader({ alg: 'ES256', kid: 'ec-1' }).setIssuer('https://login.example.go.id').setAudience('elsewhere').setExpirationTime('10m').sign(keys.ES256.privateKey);
    expect(refusal(await ask(jwksApp, other))).toEqual([401, 'UNAUTHENTICATED', `the JWT's "aud" claim is not accepted: check_failed`]);
  });
});
