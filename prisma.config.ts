// Prisma CLI configuration. The placeholders below stop Prisma 6.19 from ever
// downloading its native engines: with `engine: "js"` and a driver adapter the
// CLI migrates through JavaScript, so `prisma generate` and `prisma migrate
// deploy` work offline and in air-gapped deployments (see DESIGN.md).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Any existing file will do: it is never executed in JS-engine mode.
const placeholder = fileURLToPath(import.meta.url);
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= placeholder;
process.env.PRISMA_QUERY_ENGINE_LIBRARY ??= placeholder;

import { defineConfig } from 'prisma/config';

let pglite: Promise<import('@electric-sql/pglite').PGlite> | undefined;

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  // The CLI opens the same database the service uses: PostgreSQL when
  // DATABASE_URL is set, otherwise the PGlite directory CAKUPAN_DATA_DIR.
  async adapter() {
    const url = process.env.DATABASE_URL;
    if (url) {
      const { PrismaPg } = await import('@prisma/adapter-pg');
      return new PrismaPg({ connectionString: url });
    }
    // The CLI asks for the adapter more than once; two PGlite instances on one
    // directory would race (two initdb runs, then a hang), so share one.
    // Under npm's install scripts (@prisma/client's postinstall runs `prisma -v`,
    // which asks for it) the adapter is an empty in-memory database: an install
    // never opens the service's data directory, which a running server may hold
    // and where `prisma -v` never exits (a second `npm ci` hung on it).
    const installing = process.env.npm_lifecycle_event === 'postinstall' || process.env.npm_lifecycle_event === 'install';
    pglite ??= import('@electric-sql/pglite').then(({ PGlite }) => new PGlite(installing ? 'memory://' : path.resolve(process.env.CAKUPAN_DATA_DIR ?? 'data')));
    const { PrismaPGlite } = await import('pglite-prisma-adapter');
    // Its bundled driver-adapter-utils types lag Prisma's by a minor version.
    return new PrismaPGlite(await pglite) as unknown as InstanceType<typeof import('@prisma/adapter-pg').PrismaPg>;
  },
});
