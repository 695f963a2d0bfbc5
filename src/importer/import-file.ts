import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import readline from 'node:readline';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import { CakupanError, isCakupanError, type FieldIssue } from '../domain/errors.ts';
import { appendEvents, type AppendInput, type AppendResult } from '../eventstore/append.ts';
import { eventLineParser } from './event-line.ts';

export type Reject = { line: number; eventId?: string; type?: string; code: string; errors: FieldIssue[] };

export type ImportSummary = {
  lines: number;
  appended: number;
  duplicates: number;
  rejected: number;
  rejects: Reject[];
  headPosition: number;
};

export type ImportOptions = {
  batchSize?: number;
  /** Where rejected lines are written as NDJSON (line, field, reason; never the raw line, which may hold a NIK). */
  rejectsPath?: string;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
};

/**
 * Imports an NDJSON file of events. Each batch is one transaction; lines that
 * fail validation or a domain rule are reported with their line number and
 * not appended; every valid line is. Re-running a file appends nothing.
 * Parsing of the next batch overlaps the database work of the previous one.
 */
export async function importFile(db: Database, config: Config, file: string, opts: ImportOptions = {}): Promise<ImportSummary> {
  const batchSize = opts.batchSize ?? 10_000;
  const totalBytes = statSync(file).size;
  const parse = eventLineParser(config);
  const summary: ImportSummary = { lines: 0, appended: 0, duplicates: 0, rejected: 0, rejects: [], headPosition: 0 };
  const rejectsOut = opts.rejectsPath ? createWriteStream(opts.rejectsPath) : undefined;
  const reject = (r: Reject) => {
    summary.rejected += 1;
    if (summary.rejects.length < 1000) summary.rejects.push(r);
    rejectsOut?.write(JSON.stringify(r) + '\n');
  };

  let batch: AppendInput[] = [];
  let lineNos: number[] = [];
  let inFlight: Promise<void> = Promise.resolve();
  let bytesRead = 0;
  // At most one batch in flight: memory stays bounded and parsing the next
  // batch overlaps the database work of this one.
  const flush = async () => {
    await inFlight;
    const [events, numbers] = [batch, lineNos];
    batch = [];
    lineNos = [];
    inFlight = appendEvents(db, events, { atomic: false }).then((result) => record(result, numbers, events));
  };
  const record = (result: AppendResult, numbers: number[], events: AppendInput[]) => {
    for (const o of result.outcomes) {
      if (o.status === 'appended') summary.appended += 1;
      else if (o.status === 'duplicate') summary.duplicates += 1;
      else reject({ line: numbers[o.index], eventId: o.eventId, type: events[o.index].type, code: o.error.code, errors: o.error.issues });
    }
    summary.headPosition = result.headPosition;
    opts.onProgress?.(Math.min(bytesRead, totalBytes), totalBytes);
  };

  const lines = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const text of lines) {
    summary.lines += 1;
    bytesRead += Buffer.byteLength(text) + 1;
    if (!text.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      reject({ line: summary.lines, code: 'VALIDATION', errors: [{ field: '(line)', reason: `malformed JSON: ${(e as Error).message}` }] });
      continue;
    }
    try {
      batch.push(parse(json));
      lineNos.push(summary.lines);
    } catch (e) {
      if (!isCakupanError(e)) throw e;
      const raw = json as { eventId?: unknown; type?: unknown };
      reject({
        line: summary.lines,
        eventId: typeof raw?.eventId === 'string' ? raw.eventId : undefined,
        type: typeof raw?.type === 'string' ? raw.type : undefined,
        code: e.code,
        errors: e.issues,
      });
    }
    if (batch.length >= batchSize) await flush();
  }
  if (batch.length) await flush();
  await inFlight;
  summary.rejects.sort((a, b) => a.line - b.line);
  if (rejectsOut) {
    rejectsOut.end();
    await once(rejectsOut, 'finish');
  }
  return summary;
}
