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
    const room = this.#length + text.length * 3;
    if (room > this.#buf.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(room, this.#buf.length * 2));
      this.#buf.copy(bigger, 0, 0, this.#length);
      this.#buf = bigger;
    }
    this.#length += this.#buf.write(text, this.#length, 'utf8');
  }

  get bytes(): Uint8Array<ArrayBuffer> {
    return this.#buf.subarray(0, this.#length);
  }
}
