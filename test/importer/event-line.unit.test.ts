import { describe, expect, it } from 'vitest';
import { isCakupanError } from '../../src/domain/errors.ts';
import { eventLineParser } from '../../src/importer/event-line.ts';
import { testConfig } from '../support/events.ts';

const parse = eventLineParser(testConfig);
const eventId = '7d1c6a10-0000-4000-8000-000000000001';
const issuesOf = (input: unknown) => {
  try {
    parse(input);
  } catch (e) {
    if (isCakupanError(e)) return e.issues;
    throw e;
  }
  return [];
};

describe('import line validation messages', () => {
  it('says "is required" only for a missing field, and what was wrong for a present one', () => {
    expect(issuesOf({ eventId, type: 1, effectiveOn: '2013-01-01', data: {} })).toEqual([{ field: 'type', reason: 'expected string, received number' }]);
    expect(issuesOf({ eventId, effectiveOn: '2013-01-01', data: {} })).toEqual([{ field: 'type', reason: 'is required' }]);
    expect(issuesOf({ eventId, type: 'WorkerLapsed', effectiveOn: '2013-01-01', data: { nik: 3375011203850001, reason: 'NON_PAYMENT' } })).toEqual([
      { field: 'data.nik', reason: 'expected string, received number' },
    ]);
    expect(issuesOf({ eventId, type: 'WorkerLapsed', effectiveOn: '2013-01-01', data: { reason: 'NON_PAYMENT' } })).toEqual([{ field: 'data.nik', reason: 'is required' }]);
  });

  it('wants data as an object', () => {
    expect(issuesOf({ eventId, type: 'WorkerLapsed', effectiveOn: '2013-01-01' })).toEqual([{ field: 'data', reason: 'is required' }]);
    expect(issuesOf({ eventId, type: 'WorkerLapsed', effectiveOn: '2013-01-01', data: [] })).toEqual([{ field: 'data', reason: 'must be an object' }]);
    expect(issuesOf({ eventId, type: 'WorkerLapsed', effectiveOn: '2013-01-01', data: 'x' })).toEqual([{ field: 'data', reason: 'must be an object' }]);
  });

  it('takes dates the database can store and the history can hold', () => {
    const on = (effectiveOn: string) => issuesOf({ eventId, type: 'EmployerDeregistered', effectiveOn, data: { npp: '17081342', reason: 'closed' } });
    expect(on('0000-01-07')).toEqual([{ field: 'effectiveOn', reason: 'must be a real calendar date YYYY-MM-DD from 1900-01-01 to 2199-12-31' }]);
    expect(on('2013-02-29')).toEqual([{ field: 'effectiveOn', reason: 'must be a real calendar date YYYY-MM-DD from 1900-01-01 to 2199-12-31' }]);
    expect(on('1850-06-01')).toEqual([{ field: 'effectiveOn', reason: 'must be a real calendar date YYYY-MM-DD from 1900-01-01 to 2199-12-31' }]);
    expect(on('2200-01-01')).toEqual([{ field: 'effectiveOn', reason: 'must be a real calendar date YYYY-MM-DD from 1900-01-01 to 2199-12-31' }]);
    expect(on('1900-01-01')).toEqual([]);
    expect(on('2199-12-31')).toEqual([]);
  });

  it('refuses free text that PostgreSQL cannot store: a NUL character, a lone surrogate', () => {
    const reason = (text: string) => issuesOf({ eventId, type: 'EmployerDeregistered', effectiveOn: '2013-01-01', data: { npp: '17081342', reason: text } });
    expect(reason('closed\u0000')).toEqual([{ field: 'data.reason', reason: 'must not contain a NUL character (\\u0000)' }]);
    expect(reason('closed \ud800')).toEqual([{ field: 'data.reason', reason: 'must be well-formed Unicode (a lone surrogate such as \\ud800 cannot be stored)' }]);
    expect(reason('tutup \u{1F3ED} pabrik')).toEqual([]);
  });

  it('accepts a valid line and stores no NIK', () => {
    const e = parse({ eventId, type: 'WorkerLapsed', effectiveOn: '2013-01-01', data: { nik: '3375011203850001', reason: 'NON_PAYMENT' } });
    expect(e).toMatchObject({ eventId, type: 'WorkerLapsed', streamId: expect.stringMatching(/^worker-[0-9a-f]{32}$/), regionCode: null });
    expect(e.dataJson).not.toContain('3375011203850001');
    expect(JSON.parse(e.dataJson!)).toEqual(e.data);
  });
});
