import { isUtf8 } from 'node:buffer';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import type { Config } from '../config/config.ts';
import { failpoint } from '../config/failpoint.ts';
import type { Database } from '../db/database.ts';
import type { AppendInput, AppendResult } from '../eventstore/append.ts';
import { AppendPipeline } from '../eventstore/pipeline.ts';
import { decodeResults, lineBlockParser, type LineResult, type Reject } from './parse-lines.ts';
import { ParsePool } from './parse-pool.ts';
import { firstInvalidUtf8 } from './utf8.ts';

export type { Reject } from './parse-lines.ts';

export type ImportSummary = {
  lines: number;
  appended: number;
  duplicates: number;
  rejected: number;
  /** Of the rejected lines, those whose ids an earlier import rejected against the log: reported again, not decided again. */
  rejectedEarlier: number;
  rejects: Reject[];
  headPosition: number;
};

export type ImportOptions = {
  batchSize?: number;
  /** Where rejected lines are written as NDJSON (line, field, reason; never the raw line, which may hold a NIK). */
  rejectsPath?: string;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /**
   * Parse workers (validation and pseudonymisation off the main thread).
   * Default: one per spare core for files over 4 MB, none for smaller ones.
   */
  parseWorkers?: number;
  /** Bytes read per block (default 512 KiB); small values let tests cut lines across reads. */
  blockBytes?: number;
  /** Whether the main thread parses the blocks read before the workers have started (default true). */
  parseWhileWorkersStart?: boolean;
  /** The longest line accepted, in bytes (default: the configuration's, 4 MiB). */
  maxLineBytes?: number;
  /** Decide again the lines whose event ids were rejected against the log by an earlier import (otherwise that rejection is reported again). */
  retryRejected?: boolean;
  /**
   * From this many appended events on (default 100,000), the log's planner
   * statistics are refreshed (`ANALYZE events`) when the import ends: a
   * server without autovacuum would otherwise plan reads of a freshly loaded
   * log from the statistics of an empty one.
   */
  analyzeAfter?: number;
};

/** Appended events past which an import refreshes the log's planner statistics. */
export const ANALYZE_AFTER = 100_000;

/**
 * Imports an NDJSON file of events. Each batch is one transaction; lines that
 * fail validation or a domain rule are reported with their line number and
 * not appended; every valid line is. An event id's outcome is final:
 * running the file again (whole, after a crash, or in pieces) reports the
 * same outcomes and leaves the same log, since rejections decided against
 * the log are recorded with the batch and reported again (`retryRejected`
 * decides them again).
 * Lines are parsed in blocks, by worker threads when there are any, while the
 * main thread decides, hashes and writes the previous batch.
 */
export async function importFile(db: Database, config: Config, file: string, opts: ImportOptions = {}): Promise<ImportSummary> {
  const batchSize = opts.batchSize ?? 10_000;
  const blockBytes = opts.blockBytes ?? 512 * 1024;
  const totalBytes = statSync(file).size;
  const workers = opts.parseWorkers ?? (totalBytes > 4 * 1024 * 1024 ? Math.max(1, Math.min(4, os.availableParallelism() - 1)) : 0);
  const pool = workers > 0 ? new ParsePool(workers, config) : undefined;
  let parseInline: ReturnType<typeof lineBlockParser> | undefined;
  // While the workers are still starting, the main thread has nothing else to do: it parses the first blocks itself.
  const inlineUntilReady = opts.parseWhileWorkersStart ?? true;
  const parse = (text: string, firstLine: number): Promise<Uint8Array | LineResult[]> =>
    pool && (pool.ready || !inlineUntilReady) ? pool.parse(text, firstLine) : Promise.resolve((parseInline ??= lineBlockParser(config))(text, firstLine));
  const summary: ImportSummary = { lines: 0, appended: 0, duplicates: 0, rejected: 0, rejectedEarlier: 0, rejects: [], headPosition: 0 };
  const rejectsOut = opts.rejectsPath ? createWriteStream(opts.rejectsPath) : undefined;
  const reject = (r: Reject) => {
    summary.rejected += 1;
    if (summary.rejects.length < 1000) summary.rejects.push(r);
    rejectsOut?.write(JSON.stringify(r) + '\n');
  };

  let batch: AppendInput[] = [];
  let lineNos: number[] = [];
  let inFlight: Promise<void> = Promise.resolve();
  let bytesDone = 0;
  const pipeline = new AppendPipeline(db, { retryRejected: opts.retryRejected });
  const flush = async () => {
    const [events, numbers, bytes] = [batch, lineNos, bytesDone];
    batch = [];
    lineNos = [];
    // Decided while the previous batch is written; at most two batches in memory.
    // If an earlier batch failed, this one is refused too, and the import reports the first failure.
    const written = pipeline.append(events);
    await inFlight;
    inFlight = written.then((result) => record(result, numbers, events, bytes));
  };
  const record = (result: AppendResult, numbers: number[], events: AppendInput[], bytes: number) => {
    for (const o of result.outcomes) {
      if (o.status === 'appended') summary.appended += 1;
      else if (o.status === 'duplicate') summary.duplicates += 1;
      else {
        if (o.decidedAt) summary.rejectedEarlier += 1;
        reject({
          line: numbers[o.index],
          eventId: o.eventId,
          type: events[o.index].type,
          code: o.error.code,
          errors: o.error.issues,
          ...(o.decidedAt ? { decidedAt: o.decidedAt.toISOString() } : {}),
        });
      }
    }
    summary.headPosition = result.headPosition;
    opts.onProgress?.(Math.min(bytes, totalBytes), totalBytes);
    failpoint('import-after-batch');
  };
  const take = async (parsed: Uint8Array | LineResult[], bytes: number, refused: Reject[]) => {
    for (const r of refused) reject(r);
    const results = parsed instanceof Uint8Array ? decodeResults(parsed) : parsed;
    for (const r of results) {
      if (r.reject) {
        reject(r.reject);
        continue;
      }
      batch.push(r.event);
      lineNos.push(r.line);
      if (batch.length >= batchSize) await flush();
    }
    bytesDone = bytes;
  };

  // Blocks in file order; a few are parsed ahead (by the workers) while the
  // main thread takes the earlier ones.
  const ahead: { results: Promise<Uint8Array | LineResult[]>; bytes: number; refused: Reject[] }[] = [];
  const maxLine = opts.maxLineBytes ?? config.importMaxLineBytes;
  // Enough to keep the workers busy through a whole batch's database work.
  // Parsed inline, a block is taken as soon as it is read.
  const maxAhead = pool ? Math.max(2, Math.ceil((batchSize * 2 * 500) / blockBytes)) : 1;
  try {
    // The start of a line that continues in the next read, kept as pieces
    // (concatenated once, when its end arrives: linear in the line's length).
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    // Reading past a line longer than maxLine (already rejected) to its end.
    let skipping = false;
    let bytesSent = 0;
    const send = (block: Buffer, refused: Reject[] = []) => {
      // lines that are not UTF-8, or too long, are refused here and parsed as blank lines (still counted)
      const utf8 = isUtf8(block);
      const checked = block.length > maxLine || !utf8 ? refuseBadLines(block, summary.lines + 1, maxLine, utf8, refused) : block;
      bytesSent += block.length;
      ahead.push({ results: parse(checked.toString('utf8'), summary.lines + 1), bytes: bytesSent, refused });
      summary.lines += countLines(block);
    };
    const drain = async (keep: number) => {
      while (ahead.length > keep) {
        const next = ahead.shift()!;
        await take(await next.results, next.bytes, next.refused);
      }
    };
    for await (const chunk of createReadStream(file, { highWaterMark: blockBytes })) {
      let data = chunk as Buffer;
      if (skipping) {
        const end = data.indexOf(10);
        if (end < 0) continue;
        skipping = false;
        bytesSent += end + 1;
        data = data.subarray(end + 1);
      }
      const cut = data.lastIndexOf(10);
      if (cut < 0) {
        pending.push(data);
        pendingBytes += data.length;
        if (pendingBytes > maxLine) {
          // counted as one blank line, refused, and read past to its end without being kept
          send(Buffer.from('\n'), [tooLong(summary.lines + 1, maxLine)]);
          bytesSent += pendingBytes - 1;
          pending = [];
          pendingBytes = 0;
          skipping = true;
        }
        continue;
      }
      send(pending.length ? Buffer.concat([...pending, data.subarray(0, cut + 1)]) : data.subarray(0, cut + 1));
      pending = cut + 1 < data.length ? [Buffer.from(data.subarray(cut + 1))] : [];
      pendingBytes = data.length - cut - 1;
      await drain(maxAhead - 1);
    }
    if (pending.length) send(Buffer.concat(pending));
    await drain(0);
    if (batch.length) await flush();
    await inFlight;
    if (summary.appended >= (opts.analyzeAfter ?? ANALYZE_AFTER)) await db.exec('ANALYZE events');
  } finally {
    await Promise.allSettled(ahead.map((a) => a.results));
    await inFlight.catch(() => undefined);
    await pool?.close();
  }
  summary.rejects.sort((a, b) => a.line - b.line);
  if (rejectsOut) {
    rejectsOut.end();
    await once(rejectsOut, 'finish');
  }
  return summary;
}

/**
 * The block with each line that is not well-formed UTF-8, or longer than
 * `maxLine` bytes, emptied (its newline kept, so lines keep their numbers),
 * and a VALIDATION reject for each pushed to `refused`: the reason names the
 * byte offset or the length, never the bytes.
 */
function refuseBadLines(block: Buffer, firstLine: number, maxLine: number, utf8: boolean, refused: Reject[]): Buffer {
  const keep: Buffer[] = [];
  let line = firstLine;
  let start = 0;
  while (start < block.length) {
    let end = block.indexOf(10, start);
    if (end < 0) end = block.length;
    const length = end - start;
    const invalid = length > maxLine || utf8 ? -1 : firstInvalidUtf8(block, start, end);
    if (length > maxLine) refused.push(tooLong(line, maxLine));
    else if (invalid >= 0) refused.push({ line, code: 'VALIDATION', errors: [{ field: '(line)', reason: `is not valid UTF-8: the byte at offset ${invalid - start} of the line is not part of a UTF-8 character` }] });
    else keep.push(block.subarray(start, Math.min(end + 1, block.length)));
    if (length > maxLine || invalid >= 0) keep.push(NEWLINE);
    start = end + 1;
    line += 1;
  }
  // a last line without a newline stays without one
  if (block.length && block[block.length - 1] !== 10 && keep.at(-1) === NEWLINE) keep.pop();
  return Buffer.concat(keep);
}

const NEWLINE = Buffer.from('\n');

const tooLong = (line: number, maxLine: number): Reject => ({
  line,
  code: 'VALIDATION',
  errors: [{ field: '(line)', reason: `is longer than ${maxLine} bytes (CAKUPAN_IMPORT_MAX_LINE_KB, --max-line-kb): one event is a few hundred bytes` }],
});

/** Lines in a block: its newlines, plus one for a last line without a newline. */
function countLines(block: Buffer): number {
  let n = 0;
  for (let i = block.indexOf(10); i >= 0; i = block.indexOf(10, i + 1)) n += 1;
  return block.length && block[block.length - 1] !== 10 ? n + 1 : n;
}
