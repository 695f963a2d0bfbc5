import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/domain/errors.ts';
import { createPgDatabase } from '../support/database.ts';
import { writeEnrolmentFile } from '../support/events.ts';
import { startServer, type RunningServer } from '../support/server.ts';

// The fuzz suite (issue 15): random GraphQL documents built from the printed
// schema, with wrong types, huge strings, invalid dates and injection strings
// in every argument, sent to a real server on PostgreSQL by callers without a
// key, with a WRITER key and with an ADMIN key; then random import lines
// through the real CLI. No answer may be a 500 or an INTERNAL error, every
// refusal carries a code from the table, the server stays up within bounded
// memory, and the log stays whole (its hash chain verifies). Seeded: a
// failure prints the seed that replays it.

const BIN = path.resolve('bin/cakupan.js');
const SEED = Number(process.env.CAKUPAN_FUZZ_SEED ?? 20261202);
const RUNS = Number(process.env.CAKUPAN_FUZZ_RUNS ?? 400);
const schema = buildSchema(readFileSync(path.resolve('schema/schema.graphql'), 'utf8'));
const work = mkdtempSync(path.join(os.tmpdir(), 'cakupan-fuzz-'));
let env: NodeJS.ProcessEnv;
let server: RunningServer;
let drop: () => Promise<void>;
const keys: Record<string, string> = {};

const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 180_000 });

beforeAll(async () => {
  const pg = await createPgDatabase();
  drop = pg.drop;
  env = { ...process.env, DATABASE_URL: pg.url, CAKUPAN_PSEUDONYM_SECRET: 'fuzz-secret-0123456789', CAKUPAN_LOG_LEVEL: 'error', CAKUPAN_RATE_LIMIT_PUBLIC: '0', CAKUPAN_RATE_LIMIT_KEY: '0' };
  delete env.CAKUPAN_DATA_DIR;
  expect(cli('import', writeEnrolmentFile(path.join(work, 'base.ndjson'), 1, 200, '3375', '2014-03-01')).status).toBe(0);
  for (const role of ['WRITER', 'ADMIN']) keys[role] = /\n(ck_\S+)\n$/.exec(cli('keys', 'create', '--role', role, '--name', 'fuzz').stdout)![1];
  server = await startServer([], env);
});
afterAll(async () => {
  await server?.stop();
  await drop?.();
  rmSync(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------- GraphQL

const NASTY = [
  "'; DROP TABLE events; --",
  '" OR 1=1 --',
  '{{7*7}}${7*7}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '\u0000\u0007\u001b[2J',
  '\ud800',
  '𝕮𝖆𝖐𝖚𝖕𝖆𝖓 🐟',
  '%00%27',
  'x'.repeat(100_000),
  '',
  '3375011203850001',
];
const DATES = ['2023-10-31', '2013-01-01', '0000-01-01', '0001-01-01', '9999-12-31', '2023-02-30', '2023-13-01', '20231031', '-2023-01-01', '1899-12-31', '2200-01-01'];
const DATETIMES = ['2023-10-31T00:00:00Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2023-10-31T25:00:00Z', 'yesterday', '1e309'];

const anyScalar = fc.oneof(fc.constantFrom(...NASTY), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom(...DATES));

/** A value for an input type: right-typed most of the time, wrong, huge or hostile otherwise. */
function inputValue(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return fc.oneof({ weight: 9, arbitrary: inputValue(type.ofType, depth) }, { weight: 1, arbitrary: fc.constant(null) });
  if (isListType(type)) {
    return fc.oneof(
      { weight: 8, arbitrary: fc.array(inputValue(type.ofType, depth + 1), { maxLength: 4 }) },
      { weight: 1, arbitrary: fc.constantFrom('33', 7, null, 'MONTH').map((v) => Array(5000).fill(v)) },
      { weight: 1, arbitrary: anyScalar },
    );
  }
  if (isEnumType(type)) return fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...type.getValues().map((v) => v.name)) }, { weight: 1, arbitrary: anyScalar });
  if (isInputObjectType(type)) {
    if (depth > 3) return fc.constant({});
    const fields = Object.values(type.getFields());
    return fc.oneof(
      { weight: 9, arbitrary: fc.record(Object.fromEntries(fields.map((f) => [f.name, inputValue(f.type, depth + 1)])), { requiredKeys: [] }) },
      { weight: 1, arbitrary: anyScalar },
    );
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        return fc.oneof(fc.integer({ min: -5, max: 200 }), fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 1e21), anyScalar);
      case 'Float':
        return fc.oneof(fc.double(), anyScalar);
      case 'Boolean':
        return fc.oneof(fc.boolean(), anyScalar);
      case 'Date':
        return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...DATES) }, { weight: 1, arbitrary: anyScalar });
      case 'DateTime':
        return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...DATETIMES) }, { weight: 1, arbitrary: anyScalar });
      case 'JSON':
        return fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.constant(deep(800)), fc.constant(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]))));
      default: // String, ID: codes, ids, cursors and hostile text
        return fc.oneof(fc.constantFrom(...NASTY), fc.constantFrom('33', '3375', '11', 'MONTH', '00000000-0000-4000-8000-000000000000', 'MTA', 'bm90LWEtY3Vyc29y'), fc.string({ maxLength: 40 }), anyScalar);
    }
  }
  return anyScalar;
}
const deep = (n: number) => JSON.parse('['.repeat(n) + ']'.repeat(n));

/** A selection of a few fields of an output type, two levels deep. */
function selection(type: GraphQLOutputType, depth = 0): string {
  const named = getNamedType(type);
  if (isScalarType(named) || isEnumType(named)) return '';
  if (isUnionType(named) || isInterfaceType(named) || depth > 2) return '{ __typename }';
  if (!isObjectType(named)) return '';
  const fields = Object.values(named.getFields()).filter((f) => f.args.every((a) => !isNonNullType(a.type))).slice(0, 6);
  return `{ __typename ${fields.map((f) => `${f.name} ${selection(f.type, depth + 1)}`).join(' ')} }`;
}

type Operation = { query: string; variables: Record<string, unknown>; key?: string };

/** One root field of a random operation kind, every argument passed as a variable of its declared type. */
const operation: fc.Arbitrary<Operation> = fc
  .record({
    kind: fc.constantFrom('query', 'query', 'query', 'mutation'),
    pick: fc.nat(),
    key: fc.constantFrom(undefined, 'WRITER', 'ADMIN'),
    wrongType: fc.boolean(),
  })
  .chain(({ kind, pick, key, wrongType }) => {
    const root = kind === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
    const fields = Object.values(root.getFields()) as GraphQLField<unknown, unknown>[];
    const field = fields[pick % fields.length];
    const values = fc.record(Object.fromEntries(field.args.map((a: GraphQLArgument) => [a.name, inputValue(a.type)])), { requiredKeys: [] });
    return values.map((variables) => {
      const decl = field.args.map((a) => `$${a.name}: ${wrongType && Math.random() < 0.2 ? 'String' : String(a.type)}`).join(', ');
      const args = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
      const query = `${kind} Fuzz${decl ? `(${decl})` : ''} { ${field.name}${args ? `(${args})` : ''} ${selection(field.type)} }`;
      return { query, variables, key: key && keys[key] };
    });
  });

async function send(op: Operation) {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(op.key ? { authorization: `Bearer ${op.key}` } : {}) },
    body: JSON.stringify({ query: op.query, variables: op.variables }),
  });
  const text = await res.text();
  return { status: res.status, text };
}

function serverRssMb(): number {
  const status = readFileSync(`/proc/${server.process.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

describe('fuzzing the GraphQL API (a real server on PostgreSQL)', () => {
  it(`answers ${RUNS} random documents without a 500 or an INTERNAL error, every refusal typed, in bounded memory`, async () => {
    const codes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(operation, async (op) => {
        const r = await send(op);
        expect(r.status, `${op.query}\n${r.text.slice(0, 500)}`).not.toBeGreaterThanOrEqual(500);
        const body = JSON.parse(r.text) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
        expect(body.data !== undefined || body.errors !== undefined).toBe(true);
        for (const e of body.errors ?? []) {
          const code = e.extensions?.code ?? '(none)';
          codes.set(code, (codes.get(code) ?? 0) + 1);
          expect(Object.keys(ERROR_CODES), `${op.query}\n${r.text.slice(0, 500)}`).toContain(code);
          expect(code, `${op.query}\n${r.text.slice(0, 500)}`).not.toBe('INTERNAL');
        }
      }),
      {
        seed: SEED,
        numRuns: RUNS,
        endOnFailure: true,
        // a counterexample may hold 100 KB strings: report it cut short, with the seed that replays it
        reporter: (out) => {
          if (out.failed) throw new Error(`fuzz failed (CAKUPAN_FUZZ_SEED=${out.seed}, run ${out.numRuns}): ${String(out.errorInstance).slice(0, 4000)}`);
        },
      },
    );
    // the server is up, answers, and has not grown without bound
    expect((await send({ query: '{ __typename }', variables: {} })).status).toBe(200);
    expect(serverRssMb()).toBeLessThan(1024);
    // the inputs did reach the checks: refusals of several kinds
    expect([...codes.keys()]).toEqual(expect.arrayContaining(['VALIDATION', 'FORBIDDEN']));
  });

  it('leaves the log whole: the hash chain verifies', () => {
    const v = cli('verify');
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^hash chain intact/);
  });
});

// ---------------------------------------------------------------- import lines

const validLine = (i: number) =>
  JSON.stringify({ eventId: `9f0c7f3a-2b1d-4c43-9a52-${String(100000000000 + i)}`, type: 'WorkerEnrolled', effectiveOn: '2015-01-01', data: { nik: `3374011203${String(850000 + i).slice(-6)}`.slice(0, 16), segment: 'BPU', programs: ['JKK', 'JKM'], regionCode: '3374', sponsor: 'SELF' } });

/** A random import line, as bytes: garbage, broken encodings, huge or deep JSON, or a valid line with one field replaced. */
const importLine: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b.filter((x) => x !== 10))),
  fc.constantFrom(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), Buffer.from('{"eventId":"\u00e9'.replace('\u00e9', '') + '\xc3'), Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')])),
  fc.constant(0).map(() => Buffer.from(`{"eventId":"${'x'.repeat(5 * 1024 * 1024)}"}`)),
  fc.integer({ min: 100, max: 20_000 }).map((n) => Buffer.from('['.repeat(n) + ']'.repeat(n))),
  fc.integer({ min: 100, max: 20_000 }).map((n) => Buffer.from(JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, i]))))),
  fc.record({ i: fc.nat({ max: 99_999 }), field: fc.constantFrom('eventId', 'type', 'effectiveOn', 'data', 'nik', 'programs', 'regionCode'), value: anyScalar }).map(({ i, field, value }) => {
    const line = JSON.parse(validLine(i));
    if (field in line) line[field] = value;
    else line.data[field] = value;
    return Buffer.from(JSON.stringify(line));
  }),
  fc.nat({ max: 99_999 }).map((i) => Buffer.from(validLine(i))),
);

describe('fuzzing the import (the real CLI on PostgreSQL)', () => {
  it('reports every random line as appended, a duplicate or a typed reject with its number, and keeps the log whole', () => {
    const lines = fc.sample(importLine, { seed: SEED, numRuns: 300 });
    const file = path.join(work, 'fuzz.ndjson');
    writeFileSync(file, Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
    const rejects = path.join(work, 'fuzz.rejects.ndjson');
    const r = cli('import', file, '--rejects', rejects, '--batch-size', '50');
    expect([0, 1], r.stderr).toContain(r.status);
    const [, total, appended, duplicates, rejected] = /^(\d+) lines: (\d+) appended, (\d+) already in the log, (\d+) rejected/.exec(r.stdout)!.map(Number);
    const blank = lines.filter((l) => !l.toString('utf8').trim()).length;
    expect(total).toBe(lines.length);
    expect(appended + duplicates + rejected).toBe(total - blank);
    const written = readFileSync(rejects, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { line: number; code: string; errors: { field: string; reason: string }[] });
    expect(written).toHaveLength(rejected);
    for (const x of written) {
      expect(Object.keys(ERROR_CODES)).toContain(x.code);
      expect(x.line).toBeGreaterThanOrEqual(1);
      expect(x.line).toBeLessThanOrEqual(total);
      expect(JSON.stringify(x).length).toBeLessThan(4096);
    }
    expect(cli('verify').status).toBe(0);
  });

  it('random bytes alone are refused line by line, never crash the import', () => {
    const file = path.join(work, 'bytes.ndjson');
    writeFileSync(file, randomBytes(256 * 1024));
    const r = cli('import', file, '--rejects', path.join(work, 'bytes.rejects.ndjson'));
    expect([0, 1], r.stderr).toContain(r.status);
    expect(r.stdout).toMatch(/^\d+ lines: 0 appended, 0 already in the log, \d+ rejected/);
  });
});
