import { catchUp, digests, rebuild } from '../projections/runner.ts';
import { withDatabase } from './run.ts';

export const projectCommand = () =>
  withDatabase('project', async (db) => {
    const position = await catchUp(db);
    process.stdout.write(`read models are at position ${position}\n`);
  });

export const rebuildCommand = () =>
  withDatabase('rebuild', async (db) => {
    const started = performance.now();
    const position = await rebuild(db, { onBatch: (p) => process.stderr.isTTY && process.stderr.write(`\rrebuilt to position ${p}`) });
    if (process.stderr.isTTY) process.stderr.write('\n');
    process.stdout.write(`rebuilt read models to position ${position} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    for (const [name, digest] of Object.entries(await digests(db))) process.stdout.write(`  ${name.padEnd(13)} ${digest}\n`);
  });

export const keysCreateCommand = (options: { role: string; name: string; expiresInDays?: number }) =>
  withDatabase('keys', async (db) => {
    const { createApiKey } = await import('../graphql/auth.ts');
    const expiresAt = options.expiresInDays ? new Date(Date.now() + options.expiresInDays * 86_400_000) : undefined;
    const { id, key } = await createApiKey(db, options.role.toUpperCase() as never, options.name, expiresAt);
    const until = expiresAt ? `, expires ${expiresAt.toISOString()}` : '';
    process.stdout.write(`created ${options.role.toUpperCase()} key ${id} (${options.name}${until}); it is shown only once:\n${key}\n`);
  });

export const keysListCommand = () =>
  withDatabase('keys', async (db) => {
    const { listApiKeys } = await import('../graphql/auth.ts');
    const keys = await listApiKeys(db);
    const now = Date.now();
    const state = (k: (typeof keys)[number]) =>
      k.revokedAt ? `revoked ${new Date(k.revokedAt).toISOString()}` : k.expiresAt && new Date(k.expiresAt).getTime() <= now ? `expired ${new Date(k.expiresAt).toISOString()}` : k.expiresAt ? `active until ${new Date(k.expiresAt).toISOString()}` : 'active';
    if (!keys.length) process.stdout.write('no API keys (create one with `cakupan keys create --role <role>`)\n');
    for (const k of keys) process.stdout.write(`${k.id}  ${k.role.padEnd(7)}  ${state(k).padEnd(38)}  created ${new Date(k.createdAt).toISOString()}  ${k.name}\n`);
  });

export const keysRevokeCommand = (id: string) =>
  withDatabase('keys', async (db) => {
    const { revokeApiKey } = await import('../graphql/auth.ts');
    const k = await revokeApiKey(db, id);
    process.stdout.write(`revoked ${k.role} key ${k.id} (${k.name}) at ${new Date(k.revokedAt!).toISOString()}: refused from the next request on\n`);
  });
