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
  /** Decide again the lines whose event ids were rejected against the log by an earlier import (otherwise that rejection is reported again). */
  retryRejected?: boolean;
};

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
  const take = async (parsed: Uint8Array | LineResult[], bytes: number) => {
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
  const ahead: { results: Promise<Uint8Array | LineResult[]>; bytes: number }[] = [];
  // Enough to keep the workers busy through a whole batch's database work.
  // Parsed inline, a block is taken as soon as it is read.
  const maxAhead = pool ? Math.max(2, Math.ceil((batchSize * 2 * 500) / blockBytes)) : 1;
  try {
    let pending: Buffer = Buffer.alloc(0);
    let bytesSent = 0;
    const send = (block: Buffer) => {
      const text = block.toString('utf8');
      bytesSent += block.length;
      ahead.push({ results: parse(text, summary.lines + 1), bytes: bytesSent });
      summary.lines += countLines(block);
    };
    for await (const chunk of createReadStream(file, { highWaterMark: blockBytes })) {
      const data = pending.length ? Buffer.concat([pending, chunk as Buffer]) : (chunk as Buffer);
      const cut = data.lastIndexOf(10);
      if (cut < 0) {
        pending = data;
        continue;
      }
      send(data.subarray(0, cut + 1));
      pending = Buffer.from(data.subarray(cut + 1));
      while (ahead.length >= maxAhead) {
        const next = ahead.shift()!;
        await take(await next.results, next.bytes);
      }
    }
    if (pending.length) send(pending);
    while (ahead.length) {
      const next = ahead.shift()!;
      await take(await next.results, next.bytes);
    }
    if (batch.length) await flush();
    await inFlight;
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

/** Lines in a block: its newlines, plus one for a last line without a newline. */
function countLines(block: Buffer): number {
  let n = 0;
  for (let i = block.indexOf(10); i >= 0; i = block.indexOf(10, i + 1)) n += 1;
  return block.length && block[block.length - 1] !== 10 ? n + 1 : n;
}
