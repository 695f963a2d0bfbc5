import { GraphQLError } from 'graphql';
import { Repeater } from 'graphql-yoga';
import { setTimeout as sleep } from 'node:timers/promises';
import { estimatePoints, type CoverageQuery, type CoverageSeries } from '../../analytics/coverage-series.ts';
import { seriesFor } from '../../analytics/disclosure.ts';
import { minCellFor } from '../context.ts';
import type { App } from '../../app/app.ts';
import type { LogAdvanced } from '../../app/log-watch.ts';
import { isCakupanError } from '../../domain/errors.ts';
import { builder } from '../builder.ts';
import { CoverageSeriesRef, coverageSeriesArgs } from './coverage.ts';

/** A live series is sent again at most this often, however fast the log moves. */
export const LIVE_INTERVAL_MS = 1000;

const LogAdvancedRef = builder.objectRef<LogAdvanced>('LogAdvanced').implement({
  description: 'The read models moved: every answer now reflects the log up to `position`.',
  fields: (t) => ({
    position: t.exposeInt('position', { description: 'The log position the read models now stand at' }),
    recordedAt: t.field({ type: 'DateTime', nullable: true, description: 'When the event at `position` was recorded', resolve: (a) => a.recordedAt }),
  }),
});

builder.subscriptionType({
  description: 'Live updates over Server-Sent Events (POST or GET /graphql with `Accept: text/event-stream`; graphql-sse clients in distinct-connections mode work).',
});

builder.subscriptionField('logAdvanced', (t) =>
  t.field({
    type: LogAdvancedRef,
    description:
      'Sent each time the read models move past a position, whoever appended (this server, another one, `cakupan import`). Public. Advances a slow client has not read yet collapse into the newest.',
    subscribe: (_root, _args, ctx) => ctx.app.watch.subscribe(),
    resolve: (a) => a,
  }),
);

builder.subscriptionField('coverageSeries', (t) =>
  t.field({
    type: CoverageSeriesRef,
    description: `The \`coverageSeries\` query, live: its answer now, then again each time the log moves past the answer's \`position\` (at most once every ${LIVE_INTERVAL_MS / 1000} s).`,
    args: coverageSeriesArgs,
    complexity: (args) => Math.max(20, estimatePoints(args)),
    // the first answer is computed before the stream starts, so bad arguments are a plain GraphQL error
    subscribe: async (_root, args, ctx) => {
      const advances = ctx.app.watch.subscribe();
      try {
        const minCell = minCellFor(ctx);
        return liveSeries(ctx.app, args, minCell, advances, await seriesFor(ctx.app.db, args, { cube: ctx.app.cube, minCell }));
      } catch (e) {
        await advances.return?.();
        // as a plain GraphQLError: yoga answers a subscription that fails to start with HTTP 500 when its error wraps another
        throw isCakupanError(e) ? new GraphQLError(e.message, { extensions: e.extensions }) : e;
      }
    },
    resolve: (s) => s,
  }),
);

/**
 * The first answer, then a new one whenever the read models pass the last
 * answer's position, at most once per LIVE_INTERVAL_MS (advances during the
 * wait collapse into one answer). Ends when the client goes (the stream's
 * return) or the server drains (the watch closes).
 */
function liveSeries(app: App, q: CoverageQuery, minCell: number, advances: AsyncIterableIterator<LogAdvanced>, first: CoverageSeries): AsyncIterableIterator<CoverageSeries> {
  return new Repeater<CoverageSeries>(async (push, stop) => {
    void stop.then(() => advances.return?.());
    let answer = first;
    await push(answer);
    let sent = performance.now();
    for await (const a of advances) {
      if (a.position <= answer.position) continue;
      const wait = sent + LIVE_INTERVAL_MS - performance.now();
      if (wait > 0) await sleep(wait);
      const next = await seriesFor(app.db, q, { cube: app.cube, minCell });
      if (next.position <= answer.position) continue;
      answer = next;
      sent = performance.now();
      await push(answer);
    }
    stop();
  });
}
