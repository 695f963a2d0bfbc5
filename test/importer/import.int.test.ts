import crypto from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/eventstore/verify.ts';
import { importFile } from '../../src/importer/import-file.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testConfig } from '../support/events.ts';

const SAMPLE = path.resolve('test/fixtures/events.sample.ndjson');
const BAD = path.resolve('test/fixtures/bad-events.ndjson');

let db: TestDatabase;
beforeEach(async () => {
  db = await freshDatabase();
});
afterEach(async () => {
  await db.dropDatabase();
});

const snapshot = async () => ({
  events: await db.query('SELECT position, event_id::text, type, stream_id, stream_version, hash FROM events ORDER BY position'),
});

describe('the sample file (test/fixtures)', () => {
  it('imports cleanly, and a second run appends nothing', async () => {
    const first = await importFile(db, testConfig, SAMPLE);
    expect(first).toMatchObject({ lines: 11, appended: 11, duplicates: 0, rejected: 0, headPosition: 11 });
    const before = await snapshot();
    const second = await importFile(db, testConfig, SAMPLE);
    expect(second).toMatchObject({ appended: 0, duplicates: 11, rejected: 0 });
    expect(await snapshot()).toEqual(before);
  });

  it('refreshes the log\'s planner statistics after a large import (ANALYZE), not after a small one', async () => {
    const rows = async (d: TestDatabase) => (await d.query<{ n: number }>(`SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'events'::regclass`))[0].n;
    // (11 rows are below autovacuum's own threshold of 50 changes, where a server runs it)
    await importFile(db, testConfig, SAMPLE, { analyzeAfter: 12 });
    expect(await rows(db)).not.toBe(11);
    const other = await freshDatabase();
    try {
      await importFile(other, testConfig, SAMPLE, { analyzeAfter: 11 });
      expect(await rows(other)).toBe(11);
    } finally {
      await other.dropDatabase();
    }
  });

  it('accepts a byte-order mark at the start of the file, inline and in the parse workers, and gives the same log', async () => {
    const file = path.join(os.tmpdir(), `bom-${process.pid}-${Date.now()}.ndjson`);
    writeFileSync(file, '\ufeff' + readFileSync(SAMPLE, 'utf8'));
    for (const parseWorkers of [0, 1]) {
      const r = await importFile(db, testConfig, file, { parseWorkers });
      expect(r.rejected, JSON.stringify(r.rejects)).toBe(0);
      expect(r.appended + r.duplicates).toBe(r.lines);
    }
    // the same events, data and order (hashes differ: they cover the recording instant)
    const log = () => db.query('SELECT position, event_id::text, type, stream_id, stream_version, effective_on, data FROM events ORDER BY position');
    const withBom = await log();
    await db.dropDatabase();
    db = await freshDatabase();
    await importFile(db, testConfig, SAMPLE);
    expect(await log()).toEqual(withBom);
  });

  it('stores no NIK anywhere in the database', async () => {
    await importFiles();
    const niks = [...readFileSync(SAMPLE, 'utf8').matchAll(/"nik":"(\d{16})"/g)].map((m) => m[1]);
    expect(niks.length).toBeGreaterThan(0);
    const tables = await db.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
    for (const { table_name } of tables) {
      const rows = await db.query<{ t: string }>(`SELECT t::text AS t FROM "${table_name}" t`);
      const text = rows.map((r) => r.t).join('\n');
      for (const n of niks) expect(text, `${table_name} holds a NIK`).not.toContain(n);
    }
  });
});

async function importFiles() {
  await importFile(db, testConfig, SAMPLE);
  await importFile(db, testConfig, BAD);
}

describe('a file with bad lines', () => {
  it('appends the valid lines and reports each bad one with line, field and reason', async () => {
    const rejectsPath = path.join(os.tmpdir(), `rejects-${process.pid}-${Date.now()}.ndjson`);
    const summary = await importFile(db, testConfig, BAD, { rejectsPath });
    expect(summary).toMatchObject({ lines: 13, appended: 3, rejected: 9 });
    expect(summary.rejects.map((r) => [r.line, r.code, r.errors.map((e) => `${e.field}: ${e.reason}`).join('; ')])).toEqual([
      [2, 'VALIDATION', expect.stringMatching(/^\(line\): malformed JSON/)],
      [3, 'VALIDATION', 'type: is not an event type that can be imported (expected one of EmployerRegistered, EmployerDeregistered, EmployerLicensed, WorkerEnrolled, WorkerLapsed, WorkerProgramsChanged, WorkforceEstimated, CoverageTargetSet, EventRetracted)'],
      [4, 'VALIDATION', 'data.nik: NIK digits 7-12 are not a real birth date (DDMMYY, day + 40 for women)'],
      [5, 'VALIDATION', 'effectiveOn: must be a real calendar date YYYY-MM-DD from 1900-01-01 to 2199-12-31'],
      [6, 'DOMAIN_RULE', 'data.programs: JP not available to segment BPU (allowed: JKK, JKM, JHT)'],
      [7, 'DOMAIN_RULE', 'data.nik: worker has no active enrolment to lapse'],
      [8, 'VALIDATION', 'data.regionCode: is not a known regency/city code'],
      [11, 'DOMAIN_RULE', 'data.employerNpp: employer 99999999 is not registered'],
      [13, 'VALIDATION', 'data.name: is not a field of this event type (extra data, such as names, is refused)'],
    ]);
    const written = readFileSync(rejectsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(written.map((r) => r.line).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 11, 13]);
    expect(readFileSync(rejectsPath, 'utf8')).not.toMatch(/\d{16}/); // never echoes a NIK
    const types = await db.query<{ type: string }>('SELECT type FROM events ORDER BY position');
    expect(types.map((t) => t.type)).toEqual(['EmployerRegistered', 'WorkerEnrolled', 'WorkerLapsed']);
  });

  it('refuses a NUL character, which PostgreSQL cannot store, as a bad line rather than failing the batch', async () => {
    const line = (id: string, npp: string, name: string) =>
      JSON.stringify({ eventId: `7d1c6a10-0000-4000-8000-0000000000${id}`, type: 'EmployerRegistered', effectiveOn: '2013-01-07', data: { npp, name, regionCode: '3375', sizeClass: 'KECIL' } });
    const file = path.join(os.tmpdir(), `nul-${process.pid}-${Date.now()}.ndjson`);
    writeFileSync(file, [line('a1', '17081342', 'PT Batik \u0000 Sentosa'), line('a2', '17081343', 'PT Lain')].join('\n'));
    const summary = await importFile(db, testConfig, file);
    expect(summary).toMatchObject({ appended: 1, rejected: 1, rejects: [{ line: 1, errors: [{ field: 'data.name', reason: 'must not contain a NUL character (\\u0000)' }] }] });
  });

  it('stops at a batch the database refuses, keeping the batches before it and writing none after it', async () => {
    await db.exec(`CREATE FUNCTION refuse_test_stream() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.stream_id = 'employer-17081345' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_test_stream BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_test_stream();`);
    const lines = Array.from({ length: 12 }, (_, i) =>
      JSON.stringify({ eventId: `7d1c6a10-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`, type: 'EmployerRegistered', effectiveOn: '2013-01-07', data: { npp: String(17081340 + i), name: `PT ${i}`, regionCode: '3375', sizeClass: 'KECIL' } }),
    );
    const file = path.join(os.tmpdir(), `refused-${process.pid}-${Date.now()}.ndjson`);
    writeFileSync(file, lines.join('\n'));
    // Batches of 2: the third batch (lines 5 and 6, npp 17081344 and 17081345) is refused.
    await expect(importFile(db, testConfig, file, { batchSize: 2 })).rejects.toThrow('refused by the test');
    const rows = await db.query<{ stream_id: string }>('SELECT stream_id FROM events ORDER BY position');
    expect(rows.map((r) => r.stream_id)).toEqual(['employer-17081340', 'employer-17081341', 'employer-17081342', 'employer-17081343']);
  });

  it('changes nothing when re-run', async () => {
    await importFile(db, testConfig, BAD);
    const before = await snapshot();
    const again = await importFile(db, testConfig, BAD);
    expect(again).toMatchObject({ appended: 0, duplicates: 3, rejected: 9 });
    expect(await snapshot()).toEqual(before);
  });
});

describe('a file imported batch by batch', () => {
  const logOf = async () => ({
    events: await db.query('SELECT position, event_id::text, type, stream_id, stream_version, effective_on, region_code, data FROM events ORDER BY position'),
  });

  it('gives the same log, outcomes and an intact chain as one batch', async () => {
    // the bad file after the sample: enrolments after their employer, lapses after their enrolment, a retraction, rejects
    const whole = { sample: await importFile(db, testConfig, SAMPLE), bad: await importFile(db, testConfig, BAD) };
    const expected = await logOf();
    await db.dropDatabase();
    db = await freshDatabase();
    for (const batchSize of [1, 2]) {
      const parts = { sample: await importFile(db, testConfig, SAMPLE, { batchSize }), bad: await importFile(db, testConfig, BAD, { batchSize }) };
      expect(parts.sample.rejects).toEqual(whole.sample.rejects);
      expect(parts.bad.rejects).toEqual(whole.bad.rejects);
      expect(await logOf()).toEqual(expected);
      expect((await verifyChain(db)).ok).toBe(true);
      await db.dropDatabase();
      db = await freshDatabase();
    }
  });
});

describe('parsing in worker threads', () => {
  const logOf = async () =>
    db.query('SELECT position, event_id::text, type, stream_id, stream_version, effective_on, region_code, data FROM events ORDER BY position');

  it('gives the same log, rejects and line numbers as parsing inline, for CRLF, blank lines and lines cut across reads', async () => {
    // The sample, then the bad file, with CRLF line ends, blank lines between and no newline at the end.
    // Then free text that is not plain ASCII (a multi-byte character, a quote, a backslash) before and between plain lines:
    // those events take the string path, the plain ones after them the encoded bytes (see encodeResult).
    const employer = (n: number, name: string) =>
      JSON.stringify({ eventId: `0b8f3a52-1c1e-4c43-9a52-10000000000${n}`, type: 'EmployerRegistered', effectiveOn: '2014-01-02', data: { npp: `2708134${n}`, name, regionCode: '3171', sizeClass: 'MIKRO' } });
    const lines = [
      ...readFileSync(SAMPLE, 'utf8').trim().split('\n'),
      '',
      ...readFileSync(BAD, 'utf8').trim().split('\n'),
      '  ',
      employer(1, 'Koperasi Nelayan Tanjung Priok \u00e9\u20ac\u{1F41F}'),
      employer(2, 'PT Plain ASCII'),
      employer(3, 'CV "Sinar" \\ Abadi'),
      employer(4, 'PT Also Plain'),
    ];
    const file = path.join(os.tmpdir(), `mixed-${process.pid}-${Date.now()}.ndjson`);
    writeFileSync(file, lines.join('\r\n'));
    const inline = await importFile(db, testConfig, file, { parseWorkers: 0 });
    const expected = await logOf();
    expect(inline).toMatchObject({ lines: 30, appended: 15, rejected: 12 });
    // The bad file's lines 2 and 13 (malformed JSON, a name), after 11 sample lines and a blank one.
    const reasons = new Map(inline.rejects.map((r) => [r.line, r.errors[0].reason]));
    expect(reasons.get(14)).toMatch(/^malformed JSON/);
    expect(reasons.get(25)).toMatch(/^is not a field of this event type/);
    await db.dropDatabase();
    db = await freshDatabase();
    // Every block through the workers.
    const parallel = await importFile(db, testConfig, file, { parseWorkers: 2, blockBytes: 97, batchSize: 4, parseWhileWorkersStart: false });
    expect(parallel).toEqual(inline);
    expect(await logOf()).toEqual(expected);
    expect(await verifyChain(db)).toMatchObject({ ok: true, checkedEvents: 15 });
    // The first blocks on the main thread while the workers start, the rest through them.
    await db.dropDatabase();
    db = await freshDatabase();
    const mixed = await importFile(db, testConfig, file, { parseWorkers: 1, blockBytes: 97, batchSize: 4 });
    expect(mixed).toEqual(inline);
    expect(await logOf()).toEqual(expected);
    expect(await verifyChain(db)).toMatchObject({ ok: true, checkedEvents: 15 });
    // Whole blocks through a worker: plain lines after multi-byte ones in the same block.
    await db.dropDatabase();
    db = await freshDatabase();
    const blocks = await importFile(db, testConfig, file, { parseWorkers: 1, parseWhileWorkersStart: false });
    expect(blocks).toEqual(inline);
    expect(await logOf()).toEqual(expected);
    expect(await verifyChain(db)).toMatchObject({ ok: true, checkedEvents: 15 });
  });
});

describe('input edges', () => {
  const employerLine = (n: number, name = `PT ${n}`) =>
    JSON.stringify({ eventId: `5e0c7f3a-2b1d-4c43-9a52-1000000000${String(n).padStart(2, '0')}`, type: 'EmployerRegistered', effectiveOn: '2014-01-02', data: { npp: `270813${String(n).padStart(2, '0')}`, name, regionCode: '3171', sizeClass: 'MIKRO' } });
  const tmp = (name: string) => path.join(os.tmpdir(), `${name}-${process.pid}-${Date.now()}.ndjson`);

  it('refuses each line that is not UTF-8, naming the byte offset and never the bytes, inline and in the parse workers', async () => {
    const [before, after] = employerLine(2, 'PT \u00e9X').split('\u00e9');
    const bad = (bytes: number[]) => Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]);
    const offset = Buffer.byteLength(before);
    const file = tmp('utf8');
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from(employerLine(1, 'PT \u00e9\u20ac\u{1F41F}') + '\n'), // well-formed 2-, 3- and 4-byte characters
        bad([0xff]), Buffer.from('\n'), // a byte UTF-8 never uses
        bad([0xc0, 0xaf]), Buffer.from('\n'), // an overlong "/"
        bad([0xed, 0xa0, 0x80]), Buffer.from('\n'), // a UTF-16 surrogate
        bad([0xe2, 0x82]), Buffer.from('\n'), // a character cut short
        Buffer.from(employerLine(3)),
      ]),
    );
    for (const parseWorkers of [0, 1]) {
      const r = await importFile(db, testConfig, file, { parseWorkers });
      expect(r).toMatchObject({ lines: 6, rejected: 4 });
      expect(r.appended + r.duplicates).toBe(2);
      expect(r.rejects.map((x) => [x.line, x.code, x.errors[0].field, x.errors[0].reason])).toEqual(
        [2, 3, 4, 5].map((line) => [line, 'VALIDATION', '(line)', `is not valid UTF-8: the byte at offset ${offset} of the line is not part of a UTF-8 character`]),
      );
    }
    // nothing stored with a replacement character
    expect(await db.query("SELECT 1 FROM events WHERE data::text LIKE '%\uFFFD%'")).toEqual([]);
  });

  it('refuses a line longer than the bound, in one read or across many, and keeps the lines around it with their numbers', async () => {
    const long = employerLine(2, 'PT ' + 'x'.repeat(5000));
    const file = tmp('long');
    writeFileSync(file, [employerLine(1), long, employerLine(3), long, employerLine(4)].join('\n'));
    for (const blockBytes of [64 * 1024, 700]) {
      const r = await importFile(db, testConfig, file, { maxLineBytes: 2048, blockBytes, parseWorkers: 0 });
      expect(r).toMatchObject({ lines: 5, rejected: 2 });
      expect(r.appended + r.duplicates).toBe(3);
      expect(r.rejects.map((x) => [x.line, x.errors[0].reason])).toEqual([2, 4].map((line) => [line, expect.stringMatching(/^is longer than 2048 bytes/)]));
    }
    // within the bound, the same line is an ordinary one (refused by the name's own length rule)
    const r = await importFile(db, testConfig, file, { maxLineBytes: 8192, parseWorkers: 0 });
    expect(r.rejects.map((x) => [x.line, x.errors[0].field])).toEqual([[2, 'data.name'], [4, 'data.name']]);
  });

  it('never repeats input in a reject: no part of a NIK, no control character, no unknown key or type, no invalid id', async () => {
    const secret = '3375011203850001';
    const file = tmp('quoted');
    writeFileSync(
      file,
      [
        `{"eventId":"x","data":{"nik":"${secret}"}\u0007\u001b[31m garbage`,
        `\u0001{"nik":"${secret}"}`,
        JSON.stringify({ eventId: secret, type: 'WorkerEnrolled', effectiveOn: '2013-01-01', data: {} }),
        JSON.stringify({ eventId: randomUuid(), type: `Worker${secret}`, effectiveOn: '2013-01-01', data: {} }),
        JSON.stringify({ eventId: randomUuid(), type: 'WorkerLapsed', effectiveOn: '2013-01-01', data: { nik: secret, reason: 'NON_PAYMENT', [`note ${secret}`]: 1, ['\u001b[2J']: 2 } }),
        JSON.stringify({ eventId: randomUuid(), type: 'WorkerLapsed', effectiveOn: `2013-01-01${secret}`, data: { nik: secret, reason: `R${secret}` } }),
      ].join('\n'),
    );
    const rejectsPath = tmp('quoted.rejects');
    const r = await importFile(db, testConfig, file, { rejectsPath });
    expect(r.rejected).toBe(6);
    const written = readFileSync(rejectsPath, 'utf8');
    for (const text of [written.replaceAll('\n', ' '), JSON.stringify(r.rejects)]) {
      expect(text).not.toContain(secret.slice(4, 12));
      expect(text).not.toMatch(/[\u0000-\u001f\u007f]|\\u00[01]/);
    }
    expect(r.rejects[0].errors[0].reason).toMatch(/^malformed JSON: /);
    expect(r.rejects[2].eventId).toBeUndefined();
    expect(r.rejects[3].type).toBeUndefined();
    expect(r.rejects[4].errors.map((e) => e.field)).toContain('data.(an unexpected key)');
  });
});

const randomUuid = () => crypto.randomUUID();
