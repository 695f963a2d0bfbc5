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
    limit: { complexity: 20_000, depth: 12, breadth: 300 },
    complexityError: (kind, r) =>
      new CakupanError(ErrorCode.COST_LIMIT, `the query's ${kind.toLowerCase()} is over the limit`, [
        kind === 'Depth'
          ? { field: 'depth', reason: `${r.depth} is over the limit of ${r.maxDepth}` }
          : kind === 'Breadth'
            ? { field: 'breadth', reason: `${r.breadth} is over the limit of ${r.maxBreadth}` }
            : { field: 'complexity', reason: `${r.complexity} is over the limit of ${r.maxComplexity}` },
      ]),
  },
});
