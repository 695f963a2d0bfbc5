import { dayOf, isoOf } from '../domain/days.ts';
import type { StreamSnapshot } from '../domain/stream.ts';
import { PROGRAMS, SEGMENTS, SPONSORS, type Program } from '../domain/reference/vocabulary.ts';
import { WORKER_STREAM_PREFIX } from '../domain/worker/nik.ts';
import type { WorkerState } from '../domain/worker/worker.ts';

/**
 * An open-addressing table keyed by worker stream id (`worker-` and the
 * 128-bit pseudonym in hex, kept as four 32-bit words: exact, no
 * fingerprint), with `words` 32-bit values a slot, in typed arrays: a few
 * dozen bytes a worker, against several hundred for a Map of objects, so a
 * national history's millions of workers fit. Linear probing, deletion by
 * backward shift (no tombstones), growing by doubling while at most 80 % full
 * up to `maxStreams`.
 */
export class PseudonymTable {
  /** Slots × 4 key words; an all-zero key marks a free slot (a pseudonym of 128 zero bits is refused). */
  #keys: Uint32Array;
  /** Slots × `words` value words, the caller's to read and write at `slot * words`. */
  values: Int32Array;
  #mask: number;
  #size = 0;
  readonly words: number;
  readonly #maxStreams: number;
  readonly #initialSlots: number;
  readonly #key = new Uint32Array(4);

  constructor(words: number, maxStreams: number, initialSlots = 1 << 12) {
    this.words = words;
    this.#maxStreams = maxStreams;
    this.#initialSlots = initialSlots;
    this.#keys = new Uint32Array(initialSlots * 4);
    this.values = new Int32Array(initialSlots * words);
    this.#mask = initialSlots - 1;
  }

  get size(): number {
    return this.#size;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.#keys.byteLength + this.values.byteLength;
  }

  /** Whether an id has the shape of a worker stream id (the table may hold it). */
  static holds(id: string): boolean {
    return id.length === ID_LENGTH && id.startsWith(WORKER_STREAM_PREFIX);
  }

  /** The id's slot, or -1 when it is not in the table (or is no worker pseudonym). */
  find(id: string): number {
    return this.#parse(id) ? this.#find() : -1;
  }

  /** The id's slot, taking a free one when it is new; -1 when the id is no worker pseudonym or the table is full. */
  insert(id: string): number {
    if (!this.#parse(id)) return -1;
    const slot = this.#find();
    if (slot >= 0) return slot;
    if (this.#size >= this.#maxStreams) return -1;
    if ((this.#size + 1) * 5 > (this.#mask + 1) * 4) this.#grow(); // at most 80 % full
    const free = this.#free();
    this.#keys.set(this.#key, free * 4);
    this.#size += 1;
    return free;
  }

  delete(id: string): void {
    if (!this.#parse(id)) return;
    const slot = this.#find();
    if (slot >= 0) this.remove(slot);
  }

  /** Forgets every entry and gives the memory back. */
  clear(): void {
    if (this.#size === 0 && this.#mask < this.#initialSlots) return;
    this.#keys = new Uint32Array(this.#initialSlots * 4);
    this.values = new Int32Array(this.#initialSlots * this.words);
    this.#mask = this.#initialSlots - 1;
    this.#size = 0;
  }

  /** Reads the id's pseudonym into `#key`; false when the id is not `worker-` + 32 lower-case hex digits. */
  #parse(id: string): boolean {
    if (id.length !== ID_LENGTH || !id.startsWith(WORKER_STREAM_PREFIX)) return false;
    const key = this.#key;
    let any = 0;
    for (let w = 0; w < 4; w++) {
      let word = 0;
      for (let i = WORKER_STREAM_PREFIX.length + w * 8, end = i + 8; i < end; i++) {
        const c = id.charCodeAt(i);
        const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
        if (d < 0) return false;
        word = (word << 4) | d;
      }
      key[w] = word;
      any |= word;
    }
    return any !== 0;
  }

  #home(): number {
    const k = this.#key;
    // the pseudonym is an HMAC: its bits are already uniform; mix two words anyway against crafted ids
    return Math.imul(k[0]! ^ Math.imul(k[3]!, 0x9e3779b1), 0x85ebca6b) >>> 0;
  }

  /** The slot holding `#key`, or -1. */
  #find(): number {
    const keys = this.#keys;
    const k = this.#key;
    const mask = this.#mask;
    for (let slot = this.#home() & mask; ; slot = (slot + 1) & mask) {
      const at = slot * 4;
      const w0 = keys[at]!;
      const w1 = keys[at + 1]!;
      const w2 = keys[at + 2]!;
      const w3 = keys[at + 3]!;
      if ((w0 | w1 | w2 | w3) === 0) return -1;
      if (w0 === k[0] && w1 === k[1] && w2 === k[2] && w3 === k[3]) return slot;
    }
  }

  /** The first free slot on `#key`'s probe path (the key is known to be absent). */
  #free(): number {
    const keys = this.#keys;
    const mask = this.#mask;
    let slot = this.#home() & mask;
    while ((keys[slot * 4]! | keys[slot * 4 + 1]! | keys[slot * 4 + 2]! | keys[slot * 4 + 3]!) !== 0) slot = (slot + 1) & mask;
    return slot;
  }

  #grow(): void {
    const oldKeys = this.#keys;
    const oldValues = this.values;
    const words = this.words;
    const slots = (this.#mask + 1) * 2;
    this.#keys = new Uint32Array(slots * 4);
    this.values = new Int32Array(slots * words);
    this.#mask = slots - 1;
    const key = this.#key;
    const saved = Uint32Array.from(key);
    for (let old = 0; old < oldKeys.length / 4; old++) {
      const at = old * 4;
      if ((oldKeys[at]! | oldKeys[at + 1]! | oldKeys[at + 2]! | oldKeys[at + 3]!) === 0) continue;
      key.set(oldKeys.subarray(at, at + 4));
      const slot = this.#free();
      this.#keys.set(key, slot * 4);
      this.values.set(oldValues.subarray(old * words, old * words + words), slot * words);
    }
    key.set(saved);
  }

  /** Empties the slot and shifts the entries after it on their probe paths back (linear probing's deletion). */
  remove(slot: number): void {
    const keys = this.#keys;
    const values = this.values;
    const words = this.words;
    const mask = this.#mask;
    const key = this.#key;
    const saved = Uint32Array.from(key);
    let hole = slot;
    for (let next = (hole + 1) & mask; ; next = (next + 1) & mask) {
      const at = next * 4;
      if ((keys[at]! | keys[at + 1]! | keys[at + 2]! | keys[at + 3]!) === 0) break;
      key.set(keys.subarray(at, at + 4));
      const home = this.#home() & mask;
      // the entry may move into the hole when the hole lies on its path (cyclically between home and next)
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        keys.copyWithin(hole * 4, at, at + 4);
        values.copyWithin(hole * words, next * words, next * words + words);
        hole = next;
      }
    }
    keys.fill(0, hole * 4, hole * 4 + 4);
    this.#size -= 1;
    key.set(saved);
  }
}

/**
 * Worker stream states, about 40 bytes a stream (a {@link PseudonymTable}),
 * so an import can keep every worker it has seen: a national history's lapses
 * and program changes arrive years after their enrolment, and a bounded cache
 * of objects (several hundred bytes a stream) has long forgotten them by then,
 * which turns each later batch into lookups in the log. A state is kept only
 * when it encodes exactly (no retracted events, a worker state whose fields
 * are known values); anything else is refused and stays with the caller's
 * object cache.
 */
export class CompactWorkerStates {
  readonly #table: PseudonymTable;
  /** Interned strings: regency codes and employer NPPs (bounded by regions and employers, not by workers). */
  readonly #regions = new Interned();
  readonly #npps = new Interned();

  /** At most `maxStreams` workers (12 million by default: at most 16 million slots, 640 MB). */
  constructor(maxStreams = 12_000_000, initialSlots = 1 << 12) {
    this.#table = new PseudonymTable(WORDS, maxStreams, initialSlots);
  }

  get size(): number {
    return this.#table.size;
  }

  get bytes(): number {
    return this.#table.bytes;
  }

  static holds(id: string): boolean {
    return PseudonymTable.holds(id);
  }

  get(id: string): StreamSnapshot | undefined {
    const slot = this.#table.find(id);
    return slot < 0 ? undefined : this.#decode(slot);
  }

  /** Keeps the state; false (and nothing kept for the id) when it does not encode or the table is full. */
  set(id: string, state: StreamSnapshot): boolean {
    const slot = this.#table.insert(id);
    if (slot < 0) return false;
    if (this.#encode(slot, state)) return true;
    this.#table.remove(slot);
    return false;
  }

  delete(id: string): void {
    this.#table.delete(id);
  }

  clear(): void {
    this.#table.clear();
  }

  /** Writes the state's words into the slot; false (slot untouched) when it does not encode exactly. */
  #encode(slot: number, s: StreamSnapshot): boolean {
    if (s.retracted.length !== 0 || s.employer !== undefined) return false;
    const last = s.lastEffectiveOn === null ? NONE : exactDay(s.lastEffectiveOn);
    if (last === undefined) return false;
    const w = s.worker;
    let packed: number;
    let region = NONE;
    let npp = NONE;
    let since = NONE;
    if (w === undefined) {
      packed = NO_WORKER;
    } else {
      const status = STATUSES.indexOf(w.status);
      const segment = w.segment === undefined ? 0 : SEGMENTS.indexOf(w.segment) + 1;
      const sponsor = w.sponsor === undefined ? 0 : SPONSORS.indexOf(w.sponsor) + 1;
      const programs = w.programs === undefined ? 0 : programCode(w.programs);
      if (status < 0 || segment === 0 && w.segment !== undefined || sponsor === 0 && w.sponsor !== undefined || programs < 0) return false;
      packed = status | (segment << 2) | (sponsor << 5) | (programs << 8);
      if (w.since !== undefined) {
        const d = exactDay(w.since);
        if (d === undefined) return false;
        since = d;
      }
      if (w.regionCode !== undefined) region = this.#regions.index(w.regionCode);
      if (w.employerNpp !== undefined) npp = this.#npps.index(w.employerNpp);
    }
    const v = this.#table.values;
    const at = slot * WORDS;
    v[at] = s.version;
    v[at + 1] = last;
    v[at + 2] = packed;
    v[at + 3] = since;
    v[at + 4] = region;
    v[at + 5] = npp;
    return true;
  }

  #decode(slot: number): StreamSnapshot {
    const v = this.#table.values;
    const at = slot * WORDS;
    const packed = v[at + 2]!;
    const last = v[at + 1]!;
    let worker: WorkerState | undefined;
    if (packed !== NO_WORKER) {
      const segment = (packed >>> 2) & 7;
      const sponsor = (packed >>> 5) & 7;
      const programs = packed >>> 8;
      const since = v[at + 3]!;
      const region = v[at + 4]!;
      const npp = v[at + 5]!;
      worker = {
        status: STATUSES[packed & 3]!,
        segment: segment === 0 ? undefined : SEGMENTS[segment - 1],
        programs: programs === 0 ? undefined : programList(programs),
        regionCode: region === NONE ? undefined : this.#regions.at(region),
        sponsor: sponsor === 0 ? undefined : SPONSORS[sponsor - 1],
        employerNpp: npp === NONE ? undefined : this.#npps.at(npp),
        since: since === NONE ? undefined : isoOf(since),
      };
    }
    const state: StreamSnapshot = { version: v[at]!, lastEffectiveOn: last === NONE ? null : isoOf(last), retracted: [] };
    if (worker !== undefined) state.worker = worker;
    return state;
  }
}

/**
 * A string that holds its own characters: V8 makes a substring of 13 or more
 * characters a slice that keeps its whole parent alive (for an import, a
 * block of lines of hundreds of KB), so a string kept for long is copied.
 */
export const ownCopy = (s: string): string => (' ' + s).slice(1);

const ID_LENGTH = WORKER_STREAM_PREFIX.length + 32;
/** Value words per slot: version, lastEffectiveOn (day), packed status/segment/sponsor/programs, since (day), region, NPP. */
const WORDS = 6;
const NONE = -1;
/** `packed` of a stream without a worker state (no worker event folded yet). */
const NO_WORKER = -1;
const STATUSES = ['NONE', 'ACTIVE', 'LAPSED'] as const satisfies readonly WorkerState['status'][];

/** A program list, in its order, as base-8 digits of (index + 1); -1 when it does not fit (at most 7 known programs). */
function programCode(programs: readonly Program[]): number {
  if (programs.length === 0 || programs.length > 7) return -1;
  let code = 0;
  for (let i = programs.length - 1; i >= 0; i--) {
    const p = PROGRAMS.indexOf(programs[i]!);
    if (p < 0) return -1;
    code = code * 8 + p + 1;
  }
  return code;
}

function programList(code: number): Program[] {
  const list: Program[] = [];
  for (; code !== 0; code = Math.floor(code / 8)) list.push(PROGRAMS[(code % 8) - 1]!);
  return list;
}

/** The day number of a `YYYY-MM-DD` date from 1970 on; undefined unless the date reads back exactly. */
function exactDay(date: string): number | undefined {
  const day = dayOf(date);
  return Number.isInteger(day) && day >= 0 && day <= 200_000 && isoOf(day) === date ? day : undefined;
}

/** Strings numbered in the order first seen. */
class Interned {
  readonly #index = new Map<string, number>();
  readonly #list: string[] = [];
  index(s: string): number {
    let i = this.#index.get(s);
    if (i === undefined) {
      s = ownCopy(s); // not a slice of an import's block of lines
      i = this.#list.push(s) - 1;
      this.#index.set(s, i);
    }
    return i;
  }
  at(i: number): string {
    return this.#list[i]!;
  }
}
