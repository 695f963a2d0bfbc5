import type { App } from '../../src/app/app.ts';
import { createYogaServer } from '../../src/graphql/yoga.ts';

/** POSTs one operation to the in-process server (yoga.fetch), with an optional API key. */
export async function gqlRequest(app: App, query: string, variables: Record<string, unknown> = {}, key?: string) {
  const res = await createYogaServer(app).fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return res.json();
}
