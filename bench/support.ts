import { randomBytes } from 'node:crypto';
import pg from 'pg';

// Benchmarks run against the local PostgreSQL (loopback only) in throwaway databases.
export const BENCH_PG_URL = process.env.CAKUPAN_BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

export async function throwawayDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: BENCH_PG_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(BENCH_PG_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
export const fmt = (n: number) => n.toLocaleString('en-US');
