import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app/app.ts';
import { createApiKey } from '../../src/graphql/auth.ts';
import { createYogaServer } from '../../src/graphql/yoga.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testConfig } from '../support/events.ts';

// Keys managed over the API by an ADMIN key (a server holding a PGlite
// directory cannot be reached by the CLI), revoked or expired keys refused
// from the next request on.

let db: TestDatabase;
let app: App;
let admin: string;
beforeAll(async () => {
  db = await freshDatabase();
  app = createApp(testConfig, db);
  admin = (await createApiKey(db, 'ADMIN', 'root')).key;
});
afterAll(async () => {
  await app.prisma.$disconnect();
  await db.dropDatabase();
});

async function ask(query: string, key?: string, variables: Record<string, unknown> = {}) {
  const res = await createYogaServer(app).fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, text: await res.clone().text(), body: (await res.json()) as { data?: any; errors?: { message: string; extensions: { code: string } }[] } };
}
const LEDGER = '{ ledger { headPosition } }';
const CREATE = 'mutation($role: KeyRole!, $name: String!, $expiresAt: DateTime) { createApiKey(role: $role, name: $name, expiresAt: $expiresAt) { key apiKey { id role name expiresAt revokedAt } } }';

describe('API keys managed over GraphQL', () => {
  it('an ADMIN key creates a key that works at once, and revokes it: refused (401) from the next request on', async () => {
    const created = await ask(CREATE, admin, { role: 'AUDITOR', name: 'audit desk' });
    const { key, apiKey } = created.body.data.createApiKey;
    expect(key).toMatch(/^ck_[\w-]{32}$/);
    expect(apiKey).toMatchObject({ role: 'AUDITOR', name: 'audit desk', expiresAt: null, revokedAt: null });
    expect((await ask(LEDGER, key)).body).toEqual({ data: { ledger: { headPosition: 0 } } });

    const revoked = await ask('mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }', admin, { id: apiKey.id });
    expect(Date.parse(revoked.body.data.revokeApiKey.revokedAt)).toBeGreaterThan(0);
    const refused = await ask(LEDGER, key);
    expect([refused.status, refused.body.errors![0].extensions.code, refused.body.errors![0].message]).toEqual([401, 'UNAUTHENTICATED', 'unknown, revoked or expired API key']);
  });

  it('lists keys without the keys themselves', async () => {
    const listed = await ask('{ apiKeys { id role name createdAt expiresAt revokedAt } }', admin);
    expect(listed.body.data.apiKeys.map((k: { name: string }) => k.name)).toEqual(expect.arrayContaining(['root', 'audit desk']));
    expect(listed.text).not.toMatch(/ck_/);
  });

  it('refuses an expired key, and an expiry in the past', async () => {
    const created = await ask(CREATE, admin, { role: 'ANALYST', name: 'short', expiresAt: new Date(Date.now() + 60_000).toISOString() });
    const { key, apiKey } = created.body.data.createApiKey;
    expect((await ask('{ __typename }', key)).status).toBe(200);
    await db.query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1", [apiKey.id]);
    expect((await ask('{ __typename }', key)).status).toBe(401);
    const past = await ask(CREATE, admin, { role: 'ANALYST', name: 'late', expiresAt: '2020-01-01T00:00:00Z' });
    expect(past.body.errors![0]).toMatchObject({ extensions: { code: 'VALIDATION', issues: [{ field: 'expiresAt', reason: 'must be in the future' }] } });
  });

  it('is for ADMIN keys only, and names a missing key', async () => {
    const writer = (await createApiKey(db, 'WRITER', 'desk')).key;
    for (const key of [writer, undefined]) {
      const r = await ask(CREATE, key, { role: 'ADMIN', name: 'escalate' });
      expect(r.body.errors![0].extensions.code).toBe('FORBIDDEN');
      expect((await ask('{ apiKeys { id } }', key)).body.errors![0].extensions.code).toBe('FORBIDDEN');
    }
    const missing = await ask('mutation { revokeApiKey(id: "00000000-0000-4000-8000-000000000000") { id } }', admin);
    expect(missing.body.errors![0]).toMatchObject({ message: 'API key 00000000-0000-4000-8000-000000000000 not found', extensions: { code: 'NOT_FOUND' } });
    const bad = await ask('mutation { revokeApiKey(id: "nope") { id } }', admin);
    expect(bad.body.errors![0]).toMatchObject({ extensions: { code: 'VALIDATION' } });
  });
});
