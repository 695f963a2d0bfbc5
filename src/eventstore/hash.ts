import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** The chain starts from 32 zero bytes. */
export const GENESIS_HASH = Buffer.alloc(32);

export type HashedFields = {
  position: number;
  streamId: string;
  streamVersion: number;
  eventId: string;
  type: string;
  schemaVersion: number;
  effectiveOn: string;
  recordedAt: Date;
  regionCode: string | null;
  data: unknown;
  metadata: unknown;
};

/** Canonical bytes of an event: RFC 8785 JSON (sorted keys, fixed number form). */
export function canonicalBytes(e: HashedFields): Buffer {
  const doc = { ...e, recordedAt: e.recordedAt.toISOString() };
  return Buffer.from(canonicalize(doc)!, 'utf8');
}

/** hash = sha256(previous hash ‖ canonical bytes of this event). */
export function chainHash(previous: Uint8Array, e: HashedFields): Buffer {
  return createHash('sha256').update(previous).update(canonicalBytes(e)).digest();
}
