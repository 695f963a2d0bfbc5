import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'graphql-yoga';
import type { App } from '../app/app.ts';
import { ERROR_CODES, isCakupanError } from '../domain/errors.ts';
import { roleFor } from '../graphql/auth.ts';
import { minCellFor } from '../graphql/context.ts';
import { coverageCsv } from './csv-export.ts';

const require = createRequire(import.meta.url);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const STATIC: Record<string, { file: string; type: string }> = {
  '/dashboard': { file: here('./dashboard.html'), type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: here('./dashboard.js'), type: 'text/javascript; charset=utf-8' },
  '/dashboard/graphql-sse.js': { file: require.resolve('graphql-sse').replace(/lib[\/]index\.js$/, 'umd/graphql-sse.min.js'), type: 'text/javascript; charset=utf-8' },
  '/dashboard/chart.js': { file: require.resolve('chart.js').replace(/chart\.cjs$/, 'chart.umd.min.js'), type: 'text/javascript; charset=utf-8' },
};
const cache = new Map<string, string>();
const read = (file: string) => cache.get(file) ?? (cache.set(file, readFileSync(file, 'utf8')), cache.get(file)!);

/**
 * The dashboard page (`/dashboard`, also the root) with its script and Chart.js,
 * and the CSV export (`/export/coverage.csv`), served next to `/graphql` by
 * the same yoga instance, so tests can reach them through `yoga.fetch` too.
 */
export function useDashboard(app: App): Plugin {
  return {
    async onRequest({ url, request, endResponse, fetchAPI }) {
      if (request.method !== 'GET') return;
      if (url.pathname === '/') return endResponse(new fetchAPI.Response(null, { status: 302, headers: { location: '/dashboard' } }));
      const asset = STATIC[url.pathname];
      if (asset) return endResponse(new fetchAPI.Response(read(asset.file), { headers: { 'content-type': asset.type, 'cache-control': 'no-cache' } }));
      if (url.pathname === '/export/coverage.csv') {
        try {
          // a key (as for /graphql) gets raw values; without one, disclosure control applies
          const role = await roleFor(app.db, request.headers.get('authorization'), app.config.jwt);
          const csv = await coverageCsv(app.db, url.searchParams, { cube: app.cube, minCell: minCellFor({ app, role }) });
          const headers = {
            'content-type': 'text/csv; charset=utf-8',
            'content-disposition': 'attachment; filename="coverage.csv"',
            'x-cakupan-position': String(csv.position),
            'x-cakupan-rows': String(csv.rows),
          };
          endResponse(new fetchAPI.Response(csv.body, { headers }));
        } catch (e) {
          const failure = isCakupanError(e) ? { code: e.code, message: e.message, issues: e.issues } : unauthenticated(e);
          if (!failure) throw e;
          endResponse(new fetchAPI.Response(JSON.stringify(failure), { status: ERROR_CODES[failure.code].status, headers: { 'content-type': 'application/json' } }));
        }
      }
    },
  };
}

/** roleFor's refusal (a GraphQLError with code UNAUTHENTICATED) as the CSV's JSON error, else undefined. */
function unauthenticated(e: unknown): { code: 'UNAUTHENTICATED'; message: string; issues: [] } | undefined {
  const ext = (e as { extensions?: { code?: string } }).extensions;
  return ext?.code === 'UNAUTHENTICATED' ? { code: 'UNAUTHENTICATED', message: (e as Error).message, issues: [] } : undefined;
}
