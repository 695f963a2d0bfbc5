// Where the tests find PostgreSQL. CI starts the local server; a missing
// server is a failure, never a skip.
export const TEST_PG_ADMIN_URL = process.env.CAKUPAN_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
export const TEMPLATE_DB = 'cakupan_test_template';

export function pgUrlFor(database: string): string {
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

export type TestEngine = 'pglite' | 'postgres';
export function testEngine(): TestEngine {
  const e = process.env.CAKUPAN_TEST_ENGINE;
  if (e !== 'pglite' && e !== 'postgres') throw new Error('CAKUPAN_TEST_ENGINE must be pglite or postgres');
  return e;
}
