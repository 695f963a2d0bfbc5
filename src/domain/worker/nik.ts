import crypto, { createHash, createHmac } from 'node:crypto';
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
  if (!isBirthDate(nik.slice(6, 12))) return 'digits 7-12 are not a real birth date (DDMMYY, day + 40 for women)';
  if (nik.slice(12) === '0000') return 'serial number (last four digits) must not be 0000';
  return undefined;
}

/** DDMMYY, 40 added to the day for women; memoised (real ones are fewer than 40,000). */
function isBirthDate(ddmmyy: string): boolean {
  let ok = birthDates.get(ddmmyy);
  if (ok === undefined) {
    let day = Number(ddmmyy.slice(0, 2));
    const month = Number(ddmmyy.slice(2, 4));
    const yy = Number(ddmmyy.slice(4, 6));
    if (day > 40) day -= 40; // women
    // The century is not encoded: the date must exist in 19YY or 20YY.
    ok = day >= 1 && (isRealDate(1900 + yy, month, day) || isRealDate(2000 + yy, month, day));
    if (birthDates.size < 200_000) birthDates.set(ddmmyy, ok);
  }
  return ok;
}
const birthDates = new Map<string, boolean>();

/** HMAC-SHA256 pseudonym (128 bits, hex) under the server secret: stable, not reversible. */
export function pseudonymise(nik: string, secret: string): string {
  return createHmac('sha256', secret).update(nik).digest('hex').slice(0, 32);
}

/** A worker's stream id: this prefix, then the worker's pseudonym. */
export const WORKER_STREAM_PREFIX = 'worker-';

/**
 * {@link pseudonymise} under one secret, for bulk use: the same HMAC-SHA256
 * (RFC 2104) computed as two one-shot sha256 calls over buffers that already
 * hold the padded key, instead of a new Hmac object per NIK.
 */
export function pseudonymiser(secret: string): (nik: string) => string {
  const sha256 = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string }).hash;
  if (!sha256) return (nik) => pseudonymise(nik, secret);
  const BLOCK = 64;
  let key = Buffer.from(secret, 'utf8');
  if (key.length > BLOCK) key = createHash('sha256').update(key).digest();
  const inner = Buffer.alloc(BLOCK + 256);
  const outer = Buffer.alloc(BLOCK + 32);
  for (let i = 0; i < BLOCK; i++) {
    inner[i] = (key[i] ?? 0) ^ 0x36;
    outer[i] = (key[i] ?? 0) ^ 0x5c;
  }
  // Views of `inner` by length (a validated NIK always has 16 bytes): no Uint8Array per NIK.
  const views: Buffer[] = [];
  return (nik) => {
    // A NIK that passed validation is 16 ASCII digits; anything longer takes the general path.
    if (nik.length > 256 / 3) return pseudonymise(nik, secret);
    const length = inner.write(nik, BLOCK, 'utf8');
    // Hex strings in and out: cheaper than a Buffer per digest.
    outer.write(sha256('sha256', (views[length] ??= inner.subarray(0, BLOCK + length)), 'hex'), BLOCK, 'hex');
    return sha256('sha256', outer, 'hex').slice(0, 32);
  };
}
