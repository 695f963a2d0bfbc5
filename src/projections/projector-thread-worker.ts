import { parentPort, workerData } from 'node:worker_threads';
import { openPostgres } from '../db/database.ts';
import type { ProjectorMessage } from './projector-thread.ts';
import { catchUp, checkpoint } from './runner.ts';

// A projector thread: brings the read models up to the log's head again and
// again while the thread that started it appends (an import), then once more
// when told the appends are over ('finish'), or stops between two batches
// ('stop'). Its own connections; the projection lock keeps it and any other
// projector from applying a batch twice.
const { url, idleMs, batchSize } = workerData as { url: string; idleMs: number; batchSize?: number };
const post = (m: ProjectorMessage) => parentPort!.postMessage(m);
const stopping = new AbortController();
let finishing = false;
let wake: (() => void) | undefined;
parentPort!.on('message', (m: 'finish' | 'stop') => {
  if (m === 'stop') stopping.abort();
  finishing = true;
  wake?.();
});

let outcome: ProjectorMessage;
try {
  const db = await openPostgres(url, 2);
  try {
    let position = -1;
    for (;;) {
      const last = finishing;
      // (told to stop before a batch: none is begun)
      const reached = stopping.signal.aborted ? await checkpoint(db) : await catchUp(db, { batchSize, signal: stopping.signal, onBatch: (p) => post({ position: p }) });
      if (last || stopping.signal.aborted) {
        outcome = { done: reached };
        break;
      }
      // nothing new: wait for the next appends (or the word to finish)
      if (reached === position) await new Promise<void>((resolve) => setTimeout((wake = resolve), idleMs));
      wake = undefined;
      position = reached;
    }
  } finally {
    await db.close();
  }
} catch (e) {
  outcome = { error: e instanceof Error ? e.message : String(e) };
}
post(outcome);
parentPort!.close();
