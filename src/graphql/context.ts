import type { App } from '../app/app.ts';

export const ROLES = ['PUBLIC', 'ANALYST', 'AUDITOR', 'WRITER', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

export type Context = {
  app: App;
  /** The HTTP request (its id is in http/operations.ts's requestIds). */
  request: Request;
  role: Role;
};

/** The disclosure threshold K a request's answers get: the configured one for PUBLIC callers, none (1) for any key. */
export const minCellFor = (ctx: Pick<Context, 'app' | 'role'>): number => (ctx.role === 'PUBLIC' ? ctx.app.config.minCell : 1);
