import { createApiKey, listApiKeys, revokeApiKey, type ApiKeyInfo } from '../auth.ts';
import { builder } from '../builder.ts';
import type { Role } from '../context.ts';

// Key management for ADMIN keys over the API, so a server that holds a PGlite
// directory (where the CLI cannot open it) can issue and revoke keys too.

const KeyRole = builder.enumType('KeyRole', { values: ['ANALYST', 'AUDITOR', 'WRITER', 'ADMIN'] as const, description: 'The role an API key grants' });

const ApiKeyRef = builder.objectRef<ApiKeyInfo>('ApiKey').implement({
  description: 'An API key as stored: never the key itself (only its sha256 is kept).',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    role: t.field({ type: KeyRole, resolve: (k) => k.role as Exclude<Role, 'PUBLIC'> }),
    createdAt: t.field({ type: 'DateTime', resolve: (k) => k.createdAt }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (k) => k.expiresAt }),
    revokedAt: t.field({ type: 'DateTime', nullable: true, description: 'Set once revoked: the key is refused (401) from the next request on', resolve: (k) => k.revokedAt }),
  }),
});

const CreatedApiKey = builder.objectRef<{ key: string; apiKey: ApiKeyInfo }>('CreatedApiKey').implement({
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The key, shown this once: send it as `Authorization: Bearer <key>`' }),
    apiKey: t.field({ type: ApiKeyRef, resolve: (c) => c.apiKey }),
  }),
});

builder.queryField('apiKeys', (t) =>
  t.field({ type: [ApiKeyRef], description: 'Every API key, revoked and expired ones included (ADMIN).', authScopes: { admin: true }, resolve: (_root, _args, ctx) => listApiKeys(ctx.app.db) }),
);

builder.mutationField('createApiKey', (t) =>
  t.field({
    type: CreatedApiKey,
    description: 'Issues an API key (ADMIN); the key is in this answer only.',
    authScopes: { admin: true },
    args: { role: t.arg({ type: KeyRole, required: true }), name: t.arg.string({ required: true }), expiresAt: t.arg({ type: 'DateTime', description: 'Refused from this instant on (default: never)' }) },
    resolve: async (_root, args, ctx) => {
      const { id, key } = await createApiKey(ctx.app.db, args.role, args.name, args.expiresAt);
      const apiKey = (await listApiKeys(ctx.app.db)).find((k) => k.id === id)!;
      return { key, apiKey };
    },
  }),
);

builder.mutationField('revokeApiKey', (t) =>
  t.field({
    type: ApiKeyRef,
    description: 'Revokes an API key (ADMIN): refused with 401 from the next request on.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => revokeApiKey(ctx.app.db, String(args.id)),
  }),
);
