import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../../src/config/config.ts';
import type { AppendInput } from '../../src/eventstore/append.ts';
import { eventLineParser } from '../../src/importer/event-line.ts';

// Disclosure control is off here (K = 1): these histories hold a handful of
// workers, and the tests built on them check raw arithmetic through the public
// API. Disclosure control has its own tests, with K = 10
// (test/analytics/disclosure.int.test.ts, test/e2e/dashboard.e2e.test.ts).
export const testConfig = loadConfig({ CAKUPAN_PSEUDONYM_SECRET: 'test-secret-0123456789', CAKUPAN_DATA_DIR: '/nonexistent', CAKUPAN_MIN_CELL: '1' });
const parse = eventLineParser(testConfig);

/** One import line turned into a proposed event, as the importer would. */
export function ev(type: string, effectiveOn: string, data: Record<string, unknown>, extra: Partial<AppendInput> = {}): AppendInput {
  return { ...parse({ eventId: randomUUID(), type, effectiveOn, data }), ...extra } as AppendInput;
}

export const employer = (npp: string, on = '2013-01-02', regionCode = '3375') =>
  ev('EmployerRegistered', on, { npp, name: `PT ${npp}`, regionCode, sizeClass: 'KECIL' });
export const enrolBpu = (nik: string, on: string, regionCode = '3375', extra: Record<string, unknown> = {}) =>
  ev('WorkerEnrolled', on, { nik, segment: 'BPU', programs: ['JKK', 'JKM'], regionCode, sponsor: 'SELF', ...extra });
export const enrolPu = (nik: string, npp: string, on: string, regionCode = '3375') =>
  ev('WorkerEnrolled', on, { nik, segment: 'PU', programs: ['JKK', 'JKM', 'JHT', 'JP'], regionCode, sponsor: 'EMPLOYER', employerNpp: npp });
export const lapse = (nik: string, on: string) => ev('WorkerLapsed', on, { nik, reason: 'NON_PAYMENT' });

/** A valid NIK for the n-th test worker (regency 3375, born 12-03-1985). */
export const nik = (n: number, regency = '3375') => `${regency}011203 85${String(n).padStart(4, '0')}`.replace(' ', '');

/**
 * An import file (NDJSON, the CLI's format) of `n` self-paid BPU enrolments of
 * workers first … first+n-1 in one regency, effective on one day; returns its path.
 */
export function writeEnrolmentFile(file: string, first: number, n: number, regency: string, on: string): string {
  const line = (i: number) =>
    JSON.stringify({ eventId: randomUUID(), type: 'WorkerEnrolled', effectiveOn: on, data: { nik: nik(first + i, regency), segment: 'BPU', programs: ['JKK', 'JKM'], regionCode: regency, sponsor: 'SELF' } });
  writeFileSync(file, Array.from({ length: n }, (_, i) => line(i)).join('\n') + '\n');
  return file;
}
