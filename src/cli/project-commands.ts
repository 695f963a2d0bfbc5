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

export const keysCreateCommand = (options: { role: string; name: string }) =>
  withDatabase('keys', async (db) => {
    const { createApiKey } = await import('../graphql/auth.ts');
    const { id, key } = await createApiKey(db, options.role.toUpperCase() as never, options.name);
    process.stdout.write(`created ${options.role.toUpperCase()} key ${id} (${options.name}); it is shown only once:\n${key}\n`);
  });
