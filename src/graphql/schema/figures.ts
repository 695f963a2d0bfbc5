import { randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import { createRequire } from 'node:module';
import type { DocumentNode } from 'graphql';
import type { App } from '../../app/app.ts';
import type { Database, Sql } from '../../db/database.ts';
import { ValidationError } from '../../domain/errors.ts';
import { appendEvents } from '../../eventstore/append.ts';
import { jakartaDay } from '../../projections/log-event.ts';
import { withReplay } from '../../projections/replay.ts';
import { builder } from '../builder.ts';

// The graphql instance Pothos built the schema with: Node resolves the package
// to its CommonJS build, and a bundler or test runner handing us the ESM build
// would make schema objects from two copies meet.
const { execute, parse } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** The same database seen through one open transaction (for snapshot reads and replays). */
const inTransaction = (db: Database, tx: Sql): Database => ({ ...db, query: tx.query, exec: tx.exec, transaction: (fn) => fn(tx), close: async () => {} });

function readOnlyDocument(query: string): DocumentNode {
  let doc: DocumentNode;
  try {
    doc = parse(query);
  } catch (e) {
    throw new ValidationError([{ field: 'query', reason: `is not valid GraphQL: ${(e as Error).message}` }]);
  }
  if (doc.definitions.some((d) => d.kind === 'OperationDefinition' && d.operation !== 'query')) {
    throw new ValidationError([{ field: 'query', reason: 'must be a query (no mutations or subscriptions)' }]);
  }
  return doc;
}

/** Runs a published figure's query as an analyst against the given database view. */
async function answer(app: App, db: Database, doc: DocumentNode, variables: Record<string, unknown>): Promise<unknown> {
  const { schema } = await import('./index.ts'); // the schema this file is part of (loaded by now)
  // no cube: it holds the live read models, and this view is a snapshot or a replay (SQL reads what the view shows)
  const result = await execute({ schema, document: doc, variableValues: variables, contextValue: { app: { ...app, db, cube: undefined }, role: 'ANALYST' } });
  if (result.errors?.length) throw new ValidationError(result.errors.map((e) => ({ field: 'query', reason: e.message })));
  return result.data;
}

const same = (a: unknown, b: unknown) => canonicalize(a) === canonicalize(b);

type Figure = { figureId: string; name: string; query: string; variables: Record<string, unknown>; answer: unknown; atPosition: number; recordedAt: Date; eventPosition: number };
type Reproduction = { matches: boolean; reproducedAnswer: unknown; currentAnswer: unknown; currentMatches: boolean };

const ReproductionRef = builder.objectRef<Reproduction>('FigureReproduction').implement({
  fields: (t) => ({
    matches: t.exposeBoolean('matches', { description: 'The answer recomputed from the log as it stood at `position` equals the published one' }),
    reproducedAnswer: t.field({ type: 'JSON', resolve: (r) => r.reproducedAnswer }),
    currentAnswer: t.field({ type: 'JSON', description: 'The same query with everything known now (late reports and retractions included)', resolve: (r) => r.currentAnswer }),
    currentMatches: t.exposeBoolean('currentMatches', { description: 'Whether what is known now still gives the published answer' }),
  }),
});

const FigureRef = builder.objectRef<Figure>('PublishedFigure').implement({
  fields: (t) => ({
    figureId: t.exposeString('figureId'),
    name: t.exposeString('name'),
    publishedAt: t.field({ type: 'DateTime', resolve: (f) => f.recordedAt }),
    position: t.exposeInt('atPosition', { description: 'The log position the answer was computed at' }),
    query: t.exposeString('query'),
    variables: t.field({ type: 'JSON', resolve: (f) => f.variables }),
    answer: t.field({ type: 'JSON', resolve: (f) => f.answer }),
    reproduce: t.field({
      type: ReproductionRef,
      complexity: 500,
      resolve: async (f, _args, ctx) => {
        const doc = readOnlyDocument(f.query);
        // a replay writes temporary tables: on the primary, never a read replica
        const primary = ctx.app.primary;
        const reproducedAnswer = await withReplay(primary.db, f.atPosition, (sql) => answer(primary, inTransaction(primary.db, sql), doc, f.variables));
        const currentAnswer = await answer(ctx.app, ctx.app.db, doc, f.variables);
        return { matches: same(reproducedAnswer, f.answer), reproducedAnswer, currentAnswer, currentMatches: same(currentAnswer, f.answer) };
      },
    }),
  }),
});

builder.mutationField('publishFigure', (t) =>
  t.field({
    type: FigureRef,
    description: 'Computes a query (as of the current log position, on one snapshot) and records it with its answer as a FigurePublished event.',
    authScopes: { writer: true },
    args: { name: t.arg.string({ required: true }), query: t.arg.string({ required: true }), variables: t.arg({ type: 'JSON' }) },
    resolve: async (_root, args, ctx) => {
      const doc = readOnlyDocument(args.query);
      const variables = (args.variables ?? {}) as Record<string, unknown>;
      await ctx.app.catchUp();
      // one snapshot: the read models' position and the answer agree
      const { atPosition, data } = await ctx.app.db.transaction(async (tx) => {
        if (ctx.app.db.engine === 'postgres') await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        const [row] = await tx.query<{ p: number | null }>('SELECT min(position) AS p FROM projection_checkpoints');
        return { atPosition: row.p ?? 0, data: await answer(ctx.app, inTransaction(ctx.app.db, tx), doc, variables) };
      });
      const figureId = randomUUID();
      const data_ = { figureId, name: args.name, query: args.query, variables, answer: data, atPosition };
      const r = await appendEvents(ctx.app.db, [{ eventId: randomUUID(), type: 'FigurePublished', effectiveOn: jakartaDay(new Date()), streamId: `figure-${figureId}`, regionCode: null, data: data_ }], { atomic: true });
      const outcome = r.outcomes[0];
      if (outcome.status !== 'appended') throw new Error('figure could not be recorded');
      const [ev] = await ctx.app.db.query<{ recorded_at: Date }>('SELECT recorded_at FROM events WHERE position = $1', [outcome.position]);
      return { ...data_, recordedAt: new Date(ev.recorded_at), eventPosition: outcome.position };
    },
  }),
);

builder.queryField('publishedFigures', (t) =>
  t.field({
    type: [FigureRef],
    authScopes: { auditor: true },
    resolve: async (_root, _args, ctx) => {
      const rows = await ctx.app.db.query<{ position: number; data: Figure; recorded_at: Date }>(
        "SELECT position, data, recorded_at FROM events WHERE type = 'FigurePublished' ORDER BY position",
      );
      return rows.map((r) => ({ ...r.data, recordedAt: new Date(r.recorded_at), eventPosition: r.position }));
    },
  }),
);
