import DataLoader from 'dataloader';
import { ValidationError } from '../../domain/errors.ts';
import type { Context } from '../context.ts';
import { builder } from '../builder.ts';

// Which event retracted each event: one query per response, not one per event.
function retractedByLoader(ctx: Context) {
  const c = ctx as Context & { retractedBy?: DataLoader<string, string | null> };
  return (c.retractedBy ??= new DataLoader(async (ids: readonly string[]) => {
    const rows = await ctx.app.db.query<{ target: string; by: string }>(
      `SELECT data->>'eventId' AS target, event_id::text AS by FROM events WHERE type = 'EventRetracted' AND data->>'eventId' = ANY($1::text[])`,
      [[...ids]],
    );
    const map = new Map(rows.map((r) => [r.target, r.by]));
    return ids.map((id) => map.get(id) ?? null);
  }));
}

const ymd = (d: Date) => d.toISOString().slice(0, 10);

const EventRef = builder.prismaObject('Event', {
  description: 'One fact of the log. Worker streams carry pseudonyms only.',
  fields: (t) => ({
    position: t.int({ resolve: (e) => Number(e.position) }),
    streamId: t.exposeString('streamId'),
    streamVersion: t.exposeInt('streamVersion'),
    eventId: t.exposeString('eventId'),
    type: t.exposeString('type'),
    schemaVersion: t.exposeInt('schemaVersion'),
    effectiveOn: t.field({ type: 'Date', description: 'When it happened in the world (valid time)', resolve: (e) => ymd(e.effectiveOn) }),
    recordedAt: t.field({ type: 'DateTime', description: 'When the log learned it (system time)', resolve: (e) => e.recordedAt }),
    regionCode: t.exposeString('regionCode', { nullable: true }),
    data: t.field({ type: 'JSON', resolve: (e) => e.data }),
    hash: t.string({ description: 'sha256(previous hash ‖ canonical bytes), hex', resolve: (e) => Buffer.from(e.hash).toString('hex') }),
    retractedBy: t.string({ nullable: true, description: 'eventId of the EventRetracted that withdrew this event', resolve: (e, _a, ctx) => retractedByLoader(ctx).load(e.eventId) }),
  }),
});

const EventFilter = builder.inputType('EventFilter', {
  fields: (t) => ({
    streamId: t.string(),
    types: t.stringList(),
    fromPosition: t.int(),
    toPosition: t.int(),
    effectiveFrom: t.field({ type: 'Date' }),
    effectiveTo: t.field({ type: 'Date' }),
    recordedFrom: t.field({ type: 'DateTime' }),
    recordedTo: t.field({ type: 'DateTime' }),
  }),
});

// Keyset pagination on position (the cursor is the position itself): Prisma's
// cursor+skip would drop the first row whenever the cursor row is filtered out.
builder.queryField('events', (t) =>
  t.connection(
    {
      type: EventRef,
      authScopes: { auditor: true },
      args: { filter: t.arg({ type: EventFilter }) },
      complexity: (args) => 5 + Math.min(args.first ?? 100, 1000),
      resolve: async (_root, args, ctx) => {
        const f = args.filter ?? {};
        const first = Math.min(Math.max(args.first ?? 100, 0), 1000);
        const after = args.after ? Number(Buffer.from(args.after, 'base64url').toString()) : 0;
        if (!Number.isInteger(after) || after < 0) throw new ValidationError([{ field: 'after', reason: 'is not a cursor from this connection' }]);
        const day = (d: string) => new Date(`${d}T00:00:00Z`);
        const rows = await ctx.app.prisma.event.findMany({
          where: {
            ...(f.streamId ? { streamId: f.streamId } : {}),
            ...(f.types?.length ? { type: { in: f.types } } : {}),
            position: { gt: BigInt(Math.max(after, (f.fromPosition ?? 1) - 1)), ...(f.toPosition != null ? { lte: BigInt(f.toPosition) } : {}) },
            effectiveOn: { ...(f.effectiveFrom ? { gte: day(f.effectiveFrom) } : {}), ...(f.effectiveTo ? { lte: day(f.effectiveTo) } : {}) },
            recordedAt: { ...(f.recordedFrom ? { gte: f.recordedFrom } : {}), ...(f.recordedTo ? { lte: f.recordedTo } : {}) },
          },
          orderBy: { position: 'asc' },
          take: first + 1,
        });
        const page = rows.slice(0, first);
        const cursor = (e: (typeof rows)[number]) => Buffer.from(String(e.position)).toString('base64url');
        return {
          edges: page.map((node) => ({ node, cursor: cursor(node) })),
          pageInfo: { hasNextPage: rows.length > first, hasPreviousPage: after > 0, startCursor: page[0] ? cursor(page[0]) : null, endCursor: page.at(-1) ? cursor(page.at(-1)!) : null },
        };
      },
    },
    { name: 'EventConnection' },
    { name: 'EventEdge' },
  ),
);

type StreamShape = { id: string; version: number };
const StreamRef = builder.objectRef<StreamShape>('Stream').implement({
  fields: (t) => ({
    id: t.exposeString('id'),
    version: t.exposeInt('version'),
    events: t.prismaField({
      type: ['Event'],
      resolve: (query, s, _a, ctx) => ctx.app.prisma.event.findMany({ ...query, where: { streamId: s.id }, orderBy: { streamVersion: 'asc' } }),
    }),
  }),
});

builder.queryField('stream', (t) =>
  t.field({
    type: StreamRef,
    nullable: true,
    authScopes: { auditor: true },
    args: { id: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const [row] = await ctx.app.db.query<{ version: number }>('SELECT max(stream_version) AS version FROM events WHERE stream_id = $1', [args.id]);
      return row?.version ? { id: args.id, version: row.version } : null;
    },
  }),
);
