import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { Config } from '../config/config.ts';
import type { Sql } from '../db/database.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import { UUID_PATTERN } from '../domain/reference/text.ts';
import { ROLES, type Role } from './context.ts';

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** An API key as listed: never the key itself (only its sha256 is stored). */
export type ApiKeyInfo = { id: string; name: string; role: Role; createdAt: Date; expiresAt: Date | null; revokedAt: Date | null };
const KEY_COLUMNS = 'id::text, name, role, created_at AS "createdAt", expires_at AS "expiresAt", revoked_at AS "revokedAt"';

/** Creates an API key; only its sha256 is stored, so the key is shown once. `expiresAt`: refused from then on. */
export async function createApiKey(sql: Sql, role: Role, name: string, expiresAt?: Date | null): Promise<{ id: string; key: string }> {
  if (!ROLES.includes(role) || role === 'PUBLIC') throw new ValidationError([{ field: 'role', reason: `must be one of ${ROLES.filter((r) => r !== 'PUBLIC').join(', ')}` }]);
  if (!name.trim() || name.length > 200) throw new ValidationError([{ field: 'name', reason: 'must be 1 to 200 characters' }]);
  if (expiresAt && !(expiresAt.getTime() > Date.now())) throw new ValidationError([{ field: 'expiresAt', reason: 'must be in the future' }]);
  const key = `ck_${randomBytes(24).toString('base64url')}`;
  const id = randomUUID();
  await sql.query('INSERT INTO api_keys (id, name, role, key_hash, expires_at) VALUES ($1, $2, $3, $4, $5)', [id, name, role, hashKey(key), expiresAt ?? null]);
  return { id, key };
}

export async function listApiKeys(sql: Sql): Promise<ApiKeyInfo[]> {
  return sql.query<ApiKeyInfo>(`SELECT ${KEY_COLUMNS} FROM api_keys ORDER BY created_at, id`);
}

/** Revokes a key: every request with it is refused from the next one on (roleFor reads api_keys each time). Revoking twice keeps the first time. */
export async function revokeApiKey(sql: Sql, id: string): Promise<ApiKeyInfo> {
  if (!UUID_PATTERN.test(id)) throw new ValidationError([{ field: 'id', reason: 'must be a key id (a UUID, as `keys list` shows)' }]);
  const [row] = await sql.query<ApiKeyInfo>(`UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${KEY_COLUMNS}`, [id]);
  if (!row) throw new NotFoundError(`API key ${id}`);
  return row;
}

const unauthenticated = (message: string) => new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });

/**
 * The role a request carries: PUBLIC without credentials; otherwise from an
 * API key or, when `CAKUPAN_JWT_SECRET` is set, a JWT (HS256, `exp` required,
 * issuer and audience checked when configured) whose `role` claim names it.
 * Bad credentials are an error, never a silent downgrade to PUBLIC.
 */
export async function roleFor(sql: Sql, authorization: string | null, jwt?: Config['jwt']): Promise<Role> {
  if (!authorization) return 'PUBLIC';
  const m = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!m) throw unauthenticated('Authorization must be "Bearer <api key or JWT>"');
  if (m[1].split('.').length === 3) return roleFromJwt(m[1], jwt);
  const [row] = await sql.query<{ role: Role }>('SELECT role FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())', [hashKey(m[1])]);
  if (!row) throw unauthenticated('unknown, revoked or expired API key');
  return row.role;
}

function algorithmOf(token: string): string | undefined {
  try {
    return decodeProtectedHeader(token).alg;
  } catch {
    throw unauthenticated('invalid JWT: its header is not base64url JSON');
  }
}

/** One remote key set per URL: jose fetches it, caches it and refetches on an unknown `kid` (rate-limited). */
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
const ASYMMETRIC = ['RS256', 'ES256'];

async function roleFromJwt(token: string, jwt: Config['jwt']): Promise<Role> {
  if (!jwt) throw unauthenticated('JWTs are not accepted here (the server has neither CAKUPAN_JWT_SECRET nor CAKUPAN_JWKS_URL)');
  let payload: Record<string, unknown>;
  try {
    const alg = algorithmOf(token);
    const options = { issuer: jwt.issuer, audience: jwt.audience, requiredClaims: ['exp'] };
    if (alg === 'HS256' && jwt.secret) {
      ({ payload } = await jwtVerify(token, new TextEncoder().encode(jwt.secret), { ...options, algorithms: ['HS256'] }));
    } else if (jwt.jwksUrl && ASYMMETRIC.includes(String(alg))) {
      let keys = keySets.get(jwt.jwksUrl);
      if (!keys) keySets.set(jwt.jwksUrl, (keys = createRemoteJWKSet(new URL(jwt.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 })));
      ({ payload } = await jwtVerify(token, keys, { ...options, algorithms: ASYMMETRIC }));
    } else {
      const accepted = [...(jwt.secret ? ['HS256'] : []), ...(jwt.jwksUrl ? ASYMMETRIC : [])];
      throw unauthenticated(`the JWT's algorithm is not accepted here (accepted: ${accepted.join(', ')})`);
    }
  } catch (e) {
    if (e instanceof GraphQLError) throw e;
    if (e instanceof joseErrors.JWTExpired) throw unauthenticated('the JWT has expired');
    if (e instanceof joseErrors.JWTClaimValidationFailed) throw unauthenticated(`the JWT's "${e.claim}" claim is not accepted: ${e.reason}`);
    if (e instanceof joseErrors.JOSEError) throw unauthenticated(`invalid JWT: ${e.message}`);
    throw e;
  }
  const role = payload.role;
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    throw unauthenticated(`the JWT's "role" claim must be one of ${ROLES.join(', ')}`);
  }
  return role as Role;
}
