import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError } from 'graphql';
import { CakupanError, ErrorCode } from '../domain/errors.ts';
import type PrismaTypes from '../generated/pothos-types.ts';
import { getDatamodel } from '../generated/pothos-types.ts';
import type { Context, Role } from './context.ts';

const RANK: Record<Role, number> = { PUBLIC: 0, ANALYST: 1, AUDITOR: 2, WRITER: 2, ADMIN: 9 };
const has = (role: Role, needed: Role) => role === 'ADMIN' || role === needed || (needed === 'ANALYST' && RANK[role] >= 1);

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: { analyst: boolean; auditor: boolean; writer: boolean; admin: boolean };
  Scalars: {
    Date: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, ErrorsPlugin, PrismaPlugin, RelayPlugin, ComplexityPlugin],
  scopeAuth: {
    authScopes: (ctx) => ({
      analyst: has(ctx.role, 'ANALYST'),
      auditor: has(ctx.role, 'AUDITOR'),
      writer: has(ctx.role, 'WRITER'),
      admin: ctx.role === 'ADMIN',
    }),
    unauthorizedError: (_parent, ctx, info) =>
      new GraphQLError(`${info.parentType.name}.${info.fieldName} needs a key with a higher role (you are ${ctx.role})`, {
        extensions: { code: ErrorCode.FORBIDDEN },
      }),
  },
  errors: { defaultTypes: [] },
  prisma: { client: (ctx) => ctx.app.prisma, dmmf: getDatamodel(), filterConnectionTotalCount: true },
  relay: { clientMutationId: 'omit', cursorType: 'String' },
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    // One budget per request, counted before any resolver runs, across aliases
    // and fragments: a series costs the points it can answer (groups x periods,
    // from its arguments: see estimatePoints), any other field 1, list items 10.
    limit: (ctx) => ({ complexity: ctx.app.config.maxCost, depth: 12, breadth: 300 }),
    complexityError: (kind, r) =>
      // refused before anything ran: the request as a whole, HTTP 400
      new GraphQLError(
        kind === 'Complexity' ? `the request would cost ${r.complexity.toLocaleString('en-US')}, over the budget of ${r.maxComplexity!.toLocaleString('en-US')} per request` : `the query's ${kind.toLowerCase()} is over the limit`,
        {
          extensions: {
            code: ErrorCode.COST_LIMIT,
            http: { status: 400 },
            issues: [
              kind === 'Complexity'
                ? { field: 'cost', reason: `${r.complexity} (the points each series and breakdown can return, groups x periods, summed over aliases and fragments, plus 1 per other field) is over the budget of ${r.maxComplexity} (CAKUPAN_MAX_COST): ask for fewer groups, periods or aliases, or page` }
                : kind === 'Depth'
                  ? { field: 'depth', reason: `${r.depth} is over the limit of ${r.maxDepth}` }
                  : { field: 'breadth', reason: `${r.breadth} is over the limit of ${r.maxBreadth}` },
            ],
          },
        },
      ),
  },
});
