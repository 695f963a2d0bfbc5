import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../app/app.ts';
import { logger } from '../config/logger.ts';
import { createYogaServer } from '../graphql/yoga.ts';
import { importFile } from '../importer/import-file.ts';
import { catchUp } from '../projections/runner.ts';
import { withDatabase } from './run.ts';

type Options = { port?: number; host: string; demo?: boolean };

// Until the reference scenario lands, the demo is the shared sample history.
const DEMO_FILE = fileURLToPath(new URL('../../../shared/examples/events.sample.ndjson', import.meta.url));

export const serveCommand = (options: Options) =>
  withDatabase('serve', async (db, config) => {
    const app = createApp(config, db, (a) => catchUp(a.db).then(() => undefined));
    const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    if (options.demo && n === 0 && existsSync(DEMO_FILE)) {
      const s = await importFile(db, config, DEMO_FILE);
      logger.info({ appended: s.appended, file: path.relative(process.cwd(), DEMO_FILE) }, 'loaded demo data');
    }
    await catchUp(db);
    const yoga = createYogaServer(app);
    const server = createServer(yoga);
    const port = options.port ?? config.port;
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, options.host, resolve));
    const address = server.address();
    const url = `http://${options.host}:${typeof address === 'object' && address ? address.port : port}`;
    process.stdout.write(`cakupan is serving ${config.databaseUrl ? 'PostgreSQL' : `PGlite (${config.dataDir})`}\n  GraphQL and GraphiQL: ${url}/graphql\n`);
    await new Promise<void>((resolve) => {
      const stop = () => server.close(() => resolve());
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await app.prisma.$disconnect();
  });
