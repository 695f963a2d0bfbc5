// PostgreSQL's binary COPY format, for the projection's integer-keyed read
// models: integers, dates and instants go in as their binary values, so the
// server neither parses nor formats text for them (a roll-up batch copies
// about half as fast again as the text format; dates are the costly part of it).
// https://www.postgresql.org/docs/current/sql-copy.html#SQL-COPY-BINARY-FORMAT

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]; // PGCOPY\n\377\r\n\0
/** Days from 1970-01-01 (JS epoch) to 2000-01-01 (PostgreSQL's epoch). */
export const PG_EPOCH_DAYS = 10_957;
const PG_EPOCH_MS = PG_EPOCH_DAYS * 86_400_000;
const TWO_32 = 4_294_967_296;
/** Hex digit values by character code (-1: not a digit); `undefined` past 'f'. */
const HEX = Int8Array.from({ length: 103 }, (_, c) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1));

/**
 * Rows in binary COPY format, written field by field into one growing buffer
 * (off the JS heap). Start each row with {@link row} and the number of its
 * fields, then write exactly that many fields in the table's column order.
 */
export class CopyBinary {
  #buf: Buffer<ArrayBuffer>;
  // (DataView writes are compiled inline; Buffer's writeInt32BE checks its arguments in JS)
  #view: DataView;
  #at = 0;
  #sent = 0;

  constructor(expectedBytes = 64 * 1024) {
    this.#buf = Buffer.allocUnsafeSlow(Math.max(1024, expectedBytes));
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.length);
    for (const b of SIGNATURE) this.#buf[this.#at++] = b;
    this.#view.setInt32(this.#at, 0); // flags
    this.#view.setInt32(this.#at + 4, 0); // header extension length
    this.#at += 8;
  }

  private room(bytes: number): DataView {
    if (this.#at + bytes > this.#buf.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(this.#at + bytes, this.#buf.length * 2));
      this.#buf.copy(bigger, 0, 0, this.#at);
      this.#buf = bigger;
      this.#view = new DataView(bigger.buffer, bigger.byteOffset, bigger.length);
    }
    return this.#view;
  }

  /** Starts a row of `fields` fields. */
  row(fields: number): this {
    this.room(2).setInt16(this.#at, fields);
    this.#at += 2;
    return this;
  }

  int4(v: number): this {
    const b = this.room(8);
    b.setInt32(this.#at, 4);
    b.setInt32(this.#at + 4, v);
    this.#at += 8;
    return this;
  }

  int2(v: number): this {
    const b = this.room(6);
    b.setInt32(this.#at, 2);
    b.setInt16(this.#at + 4, v);
    this.#at += 6;
    return this;
  }

  bool(v: boolean): this {
    const b = this.room(5);
    b.setInt32(this.#at, 1);
    b.setUint8(this.#at + 4, v ? 1 : 0);
    this.#at += 5;
    return this;
  }

  /** A `date`, as days since 1970-01-01. */
  date(epochDay: number): this {
    return this.int4(epochDay - PG_EPOCH_DAYS);
  }

  /** A `timestamptz`, as epoch milliseconds (whole: the columns hold milliseconds). */
  timestamptz(epochMs: number): this {
    const us = (epochMs - PG_EPOCH_MS) * 1000;
    const hi = Math.floor(us / TWO_32);
    const b = this.room(12);
    b.setInt32(this.#at, 8);
    b.setInt32(this.#at + 4, hi);
    b.setUint32(this.#at + 8, us - hi * TWO_32);
    this.#at += 12;
    return this;
  }

  /**
   * A `uuid` from 32 hexadecimal digits of `text` starting at `from` (a
   * worker's stream id holds its pseudonym after `worker-`). Throws when one
   * is not a hex digit.
   */
  uuidHex(text: string, from = 0): this {
    const b = this.room(20);
    b.setInt32(this.#at, 16);
    for (let i = 0; i < 16; i++) {
      const hi = HEX[text.charCodeAt(from + 2 * i)] ?? -1;
      const lo = HEX[text.charCodeAt(from + 2 * i + 1)] ?? -1;
      if (hi < 0 || lo < 0) throw new RangeError(`not a uuid in 32 hexadecimal digits: ${JSON.stringify(text.slice(from, from + 32))}`);
      b.setUint8(this.#at + 4 + i, (hi << 4) | lo);
    }
    this.#at += 20;
    return this;
  }

  /** A `text` value (UTF-8). */
  text(v: string): this {
    const b = this.room(4 + v.length * 3);
    const n = this.#buf.write(v, this.#at + 4, 'utf8');
    b.setInt32(this.#at, n);
    this.#at += 4 + n;
    return this;
  }

  /**
   * The bytes written since the last `take` (the header too, the first time),
   * to be sent as one chunk of a streamed COPY; writing goes on in a new buffer.
   */
  take(): Uint8Array<ArrayBuffer> {
    const chunk = this.#buf.subarray(0, this.#at);
    this.#buf = Buffer.allocUnsafeSlow(this.#buf.length);
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.length);
    this.#sent += this.#at;
    this.#at = 0;
    return chunk;
  }

  /** The rows so far (since the last `take`), with the format's trailer; nothing may be written after. */
  get bytes(): Uint8Array<ArrayBuffer> {
    this.room(2).setInt16(this.#at, -1);
    return this.#buf.subarray(0, this.#at + 2);
  }

  /** Bytes of rows written (header excluded). */
  get length(): number {
    return this.#sent + this.#at - 19;
  }

  /** Bytes written since the last `take`. */
  get pending(): number {
    return this.#at;
  }
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date (years before 100 too, which `Date.UTC` would read as 19xx). */
export const epochDay = (date: string): number => new Date(0).setUTCFullYear(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / 86_400_000;
