import type { Config } from '../config/config.ts';
import { copyField, CopyRows } from '../db/copy-text.ts';
import { isCakupanError, type FieldIssue } from '../domain/errors.ts';
import { UUID_PATTERN } from '../domain/reference/text.ts';
import type { AppendInput } from '../eventstore/append.ts';
import { canonicalJson, PLAIN_ASCII, SCHEMA_VERSION } from '../eventstore/hash.ts';
import { eventLineParser, isImportableType } from './event-line.ts';

/**
 * A refused line: its number, the event id and type when they are valid, the
 * code and each field's reason (the service's words, never the line's
 * content, which may hold a NIK). `decidedAt`: an earlier import's rejection
 * of this id against the log, reported again.
 */
export type Reject = { line: number; eventId?: string; type?: string; code: string; errors: FieldIssue[]; decidedAt?: string };

/** One non-blank import line: the event it proposes, or why it was refused. */
export type LineResult = { line: number; event: AppendInput; reject?: never } | { line: number; reject: Reject; event?: never };

export type ParserConfig = Pick<Config, 'nppPattern' | 'pseudonymSecret'>;

/**
 * Parses a block of complete NDJSON lines, numbered from `firstLine`. Blank
 * lines count but give no result; a trailing `\r` (CRLF files) is ignored.
 * The same code runs inline and in the parse workers.
 */
export function lineBlockParser(config: ParserConfig) {
  const parse = eventLineParser(config);
  return function parseBlock(text: string, firstLine: number): LineResult[] {
    const results: LineResult[] = [];
    forEachLine(text, firstLine, (raw, line) => results.push(parseLine(parse, raw, line)));
    return results;
  };
}

/**
 * {@link lineBlockParser} for a parse worker: each result is encoded (see
 * {@link encodeResult}) as soon as it is made, so a block's results wait in
 * one buffer outside the JS heap rather than as objects the collector copies.
 */
export function encodingBlockParser(config: ParserConfig) {
  const parse = eventLineParser(config);
  return function parseBlock(text: string, firstLine: number): Uint8Array<ArrayBuffer> {
    const out = new CopyRows(text.length);
    forEachLine(text, firstLine, (raw, line) => encodeResult(parseLine(parse, raw, line), out));
    return out.bytes;
  };
}

function forEachLine(text: string, firstLine: number, fn: (raw: string, line: number) => void): void {
  let line = firstLine;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const raw = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    if (raw.trim()) fn(raw, line);
    start = end + 1;
    line += 1;
  }
}

function parseLine(parse: ReturnType<typeof eventLineParser>, text: string, line: number): LineResult {
  let json: unknown;
  try {
    // a byte-order mark may open a file (editors on Windows write one); anywhere else it is a malformed line
    json = JSON.parse(line === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    return { line, reject: { line, code: 'VALIDATION', errors: [{ field: '(line)', reason: malformedJson((e as Error).message) }] } };
  }
  try {
    return { line, event: parse(json) };
  } catch (e) {
    if (!isCakupanError(e)) throw e;
    // the id and the type are reported only when they are valid ones: a reject never repeats input
    const raw = json as { eventId?: unknown; type?: unknown };
    return {
      line,
      reject: {
        line,
        eventId: typeof raw?.eventId === 'string' && UUID_PATTERN.test(raw.eventId) ? raw.eventId.toLowerCase() : undefined,
        type: typeof raw?.type === 'string' && isImportableType(raw.type) ? raw.type : undefined,
        code: e.code,
        errors: e.issues,
      },
    };
  }
}

/**
 * Why JSON.parse refused a line, in words that never quote it: V8's message
 * without the excerpt of the input that some of its messages carry (which
 * may hold part of a NIK or terminal control characters), with the character
 * position when V8 gives one.
 */
export function malformedJson(message: string): string {
  if (message.startsWith('Unexpected end of JSON input')) return 'malformed JSON: the line ends before its JSON value does';
  const plain = message.replace(/ \(line \d+ column \d+\)$/, '');
  // V8's own words and a position, nothing quoted from the input
  if (/^[A-Za-z ,'{}[\]]+ (?:in|after) JSON at position \d+$/.test(plain) && !/'[^,'{}[\]]'/.test(plain)) return `malformed JSON: ${plain}`;
  return 'malformed JSON: an unexpected character';
}

/**
 * One result as text, for the trip from a parse worker to the main thread:
 * a line of tab-separated fields escaped as COPY escapes them. An event
 * carries its data once, as the canonical JSON the log stores; the main thread
 * parses that back into the object the deciders read. Cheaper on both threads
 * than JSON of the result objects, which would carry the data twice and
 * escape the canonical JSON inside a JSON string.
 *
 * An event's fields come in the order of the log's COPY columns, so that from
 * stream_id to effective_on the line already is the start of the event's COPY
 * row. When every field is plain ASCII (no quote, backslash or control
 * character; the JSON without a backslash) the line is tagged P instead of E:
 * its bytes are then also the pieces of the event's canonical (hashed) JSON,
 * and the main thread copies them from the buffer into the hash input and the
 * COPY row instead of building and encoding strings (see `appendEvents`).
 */
export function encodeResult(r: LineResult, out: CopyRows): void {
  if (r.reject) {
    out.push(`R\t${r.line}\t${copyField(JSON.stringify(r.reject))}\n`);
    return;
  }
  const e = r.event;
  const dataJson = e.dataJson ?? canonicalJson(e.data);
  const plain =
    e.streamId !== '' && PLAIN_ASCII.test(e.streamId) && PLAIN_ASCII.test(e.eventId) && PLAIN_ASCII.test(e.type) && PLAIN_ASCII.test(e.effectiveOn) &&
    (e.regionCode === null || PLAIN_ASCII.test(e.regionCode)) && PLAIN_JSON.test(dataJson);
  out.push(
    plain
      ? `P\t${r.line}\t${e.streamId}\t${e.eventId}\t${e.type}\t${SCHEMA_VERSION}\t${dataJson}\t{}\t${e.effectiveOn}\t${copyField(e.regionCode)}\n`
      : `E\t${r.line}\t${copyField(e.streamId)}\t${copyField(e.eventId)}\t${copyField(e.type)}\t${SCHEMA_VERSION}\t${copyField(dataJson)}\t{}\t` +
          `${copyField(e.effectiveOn)}\t${copyField(e.regionCode)}\n`,
  );
}

/** JSON text that is printable ASCII without a backslash: the same bytes in canonical JSON and in COPY text. */
const PLAIN_JSON = /^[\x20-\x5b\x5d-\x7e]*$/;

/**
 * The results {@link encodeResult} encoded, in order. Events of P lines keep
 * a reference to their COPY fields in `bytes` (`row`, `rowStart`, `rowEnd`).
 */
export function decodeResults(bytes: Uint8Array): LineResult[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const results: LineResult[] = [];
  // Byte offset minus string offset at the current line (lines before it may hold multi-byte characters).
  let shift = 0;
  let start = 0;
  while (start < text.length) {
    // Fields are cut out by position, and unescaped only on the rare line that has a backslash.
    const end = text.indexOf('\n', start);
    const tag = text.charCodeAt(start);
    const t1 = text.indexOf('\t', start);
    const t2 = text.indexOf('\t', t1 + 1);
    const line = Number(text.slice(t1 + 1, t2));
    if (tag === 82 /* R */) {
      results.push({ line, reject: JSON.parse(uncopy(text.slice(t2 + 1, end))) as Reject });
      shift += Buffer.byteLength(text.slice(start, end)) - (end - start);
      start = end + 1;
      continue;
    }
    const t3 = text.indexOf('\t', t2 + 1);
    const t4 = text.indexOf('\t', t3 + 1);
    const t5 = text.indexOf('\t', t4 + 1);
    const t6 = text.indexOf('\t', t5 + 1);
    const t7 = text.indexOf('\t', t6 + 1);
    const t8 = text.indexOf('\t', t7 + 1);
    const t9 = text.indexOf('\t', t8 + 1);
    const region = text.slice(t9 + 1, end);
    const regionCode = region === '\\N' ? null : region;
    // A P line has no escapes (its null region's \N aside) and its COPY fields can be copied as bytes.
    const plain = tag === 80 /* P */;
    const backslash = plain ? -1 : text.indexOf('\\', t2);
    const escaped = backslash >= 0 && backslash < end;
    const dataJson = cut(text, t6 + 1, t7, escaped);
    // The same keys in the same order for every decoded event: one object shape for the deciders.
    const event = {
      eventId: cut(text, t3 + 1, t4, escaped),
      effectiveOn: cut(text, t8 + 1, t9, escaped),
      type: cut(text, t4 + 1, t5, escaped),
      data: JSON.parse(dataJson) as unknown,
      streamId: cut(text, t2 + 1, t3, escaped),
      regionCode: regionCode !== null && escaped ? uncopy(regionCode) : regionCode,
      dataJson,
      row: plain ? bytes : undefined,
      rowStart: plain ? t2 + 1 + shift : 0,
      rowEnd: plain ? t9 + shift : 0,
    } as AppendInput;
    if (!plain) shift += Buffer.byteLength(text.slice(start, end)) - (end - start);
    results.push({ line, event });
    start = end + 1;
  }
  return results;
}

const COPY_UNESCAPES: Record<string, string> = { '\\\\': '\\', '\\t': '\t', '\\n': '\n', '\\r': '\r' };

const cut = (text: string, from: number, to: number, escaped: boolean) => (escaped ? uncopy(text.slice(from, to)) : text.slice(from, to));

/** Reverses {@link copyField} (for a non-null field). */
function uncopy(field: string): string {
  return field.includes('\\') ? field.replace(/\\[\\tnr]/g, (c) => COPY_UNESCAPES[c]) : field;
}
