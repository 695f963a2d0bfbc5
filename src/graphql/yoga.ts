import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError } from 'graphql';
import { createYoga, maskError } from 'graphql-yoga';
import type { App } from '../app/app.ts';
import { logger } from '../config/logger.ts';
import { isCakupanError } from '../domain/errors.ts';
import { roleFor } from './auth.ts';
import type { Context } from './context.ts';
import { schema } from './schema/index.ts';
import { useDashboard } from '../web/dashboard-plugin.ts';

/**
 * The GraphQL server as a fetch handler: `serve` mounts it on node:http, tests
 * call `yoga.fetch` in-process. Unexpected errors are masked; expected ones
 * (CakupanError) keep their message and carry `extensions.code`.
 */
export function createYogaServer(app: App) {
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'cakupan', defaultQuery: DEFAULT_QUERY },
    logging: { debug: (...a) => logger.debug(a), info: (...a) => logger.info(a), warn: (...a) => logger.warn(a), error: (...a) => logger.error(a) },
    // JSON POSTs pass; a GET needs an x-graphql-yoga-csrf header (no cross-site simple requests).
    plugins: [useCSRFPrevention(), useDashboard(app)],
    context: async ({ request }) => ({ app, role: await roleFor(app.db, request.headers.get('authorization'), app.config.jwt) }),
    maskedErrors: {
      maskError(error, message, isDev) {
        // by shape, not instanceof: graphql can be loaded twice (CJS and ESM)
        const original = (error as { originalError?: unknown }).originalError ?? error;
        // deliberate GraphQL errors (FORBIDDEN, UNAUTHENTICATED) pass unmasked
        if ((original as GraphQLError | undefined)?.extensions?.code) return error as Error;
        if (isCakupanError(original)) {
          return new GraphQLError(original.message, {
            nodes: (error as GraphQLError).nodes,
            path: (error as GraphQLError).path,
            extensions: { code: original.code, issues: original.issues },
          });
        }
        return maskError(error, message, isDev);
      },
    },
  });
}

const DEFAULT_QUERY = /* GraphQL */ `# Active participants at each year end since 2013, by segment
query ActiveBySegment {
  coverageSeries(measure: ACTIVE_PARTICIPANTS, granularity: YEAR, from: "2013-01-01", to: "2026-12-31", groupBy: [SEGMENT]) {
    series { key { segment } points { period periodEnd value compareValue } }
  }
}
`;
