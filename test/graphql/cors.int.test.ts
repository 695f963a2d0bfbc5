import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type ProcessApp } from '../../src/app/app.ts';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { createYogaServer } from '../../src/graphql/yoga.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';

// Cross-origin access is off unless origins are configured: graphql-yoga's
// default would reflect any Origin with Access-Control-Allow-Credentials.

const BASE = { CAKUPAN_PSEUDONYM_SECRET: 'test-secret-0123456789', CAKUPAN_DATA_DIR: '/nonexistent' };
let db: TestDatabase;
const apps: ProcessApp[] = [];

beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  for (const a of apps) await a.prisma.$disconnect();
  await db.dropDatabase();
});

function server(env: Record<string, string> = {}) {
  const app = createApp(loadConfig({ ...BASE, ...env }), db);
  apps.push(app);
  return createYogaServer(app);
}
const post = (yoga: ReturnType<typeof server>, origin: string) =>
  yoga.fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ query: '{ __typename }' }) });
const preflight = (yoga: ReturnType<typeof server>, origin: string) =>
  yoga.fetch('http://yoga/graphql', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });

describe('CORS', () => {
  it('sends no CORS headers by default, whatever the origin', async () => {
    const yoga = server();
    for (const res of [await post(yoga, 'https://evil.example'), await preflight(yoga, 'https://evil.example')]) {
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('allows exactly the configured origins, with credentials, and no others', async () => {
    const yoga = server({ CAKUPAN_CORS_ORIGINS: 'https://dash.example.go.id, http://localhost:5173' });
    const ok = await preflight(yoga, 'https://dash.example.go.id');
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://dash.example.go.id');
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
    const res = await post(yoga, 'http://localhost:5173');
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
    const other = await post(yoga, 'https://dash.example.go.id.evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a malformed origin list at start-up, naming the variable', () => {
    expect(() => loadConfig({ ...BASE, CAKUPAN_CORS_ORIGINS: 'https://ok.example, dash.example/path' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...BASE, CAKUPAN_CORS_ORIGINS: '*' })).toThrow(/CAKUPAN_CORS_ORIGINS must be a comma-separated list of origins/);
  });
});
