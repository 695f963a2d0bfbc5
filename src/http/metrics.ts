import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Sql } from '../db/database.ts';
import { projectionStatus, type ProjectionStatus } from '../projections/runner.ts';

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * The Prometheus metrics of one server (one registry per App, so tests that
 * build many apps in one process keep them apart): requests and latency by
 * operation, errors by code, import counters, process metrics, and gauges
 * read from the database at scrape time (log head, each projection's
 * position and lag).
 */
export function createMetrics(sql: Sql) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const requests = new Counter({
    name: 'cakupan_http_requests_total',
    help: 'HTTP requests by method, GraphQL operation name (or path) and status',
    labelNames: ['method', 'operation', 'status'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'cakupan_http_request_duration_seconds',
    help: 'HTTP request latency by GraphQL operation name (or path)',
    labelNames: ['operation'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const errors = new Counter({ name: 'cakupan_graphql_errors_total', help: 'GraphQL errors by extensions.code', labelNames: ['code'] as const, registers });
  const imported = new Counter({
    name: 'cakupan_import_events_total',
    help: 'Events offered to this process for appending, by outcome (appended, duplicate, rejected)',
    labelNames: ['outcome'] as const,
    registers,
  });
  // The database gauges share one status query per scrape (kept for 250 ms).
  let pending: Promise<ProjectionStatus> | undefined;
  const status = () => {
    if (!pending) {
      pending = projectionStatus(sql);
      setTimeout(() => (pending = undefined), 250).unref();
    }
    return pending;
  };
  new Gauge({
    name: 'cakupan_log_head_position',
    help: 'Position of the last event in the log',
    registers,
    async collect() {
      this.set((await status()).head);
    },
  });
  const perProjection = (name: string, help: string, value: (p: ProjectionStatus['projections'][number], head: number) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['projection'] as const,
      registers,
      async collect() {
        const s = await status();
        for (const p of s.projections) this.set({ projection: p.name }, value(p, s.head));
      },
    });
  perProjection('cakupan_projection_position', 'Last log position a projection has applied', (p) => p.position);
  perProjection('cakupan_projection_lag_events', 'Events in the log a projection has not applied yet', (p, head) => head - p.position);
  perProjection('cakupan_projection_lag_seconds', 'Age of the oldest event a projection has not applied yet (0 when caught up)', (p) => p.lagSeconds);
  const answerCache = new Counter({
    name: 'cakupan_answer_cache_total',
    help: 'Public aggregate queries answered from the answer cache (hit) or computed and stored (miss); entries are dropped when the read models move',
    labelNames: ['outcome'] as const,
    registers,
  });
  const rateLimited = new Counter({ name: 'cakupan_rate_limited_total', help: 'Requests refused with 429 RATE_LIMITED, by client kind (public address, credential)', labelNames: ['kind'] as const, registers });
  return { registry, requests, duration, errors, imported, answerCache, rateLimited };
}
