import { withDatabase } from './run.ts';

// openDatabase migrates; this command only makes that explicit and reports it.
export const migrateCommand = () =>
  withDatabase('migrate', async (db) => {
    const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL');
    process.stdout.write(`database is up to date (${row.n} migrations applied)\n`);
  });
