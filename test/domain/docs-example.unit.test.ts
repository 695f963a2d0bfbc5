import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// docs/client.md shows docs/examples/trend-chart.ts, which `npm run typecheck`
// compiles against cakupan/client: the example in the docs always compiles.
describe('docs/client.md', () => {
  it('shows the example the typecheck compiles, verbatim', () => {
    const doc = readFileSync(new URL('../../docs/client.md', import.meta.url), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBe(readFileSync(new URL('../../docs/examples/trend-chart.ts', import.meta.url), 'utf8'));
  });
});
