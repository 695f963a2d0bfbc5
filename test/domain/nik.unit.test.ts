import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nikProblem, pseudonymise, pseudonymiser } from '../../src/domain/worker/nik.ts';

describe('NIK validation', () => {
  it('accepts a man born 12 March 1985 registered in Kota Pekalongan', () => {
    expect(nikProblem('3375011203850001')).toBeUndefined();
  });
  it('accepts a woman (day + 40) born 25 July 1990', () => {
    expect(nikProblem('3375016507900002')).toBeUndefined();
  });
  it('accepts a pre-2022 Papua regency prefix (Mimika, 9412)', () => {
    expect(nikProblem('9412011203850001')).toBeUndefined();
  });
  it.each([
    ['337501120385001', 'must be exactly 16 digits'],
    ['33750112038500a1', 'must be exactly 16 digits'],
    ['9999011203850001', 'first four digits are not a known regency code'],
    ['3375011213850001', 'not a real birth date'],
    ['3375013102850001', 'not a real birth date'],
    ['3375017202850001', 'not a real birth date'],
    ['3375010000850001', 'not a real birth date'],
    ['3375011203850000', 'must not be 0000'],
  ])('rejects %s (%s)', (value, reason) => {
    expect(nikProblem(value)).toContain(reason);
  });
  it('accepts 29 February only where some century makes it real (2000 is leap)', () => {
    expect(nikProblem('3375012902000001')).toBeUndefined();
    expect(nikProblem('3375012902010001')).toContain('not a real birth date');
  });
});

describe('pseudonymisation', () => {
  it('is stable under one secret and differs under another, never containing the NIK', () => {
    const a = pseudonymise('3375011203850001', 'secret-a-0123456789');
    expect(a).toBe(pseudonymise('3375011203850001', 'secret-a-0123456789'));
    expect(a).not.toBe(pseudonymise('3375011203850001', 'secret-b-0123456789'));
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toContain('3375011203850001');
  });

  it('is the same HMAC-SHA256 through the bulk pseudonymiser, for any secret and any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 150 }), fc.array(fc.string({ unit: 'binary', maxLength: 120 }), { maxLength: 5 }), (secret, niks) => {
        const bulk = pseudonymiser(secret);
        for (const nik of [...niks, '3375011203850001']) expect(bulk(nik)).toBe(pseudonymise(nik, secret));
      }),
      { numRuns: 500 },
    );
  });
});
