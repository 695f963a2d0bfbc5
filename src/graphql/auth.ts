import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { errors as joseErrors, jwtVerify } from 'jose';
import type { Config } from '../config/config.ts';
import type { Sql } from '../db/database.ts';
import { ROLES, type Role } from './context.ts';

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** Creates an API key; only its sha256 is stored, so the key is shown once. */
export async function createApiKey(sql: Sql, role: Role, name: string): Promise<{ id: string; key: string }> {
  if (!ROLES.includes(role) || role === 'PUBLIC') throw new Error(`role must be one of ${ROLES.filter((r) => r !== 'PUBLIC').join(', ')}`);
  const key = `ck_${randomBytes(24).toString('base64url')}`;
  const id = randomUUID();
  await sql.query('INSERT INTO api_keys (id, name, role, key_hash) VALUES ($1, $2, $3, $4)', [id, name, role, hashKey(key)]);
  return { id, key };
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
  const [row] = await sql.query<{ role: Role }>('SELECT role FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [hashKey(m[1])]);
  if (!row) throw unauthenticated('unknown or revoked API key');
  return row.role;
}

async function roleFromJwt(token: string, jwt: Config['jwt']): Promise<Role> {
  if (!jwt) throw unauthenticated('JWTs are not accepted here (the server has no CAKUPAN_JWT_SECRET)');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, new TextEncoder().encode(jwt.secret), {
      algorithms: ['HS256'],
      issuer: jwt.issuer,
      audience: jwt.audience,
      requiredClaims: ['exp'],
    }));
  } catch (e) {
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
