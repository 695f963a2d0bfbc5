import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('schema/schema.graphql', () => {
  it('is the schema the code builds (run `npm run schema:print` after changing it)', () => {
    // printed by the real module graph in its own process, as `npm run schema:print` does
    const printed = execFileSync('node_modules/.bin/tsx', ['src/graphql/print-schema.ts', '--stdout'], { encoding: 'utf8' });
    expect(printed.length).toBeGreaterThan(1000);
    expect(readFileSync('schema/schema.graphql', 'utf8')).toBe(printed);
  });
});

describe('src/client/generated (codegen.ts)', () => {
  it('is up to date with the schema, src/client/operations and test/operations (run `npm run codegen`)', () => {
    const r = spawnSync('node_modules/.bin/graphql-codegen', ['--config', 'codegen.ts', '--check'], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});
