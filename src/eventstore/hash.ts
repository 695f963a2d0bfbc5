import crypto, { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** Version of the event envelope that appends write (part of each event's hashed bytes). */
export const SCHEMA_VERSION = 1;

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

/**
 * {@link canonicalBytes} with `data` and `metadata` already in canonical JSON
 * (the append path stores those same strings) and `recordedAt` as its ISO
 * string (one per batch). Builds exactly what JSON.stringify of the envelope
 * array gives, without the array.
 */
export function canonicalBytesOf(e: Omit<HashedFields, 'data' | 'metadata' | 'recordedAt'> & { recordedAt: Date | string }, dataJson: string, metadataJson: string): string {
  const recordedAt = typeof e.recordedAt === 'string' ? e.recordedAt : e.recordedAt.toISOString();
  return canonicalEnvelope(e.position, e.streamId, e.streamVersion, e.eventId, e.type, e.schemaVersion, e.effectiveOn, jsonString(recordedAt), e.regionCode, dataJson, metadataJson);
}

/** {@link canonicalBytesOf} from positional fields, `recordedAt` already as JSON (the append path's per-event form: no envelope object). */
export function canonicalEnvelope(
  position: number, streamId: string, streamVersion: number, eventId: string, type: string, schemaVersion: number,
  effectiveOn: string, recordedAtJson: string, regionCode: string | null, dataJson: string, metadataJson: string,
): string {
  return (
    `[${JSON.stringify(position)},${jsonString(streamId)},${JSON.stringify(streamVersion)},${jsonString(eventId)},${jsonString(type)},` +
    `${JSON.stringify(schemaVersion)},${jsonString(effectiveOn)},${recordedAtJson},${regionCode === null ? 'null' : jsonString(regionCode)},${dataJson},${metadataJson}]`
  );
}

/** Printable ASCII without a quote or backslash: JSON.stringify would only add the quotes. */
export const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON.stringify of a string, without its cost for the plain identifiers, codes and dates the envelope holds. */
function jsonString(s: string): string {
  return PLAIN_ASCII.test(s) ? `"${s}"` : JSON.stringify(s);
}

/**
 * RFC 8785 canonical JSON of a value. JCS serialises strings and numbers
 * exactly as JSON.stringify does and orders object keys by UTF-16 code units,
 * as Array#sort does; so plain JSON data is serialised here directly, in sorted
 * key order, about three times as fast as the general library, which handles
 * the rest (integer-like keys, which JavaScript objects would reorder; toJSON;
 * non-finite numbers).
 */
export function canonicalJson(value: unknown): string {
  const json = plainJson(value) ?? canonicalize(value);
  if (json === undefined) throw new TypeError('value has no JSON form');
  return json;
}

const INDEX_LIKE = /^(?:0|[1-9]\d*)$/;

/** Canonical JSON of plain JSON data, or undefined for anything else. */
function plainJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return jsonString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : undefined;
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const v = plainJson(value[i]);
          if (v === undefined) return undefined;
          out += i ? `,${v}` : v;
        }
        return `${out}]`;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return undefined;
      let out = '{';
      for (const key of Object.keys(value).sort()) {
        const member = (value as Record<string, unknown>)[key];
        if (member === undefined) continue;
        if (INDEX_LIKE.test(key)) return undefined;
        const v = plainJson(member);
        if (v === undefined) return undefined;
        out += `${out.length > 1 ? ',' : ''}${jsonString(key)}:${v}`;
      }
      return `${out}}`;
    }
    default:
      return undefined;
  }
}

/** hash = sha256(previous hash ‖ canonical bytes of this event). */
export function chainHash(previous: Uint8Array, e: HashedFields): Buffer {
  return sha256Chain(previous, canonicalBytes(e));
}

export function sha256Chain(previous: Uint8Array, canonical: string): Buffer {
  return createHash('sha256').update(previous).update(canonical, 'utf8').digest();
}

/**
 * The chain as the append path extends it, event after event: {@link sha256Chain}
 * with the previous hash kept in a reused buffer beside the canonical bytes,
 * hashed in one call (no Hash object, no Buffer per event).
 */
export class HashChain {
  #buf: Buffer;

  constructor(previous: Uint8Array) {
    this.#buf = Buffer.allocUnsafe(4096);
    this.#buf.set(previous, 0);
  }

  /** Extends the chain by one event; returns its hash in hex (as COPY writes bytea). */
  next(canonical: string): string {
    // A UTF-8 character takes at most three bytes per UTF-16 code unit.
    return this.extend(this.room(canonical.length * 3).write(canonical, 32, 'utf8'));
  }

  /**
   * The buffer to write an event's canonical bytes into, from offset 32 (the
   * previous hash is before them), with room for `bytes` of them; then
   * {@link extend} hashes them.
   */
  room(bytes: number): Buffer {
    if (32 + bytes > this.#buf.length) {
      const bigger = Buffer.allocUnsafe(32 + bytes);
      this.#buf.copy(bigger, 0, 0, 32);
      this.#buf = bigger;
      this.#views = [];
    }
    return this.#buf;
  }

  /** Views of the buffer by length: events of the same length hash the same view (no Uint8Array per event). */
  #views: Buffer[] = [];

  /** Extends the chain by the event whose `length` canonical bytes were written into {@link room}; returns its hash in hex. */
  extend(length: number): string {
    const input = (this.#views[length] ??= this.#buf.subarray(0, 32 + length));
    const hex = oneShotHash ? oneShotHash('sha256', input, 'hex') : createHash('sha256').update(input).digest('hex');
    this.#buf.write(hex, 0, 'hex');
    return hex;
  }

  /** The hash of the last event. */
  get head(): Buffer {
    return Buffer.from(this.#buf.subarray(0, 32));
  }
}

// crypto.hash (Node 20.12+) hashes in one native call.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string }).hash;
