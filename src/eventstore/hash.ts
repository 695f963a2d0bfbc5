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

/**
 * Canonical bytes of an event: a JSON array of the envelope fields in a fixed
 * order, then `data` and `metadata` in RFC 8785 canonical JSON (sorted keys,
 * ECMAScript number form), so the bytes do not depend on how jsonb stored them.
 */
export function canonicalBytes(e: HashedFields): string {
  return (
    JSON.stringify([e.position, e.streamId, e.streamVersion, e.eventId, e.type, e.schemaVersion, e.effectiveOn, e.recordedAt.toISOString(), e.regionCode]).slice(0, -1) +
    ',' + canonicalize(e.data) + ',' + canonicalize(e.metadata) + ']'
  );
}

/** hash = sha256(previous hash ‖ canonical bytes of this event). */
export function chainHash(previous: Uint8Array, e: HashedFields): Buffer {
  return createHash('sha256').update(previous).update(canonicalBytes(e), 'utf8').digest();
}
