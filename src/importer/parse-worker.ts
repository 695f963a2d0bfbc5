import { parentPort, workerData } from 'node:worker_threads';
import { lineBlockParser } from './parse-lines.ts';

// A parse worker: validates and pseudonymises blocks of import lines off the
// main thread, which keeps deciding, hashing and writing.
const { nppPattern, pseudonymSecret } = workerData as { nppPattern: { source: string; flags: string }; pseudonymSecret: string };
const parseBlock = lineBlockParser({ nppPattern: new RegExp(nppPattern.source, nppPattern.flags), pseudonymSecret });

parentPort!.on('message', (job: { id: number; text: string; firstLine: number }) => {
  try {
    // One JSON string crosses the thread boundary faster than structured clones of many small objects.
    parentPort!.postMessage({ id: job.id, results: JSON.stringify(parseBlock(job.text, job.firstLine)) });
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: e instanceof Error ? e.stack ?? e.message : String(e) });
  }
});
