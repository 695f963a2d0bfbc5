import path from 'node:path';
import { z } from 'zod';

// Every setting comes from the environment, validated once at the edge.
const Env = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL').optional(),
  CAKUPAN_DATA_DIR: z.string().default('data'),
  CAKUPAN_PSEUDONYM_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  CAKUPAN_NPP_PATTERN: z.string().default('^\\d{8}$'),
  CAKUPAN_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  CAKUPAN_JWT_SECRET: z.string().min(32, 'must be at least 32 characters (HS256 key)').optional(),
  CAKUPAN_JWT_ISSUER: z.string().min(1).optional(),
  CAKUPAN_JWT_AUDIENCE: z.string().min(1).optional(),
});

export type Config = {
  databaseUrl?: string;
  dataDir: string;
  pseudonymSecret: string;
  pseudonymSecretIsDefault: boolean;
  nppPattern: RegExp;
  logLevel: z.infer<typeof Env>['CAKUPAN_LOG_LEVEL'];
  port: number;
  /** Bearer JWTs (HS256) are accepted when a secret is set; the `role` claim gives the role. */
  jwt?: { secret: string; issuer?: string; audience?: string };
};

// A fixed development secret keeps demo pseudonyms stable; production must set
// its own (a warning is printed at start-up when it is missing).
const DEVELOPMENT_SECRET = 'cakupan-development-secret-do-not-use-in-production';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${issues}`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.CAKUPAN_DATA_DIR),
    pseudonymSecret: e.CAKUPAN_PSEUDONYM_SECRET ?? DEVELOPMENT_SECRET,
    pseudonymSecretIsDefault: e.CAKUPAN_PSEUDONYM_SECRET === undefined,
    nppPattern: new RegExp(e.CAKUPAN_NPP_PATTERN),
    logLevel: e.CAKUPAN_LOG_LEVEL,
    port: e.PORT,
    jwt: e.CAKUPAN_JWT_SECRET ? { secret: e.CAKUPAN_JWT_SECRET, issuer: e.CAKUPAN_JWT_ISSUER, audience: e.CAKUPAN_JWT_AUDIENCE } : undefined,
  };
}
