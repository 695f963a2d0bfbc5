import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
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

/** The role a request carries: PUBLIC without a key; an unknown key is an error, not a silent downgrade. */
export async function roleFor(sql: Sql, authorization: string | null): Promise<Role> {
  if (!authorization) return 'PUBLIC';
  const m = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!m) throw new GraphQLError('Authorization must be "Bearer <api key>"', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
  const [row] = await sql.query<{ role: Role }>('SELECT role FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [hashKey(m[1])]);
  if (!row) throw new GraphQLError('unknown or revoked API key', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
  return row.role;
}
