import type { Config } from '../config/config.ts';
import { isCakupanError, type FieldIssue } from '../domain/errors.ts';
import type { AppendInput } from '../eventstore/append.ts';
import { eventLineParser } from './event-line.ts';

export type Reject = { line: number; eventId?: string; type?: string; code: string; errors: FieldIssue[] };

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
    let line = firstLine;
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const raw = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
      if (raw.trim()) results.push(parseLine(parse, raw, line));
      start = end + 1;
      line += 1;
    }
    return results;
  };
}

function parseLine(parse: ReturnType<typeof eventLineParser>, text: string, line: number): LineResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { line, reject: { line, code: 'VALIDATION', errors: [{ field: '(line)', reason: `malformed JSON: ${(e as Error).message}` }] } };
  }
  try {
    return { line, event: parse(json) };
  } catch (e) {
    if (!isCakupanError(e)) throw e;
    const raw = json as { eventId?: unknown; type?: unknown };
    return {
      line,
      reject: {
        line,
        eventId: typeof raw?.eventId === 'string' ? raw.eventId : undefined,
        type: typeof raw?.type === 'string' ? raw.type : undefined,
        code: e.code,
        errors: e.issues,
      },
    };
  }
}
