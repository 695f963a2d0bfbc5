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
  return canonicalBytesOf(e, canonicalJson(e.data), canonicalJson(e.metadata));
}

/** {@link canonicalBytes} with `data` and `metadata` already in canonical JSON (the append path stores those same strings). */
export function canonicalBytesOf(e: Omit<HashedFields, 'data' | 'metadata'>, dataJson: string, metadataJson: string): string {
  return (
    JSON.stringify([e.position, e.streamId, e.streamVersion, e.eventId, e.type, e.schemaVersion, e.effectiveOn, e.recordedAt.toISOString(), e.regionCode]).slice(0, -1) +
    ',' + dataJson + ',' + metadataJson + ']'
  );
}

/** RFC 8785 canonical JSON of a value. */
export function canonicalJson(value: unknown): string {
  const json = canonicalize(value);
  if (json === undefined) throw new TypeError('value has no JSON form');
  return json;
}

/** hash = sha256(previous hash ‖ canonical bytes of this event). */
export function chainHash(previous: Uint8Array, e: HashedFields): Buffer {
  return sha256Chain(previous, canonicalBytes(e));
}

export function sha256Chain(previous: Uint8Array, canonical: string): Buffer {
  return createHash('sha256').update(previous).update(canonical, 'utf8').digest();
}
