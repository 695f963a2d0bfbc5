import type { App } from '../app/app.ts';

export const ROLES = ['PUBLIC', 'ANALYST', 'AUDITOR', 'WRITER', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

export type Context = {
  app: App;
  /** The HTTP request (its id is in http/operations.ts's requestIds). */
  request: Request;
  role: Role;
};
