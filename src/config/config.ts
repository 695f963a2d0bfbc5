import path from 'node:path';
import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

// Every setting comes from the environment, validated once at the edge by this
// one schema; `cakupan --help` and each command's help list the variables from
// ENV_VARS below, so the two cannot drift apart.
const Env = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL').optional(),
  DATABASE_REPLICA_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL').optional(),
  CAKUPAN_REPLICA_WAIT_MS: z.coerce.number({ error: 'must be milliseconds' }).int().min(0).default(2000),
  CAKUPAN_DATA_DIR: z.string().min(1).default('data'),
  CAKUPAN_PSEUDONYM_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  CAKUPAN_NPP_PATTERN: z
    .string()
    .default('^\\d{8}$')
    .refine((p) => {
      try {
        new RegExp(p);
        return true;
      } catch {
        return false;
      }
    }, 'must be a valid regular expression'),
  CAKUPAN_LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  CAKUPAN_LOG_FORMAT: z.enum(['auto', 'pretty', 'json'], { error: 'must be auto, pretty or json' }).default('auto'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65535).default(4000),
  CAKUPAN_READY_MAX_LAG: z.coerce.number({ error: 'must be a number of events' }).int().min(0).default(10_000),
  CAKUPAN_FOLLOW_POLL_MS: z.coerce.number({ error: 'must be milliseconds' }).int().min(50).default(1000),
  CAKUPAN_CORS_ORIGINS: z
    .string()
    .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
    .refine((os) => os.every((o) => /^https?:\/\/[^/\s]+$/.test(o)), 'must be a comma-separated list of origins like https://dash.example.go.id (scheme and host, no path)')
    .optional(),
  CAKUPAN_ANSWER_CACHE_MB: z.coerce.number({ error: 'must be megabytes' }).min(0).default(64),
  CAKUPAN_MAX_COST: z.coerce.number({ error: 'must be a number' }).int().min(100).default(50_000),
  CAKUPAN_MIN_CELL: z.coerce.number({ error: 'must be a whole number of people' }).int().min(1).max(1000).default(10),
  CAKUPAN_REQUEST_TIMEOUT_MS: z.coerce.number({ error: 'must be milliseconds' }).int().min(100).default(30_000),
  CAKUPAN_RATE_LIMIT_PUBLIC: z.coerce.number({ error: 'must be requests per second' }).int().min(0).default(50),
  CAKUPAN_RATE_LIMIT_KEY: z.coerce.number({ error: 'must be requests per second' }).int().min(0).default(500),
  CAKUPAN_IMPORT_MAX_LINE_KB: z.coerce.number({ error: 'must be kilobytes' }).int().min(1).max(1024 * 1024).default(4096),
  CAKUPAN_SHUTDOWN_TIMEOUT_MS: z.coerce.number({ error: 'must be milliseconds' }).int().min(0).default(10_000),
  CAKUPAN_JWT_SECRET: z.string().min(32, 'must be at least 32 characters (HS256 key)').optional(),
  CAKUPAN_JWKS_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL of a JSON Web Key Set' }).optional(),
  CAKUPAN_JWT_ISSUER: z.string().min(1).optional(),
  CAKUPAN_JWT_AUDIENCE: z.string().min(1).optional(),
});
type EnvName = keyof z.infer<typeof Env>;

/** What each variable is for and which commands read it (for `--help`). */
export const ENV_VARS: Record<EnvName, { about: string; commands: 'all' | string[] }> = {
  DATABASE_URL: { about: 'PostgreSQL URL; unset = embedded PGlite in CAKUPAN_DATA_DIR', commands: 'all' },
  DATABASE_REPLICA_URL: { about: 'a PostgreSQL streaming replica of DATABASE_URL that queries read from (writes, replays and the projector stay on the primary)', commands: ['serve'] },
  CAKUPAN_REPLICA_WAIT_MS: { about: 'read-your-writes: how long a mutation, or a request with x-cakupan-min-position, waits for the replica before reading the primary (default 2000)', commands: ['serve'] },
  CAKUPAN_DATA_DIR: { about: 'PGlite data directory (default ./data)', commands: 'all' },
  CAKUPAN_PSEUDONYM_SECRET: { about: 'HMAC secret for NIK pseudonyms (>= 16 chars; production must set it)', commands: ['import', 'serve'] },
  CAKUPAN_NPP_PATTERN: { about: 'regular expression an employer NPP must match (default ^\\d{8}$)', commands: ['import', 'serve'] },
  CAKUPAN_LOG_LEVEL: { about: `${LOG_LEVELS.join('|')} (default info)`, commands: 'all' },
  CAKUPAN_LOG_FORMAT: { about: 'auto (pretty on a terminal, JSON otherwise) | pretty | json', commands: 'all' },
  HOST: { about: 'interface to bind (default 127.0.0.1; --host wins)', commands: ['serve'] },
  PORT: { about: 'port to listen on (default 4000; --port wins)', commands: ['serve'] },
  CAKUPAN_READY_MAX_LAG: { about: 'events the read models may trail the log before /readiness fails (default 10000)', commands: ['serve'] },
  CAKUPAN_FOLLOW_POLL_MS: { about: 'PostgreSQL: how often a server polls the log besides LISTEN/NOTIFY, and retries the projector lock (default 1000)', commands: ['serve'] },
  CAKUPAN_CORS_ORIGINS: { about: 'browser origins allowed to call the API cross-origin, comma-separated (default none: no CORS headers)', commands: ['serve'] },
  CAKUPAN_ANSWER_CACHE_MB: { about: 'serialized public series answers kept per server until the read models move (default 64; 0 turns the cache off)', commands: ['serve'] },
  CAKUPAN_MAX_COST: { about: 'budget per GraphQL request, checked before anything runs: the points its series and breakdowns can return (groups x periods), over all aliases and fragments, plus 1 per other field (default 50000)', commands: ['serve'] },
  CAKUPAN_MIN_CELL: { about: 'disclosure control for callers without a key: participant counts below this (and the cells hidden so that none can be recovered by subtraction) are answered null with `suppressed: true` (default 10; 1 turns it off; keys see raw values). See docs/disclosure.md', commands: ['serve'] },
  CAKUPAN_REQUEST_TIMEOUT_MS: { about: 'a query or mutation still running after this long is answered COST_LIMIT (default 30000; subscriptions are not timed)', commands: ['serve'] },
  CAKUPAN_RATE_LIMIT_PUBLIC: { about: 'requests per second one address may make without a key, in bursts of twice that; 429 RATE_LIMITED with Retry-After beyond (default 50; 0 turns it off)', commands: ['serve'] },
  CAKUPAN_RATE_LIMIT_KEY: { about: 'requests per second per API key or JWT, in bursts of twice that (default 500; 0 turns it off)', commands: ['serve'] },
  CAKUPAN_IMPORT_MAX_LINE_KB: { about: 'longest import line accepted, in KiB (default 4096); a longer line is rejected with its line number, read past without being held whole', commands: ['import', 'serve'] },
  CAKUPAN_SHUTDOWN_TIMEOUT_MS: { about: 'how long SIGTERM waits for in-flight requests (default 10000)', commands: ['serve'] },
  CAKUPAN_JWT_SECRET: { about: 'accept HS256 JWTs signed with this key (>= 32 chars)', commands: ['serve'] },
  CAKUPAN_JWKS_URL: { about: 'accept RS256/ES256 JWTs signed by a key of this JSON Web Key Set (an identity provider\'s jwks_uri; fetched and cached by jose)', commands: ['serve'] },
  CAKUPAN_JWT_ISSUER: { about: 'required JWT "iss"', commands: ['serve'] },
  CAKUPAN_JWT_AUDIENCE: { about: 'required JWT "aud"', commands: ['serve'] },
};

/** The help text listing the variables one command reads (all of them without a command). */
export function envHelp(command?: string): string {
  const rows = Object.entries(ENV_VARS).filter(([, v]) => !command || v.commands === 'all' || v.commands.includes(command));
  const width = Math.max(...rows.map(([k]) => k.length));
  return `\nEnvironment${command ? ` (${command})` : ''}:\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v.about}`).join('\n')}\n`;
}

export type Config = {
  databaseUrl?: string;
  /** Queries read from this replica of the primary when set (PostgreSQL only). */
  replica?: { url: string; waitMs: number };
  dataDir: string;
  pseudonymSecret: string;
  pseudonymSecretIsDefault: boolean;
  nppPattern: RegExp;
  logLevel: LogLevel;
  logFormat: 'auto' | 'pretty' | 'json';
  host: string;
  port: number;
  /** /readiness fails when a projection trails the log head by more events than this. */
  readyMaxLag: number;
  shutdownTimeoutMs: number;
  /** Browser origins allowed cross-origin access (with credentials); empty: none. */
  corsOrigins: string[];
  /** Bytes of serialized answers the answer cache keeps (0: off). */
  answerCacheBytes: number;
  followPollMs: number;
  /** The cost budget of one GraphQL request (see `estimatePoints`). */
  maxCost: number;
  /** Disclosure control's threshold K for PUBLIC callers (1: off). */
  minCell: number;
  requestTimeoutMs: number;
  rateLimit: { publicPerSecond: number; keyPerSecond: number };
  /** The longest import line accepted, in bytes. */
  importMaxLineBytes: number;
  /** Bearer JWTs are accepted when a secret (HS256) or a JWKS URL (RS256, ES256) is set; the `role` claim gives the role. */
  jwt?: { secret?: string; jwksUrl?: string; issuer?: string; audience?: string };
};

// A fixed development secret keeps demo pseudonyms stable; production must set
// its own (a warning is printed at start-up when it is missing).
const DEVELOPMENT_SECRET = 'cakupan-development-secret-do-not-use-in-production';

/** A configuration error names every variable at fault and why. */
export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; reason: string }[]) {
    super(`invalid configuration: ${issues.map((i) => `${i.variable} ${i.reason}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable counts as unset (a common shell idiom: FOO= cakupan …).
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = Env.safeParse(set);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => ({ variable: i.path.join('.'), reason: i.message })));
  }
  const e = parsed.data;
  if (e.DATABASE_REPLICA_URL && !e.DATABASE_URL) throw new ConfigError([{ variable: 'DATABASE_REPLICA_URL', reason: 'needs DATABASE_URL (the primary it replicates)' }]);
  return {
    databaseUrl: e.DATABASE_URL,
    replica: e.DATABASE_REPLICA_URL ? { url: e.DATABASE_REPLICA_URL, waitMs: e.CAKUPAN_REPLICA_WAIT_MS } : undefined,
    dataDir: path.resolve(e.CAKUPAN_DATA_DIR),
    pseudonymSecret: e.CAKUPAN_PSEUDONYM_SECRET ?? DEVELOPMENT_SECRET,
    pseudonymSecretIsDefault: e.CAKUPAN_PSEUDONYM_SECRET === undefined,
    nppPattern: new RegExp(e.CAKUPAN_NPP_PATTERN),
    logLevel: e.CAKUPAN_LOG_LEVEL,
    logFormat: e.CAKUPAN_LOG_FORMAT,
    host: e.HOST,
    port: e.PORT,
    readyMaxLag: e.CAKUPAN_READY_MAX_LAG,
    shutdownTimeoutMs: e.CAKUPAN_SHUTDOWN_TIMEOUT_MS,
    corsOrigins: e.CAKUPAN_CORS_ORIGINS ?? [],
    answerCacheBytes: Math.round(e.CAKUPAN_ANSWER_CACHE_MB * 1024 * 1024),
    followPollMs: e.CAKUPAN_FOLLOW_POLL_MS,
    importMaxLineBytes: e.CAKUPAN_IMPORT_MAX_LINE_KB * 1024,
    maxCost: e.CAKUPAN_MAX_COST,
    minCell: e.CAKUPAN_MIN_CELL,
    requestTimeoutMs: e.CAKUPAN_REQUEST_TIMEOUT_MS,
    rateLimit: { publicPerSecond: e.CAKUPAN_RATE_LIMIT_PUBLIC, keyPerSecond: e.CAKUPAN_RATE_LIMIT_KEY },
    jwt:
      e.CAKUPAN_JWT_SECRET || e.CAKUPAN_JWKS_URL
        ? { secret: e.CAKUPAN_JWT_SECRET, jwksUrl: e.CAKUPAN_JWKS_URL, issuer: e.CAKUPAN_JWT_ISSUER, audience: e.CAKUPAN_JWT_AUDIENCE }
        : undefined,
  };
}
