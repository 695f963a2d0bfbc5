// PostgreSQL's COPY text format, built without the database drivers (the
// import's parse workers use it too, and should not load them).

/** Escapes one value for COPY's text format (backslash, tab, newline, carriage return). */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]) : value;
}
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * COPY text rows encoded as they are added into one growing buffer: a batch of
 * rows then lives outside the JS heap (the garbage collector never copies it)
 * and goes to the database without being joined or encoded again.
 */
export class CopyRows {
  #buf: Buffer<ArrayBuffer>;
  #length = 0;

  constructor(expectedBytes = 64 * 1024) {
    // Never from Node's shared pool: the buffer may be transferred to another thread.
    this.#buf = Buffer.allocUnsafeSlow(Math.max(1024, expectedBytes));
  }

  /** Adds text (whole rows, each ending in a newline). */
  push(text: string): void {
    // A UTF-16 code unit takes at most three bytes in UTF-8.
    this.reserve(text.length * 3);
    this.#length += this.#buf.write(text, this.#length, 'utf8');
  }

  /**
   * Makes room for `bytes` more bytes and returns the buffer, to be written
   * from {@link length} on; {@link wrote} then counts what was written.
   */
  reserve(bytes: number): Buffer<ArrayBuffer> {
    const room = this.#length + bytes;
    if (room > this.#buf.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(room, this.#buf.length * 2));
      this.#buf.copy(bigger, 0, 0, this.#length);
      this.#buf = bigger;
    }
    return this.#buf;
  }

  wrote(bytes: number): void {
    this.#length += bytes;
  }

  get length(): number {
    return this.#length;
  }

  get bytes(): Uint8Array<ArrayBuffer> {
    return this.#buf.subarray(0, this.#length);
  }
}

/** Writes an ASCII string at `at`; returns where it ends. (A loop beats a native call for the short pieces of a row.) */
export function putAscii(buf: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[at + i] = s.charCodeAt(i);
  return at + s.length;
}

/** Copies `src[from, to)` to `at`; returns where it ends. */
export function putBytes(buf: Uint8Array, at: number, src: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) buf[at++] = src[i];
  return at;
}

/** Writes a non-negative integer in decimal at `at`; returns where it ends. */
export function putUint(buf: Uint8Array, at: number, n: number): number {
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits += 1;
  let x = n;
  for (let i = at + digits - 1; i >= at; i--) {
    buf[i] = 48 + (x % 10);
    x = Math.floor(x / 10);
  }
  return at + digits;
}

const COPY_UNESCAPES: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r', b: '\b', f: '\f', v: '\v' };

/** One field of COPY's text output: `\N` is NULL, backslash escapes are decoded. */
export function copyValue(field: string): string | null {
  if (field === '\\N') return null;
  return field.includes('\\') ? field.replace(/\\(.)/g, (_, c: string) => COPY_UNESCAPES[c] ?? c) : field;
}

/** Each row of COPY's text output as its raw fields (decode each with `copyValue`, or use as is where no escape can occur). */
export function* copyLines(text: string): Generator<string[]> {
  let at = 0;
  while (at < text.length) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    yield text.slice(at, end).split('\t');
    at = end + 1;
  }
}

/**
 * COPY's text output read field by field, with no string per line and no
 * array per row (for large reads). `field()` is the row's next field, `last()`
 * its last one (up to the line's end); raw, as `copyLines` gives them.
 */
export class CopyFields {
  private at = 0;

  constructor(private readonly text: string) {}

  /** Whether every row has been read. */
  get done(): boolean {
    return this.at >= this.text.length;
  }

  field(): string {
    const end = this.text.indexOf('\t', this.at);
    const v = this.text.slice(this.at, end);
    this.at = end + 1;
    return v;
  }

  last(): string {
    let end = this.text.indexOf('\n', this.at);
    if (end < 0) end = this.text.length;
    const v = this.text.slice(this.at, end);
    this.at = end + 1;
    return v;
  }
}
