import { createHmac } from 'node:crypto';
import { isRealDate } from '../reference/calendar.ts';
import { isKnownNikRegion } from '../regions/regions.ts';

/**
 * Checks a NIK (Nomor Induk Kependudukan): 16 digits, PPKKCC region of first
 * registration (the regency part must be a known current or pre-split code),
 * DDMMYY birth date with 40 added to the day for women, serial not 0000.
 * Returns the reason it is invalid, or undefined. Never echoes the NIK itself.
 */
export function nikProblem(nik: string): string | undefined {
  if (!/^\d{16}$/.test(nik)) return 'must be exactly 16 digits';
  if (!isKnownNikRegion(nik.slice(0, 4))) return 'first four digits are not a known regency code';
  let day = Number(nik.slice(6, 8));
  const month = Number(nik.slice(8, 10));
  const yy = Number(nik.slice(10, 12));
  if (day > 40) day -= 40; // women
  // The century is not encoded: the date must exist in 19YY or 20YY.
  if (day < 1 || !(isRealDate(1900 + yy, month, day) || isRealDate(2000 + yy, month, day))) return 'digits 7-12 are not a real birth date (DDMMYY, day + 40 for women)';
  if (nik.slice(12) === '0000') return 'serial number (last four digits) must not be 0000';
  return undefined;
}

/** HMAC-SHA256 pseudonym (128 bits, hex) under the server secret: stable, not reversible. */
export function pseudonymise(nik: string, secret: string): string {
  return createHmac('sha256', secret).update(nik).digest('hex').slice(0, 32);
}
