import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ErrorCode } from '../../src/domain/errors.ts';

describe('the error-code table', () => {
  it('is the one the README shows, code by code', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('### Error codes'));
    const rows = [...section.matchAll(/^\| `([A-Z_]+)` \| (\d+) \| (.+) \|$/gm)].map(([, code, status, action]) => ({ code, status: Number(status), action }));
    expect(rows).toEqual(Object.entries(ERROR_CODES).map(([code, e]) => ({ code, status: e.status, action: e.clientAction })));
    expect(Object.keys(ERROR_CODES)).toEqual(Object.values(ErrorCode));
  });
});
