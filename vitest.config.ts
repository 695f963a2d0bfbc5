import { defineConfig } from 'vitest/config';

// graphql ships CJS (main) and ESM (module) builds. Under Node, Pothos and
// yoga load the CJS one; Vite would hand our sources the ESM one, and schema
// objects from two copies cannot meet ("from another module or realm").
// Resolving by `main` gives every importer the same copy.

// One `vitest run` covers both engines: the integration suite runs once on
// embedded PGlite and once on PostgreSQL (which must be reachable: the
// postgres project's global setup fails loudly otherwise).
export default defineConfig({
  resolve: { mainFields: ['main'] },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { test: { name: 'unit', include: ['test/**/*.unit.test.ts'] } },
      {
        test: {
          name: 'pglite',
          include: ['test/**/*.int.test.ts'],
          env: { CAKUPAN_TEST_ENGINE: 'pglite', CAKUPAN_LOG_LEVEL: 'error' },
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'postgres',
          include: ['test/**/*.int.test.ts'],
          env: { CAKUPAN_TEST_ENGINE: 'postgres', CAKUPAN_LOG_LEVEL: 'error' },
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
