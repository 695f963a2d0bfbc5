import { Command, InvalidArgumentError } from 'commander';
import { envHelp } from '../config/config.ts';

// Each command's module is loaded when that command runs: `--help`, and a
// command that needs neither GraphQL nor the server, skip their imports, and
// `serve` starts its database sooner.
type Action = (...args: never[]) => unknown;
const lazy =
  <M extends Record<K, Action>, K extends keyof M>(load: () => Promise<M>, name: K) =>
  async (...args: Parameters<M[K]>): Promise<void> => {
    await (await load())[name](...args);
  };
const importCommand = lazy(() => import('./import-command.ts'), 'importCommand');
const migrateCommand = lazy(() => import('./migrate-command.ts'), 'migrateCommand');
const projects = () => import('./project-commands.ts');
const projectCommand = lazy(projects, 'projectCommand');
const rebuildCommand = lazy(projects, 'rebuildCommand');
const keysCreateCommand = lazy(projects, 'keysCreateCommand');
const keysListCommand = lazy(projects, 'keysListCommand');
const keysRevokeCommand = lazy(projects, 'keysRevokeCommand');
const scenarioCommand = lazy(() => import('./scenario-command.ts'), 'scenarioCommand');
const serveCommand = lazy(() => import('./serve-command.ts'), 'serveCommand');
const verifyCommand = lazy(() => import('./verify-command.ts'), 'verifyCommand');
const templateCommand = lazy(() => import('../db/pglite-template.ts'), 'templateCommand');

// `cakupan import big.ndjson | head -1`: once the reader has gone, what is left
// to print goes nowhere (the command's work is done and its exit code stands),
// rather than ending in an unhandled EPIPE and a stack trace
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});

const program = new Command('cakupan')
  .description('GraphQL analytics over the event-sourced history of BPJS Ketenagakerjaan coverage')
  .showHelpAfterError()
  // usage errors exit 2, like the commands' own argument checks (1 means "ran, some input rejected")
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
  .configureHelp({ showGlobalOptions: true })
  .addHelpText('after', envHelp());

export const parseNonNegativeInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
};

export const parsePositiveInt = (value: string) => {
  const n = parseNonNegativeInt(value);
  if (n === 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

export const parseScale = (value: string) => {
  const n = Number(value);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError('must be a number in (0, 1], e.g. 0.001');
  return n;
};
const parseInteger = (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('must be an integer');
  return n;
};

program
  .command('scenario')
  .description('write the reference scenario (2013-2026, reproducing the seed figures) as an NDJSON import file')
  .option('--scale <s>', 'share of the real counts, in (0, 1]', parseScale, 0.001)
  .option('--seed <n>', 'random seed: same arguments, byte-identical file', parseInteger, 1)
  .option('--region <code>', 'generate one province (2-digit) or regency/city (4-digit) alone')
  .option('--out <file>', 'where to write (default: standard output)')
  .option('--no-progress', 'no progress bar even on a terminal')
  .action(scenarioCommand);

program.command('migrate').description('apply pending database migrations').action(migrateCommand);

program
  .command('import')
  .description('append the events of an NDJSON file to the log (see docs: import format)')
  .argument('<file>', 'NDJSON file, one event per line')
  .option('--rejects <file>', 'where to write rejected lines (default: <file>.rejects.ndjson)')
  .option('--batch-size <n>', 'events per transaction', parsePositiveInt, 10_000)
  .option('--parse-workers <n>', 'worker threads that validate lines (default: one per spare core for files over 4 MB; 0 parses inline)', parseNonNegativeInt)
  .option('--no-progress', 'no progress bar even on a terminal')
  .option('--max-line-kb <n>', 'longest line accepted, in KiB (default: CAKUPAN_IMPORT_MAX_LINE_KB or 4096)', parsePositiveInt)
  .option('--retry-rejected', 'decide again the lines whose event ids an earlier import rejected against the log (otherwise their rejection is reported again)')
  .option('--no-project', 'leave the read models behind the log (a server on PostgreSQL follows it; default: bring them up to date)')
  .action(importCommand);

program
  .command('serve')
  .description('serve the GraphQL API (GraphiQL at /graphql)')
  .option('-p, --port <n>', 'port to listen on (default: PORT or 4000; 0 picks a free one)', parseNonNegativeInt)
  .option('--host <host>', 'interface to bind (default: HOST or 127.0.0.1)')
  .option('--demo', 'on an empty database, load the reference scenario first (national, see --demo-scale)')
  .option('--demo-scale <s>', 'scale of the demo scenario', parseScale, 0.001)
  .option('--demo-seed <n>', 'seed of the demo scenario', parseInteger, 1)
  .action(serveCommand);

program
  .command('verify')
  .description('recompute the hash chain; exit 1 and name the first bad position if it is broken')
  .option('--from <position>', 'first position to check', parsePositiveInt)
  .option('--to <position>', 'last position to check', parsePositiveInt)
  .action(verifyCommand);

program.command('project').description('bring the read models up to the head of the log').action(projectCommand);
program.command('rebuild').description('empty the read models, replay the whole log and print their digests').action(rebuildCommand);

program
  .command('pglite-template')
  .description('make the initialised cluster new PGlite data directories are copied from instead of running initdb (npm ci does it; kept in node_modules/.cache/cakupan)')
  .action(templateCommand);

const keys = program.command('keys').description('manage API keys (a server holding a PGlite directory: use the ADMIN mutations createApiKey and revokeApiKey)');
keys
  .command('create')
  .description('create an API key (printed once; stored hashed)')
  .requiredOption('--role <role>', 'ANALYST, AUDITOR, WRITER or ADMIN')
  .option('--name <name>', 'who or what the key is for', 'unnamed')
  .option('--expires-in-days <n>', 'refuse the key after this many days (default: never)', parsePositiveInt)
  .action(keysCreateCommand);
keys.command('list').description('list API keys: id, role, state, created, name (never the keys)').action(keysListCommand);
keys.command('revoke <id>').description('revoke an API key by id: refused (401) from the next request on').action(keysRevokeCommand);

// each command's help lists the environment variables it reads
const withEnv = (c: Command) => {
  for (const sub of c.commands) {
    if (sub.commands.length) withEnv(sub);
    else sub.addHelpText('after', envHelp(c.name() === 'keys' ? 'keys' : sub.name()));
  }
};
withEnv(program);

await program.parseAsync(process.argv);
