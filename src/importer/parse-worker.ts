import { parentPort, workerData } from 'node:worker_threads';
import { encodingBlockParser } from './parse-lines.ts';

// A parse worker: validates and pseudonymises blocks of import lines off the
// main thread, which keeps deciding, hashing and writing.
const { nppPattern, pseudonymSecret } = workerData as { nppPattern: { source: string; flags: string }; pseudonymSecret: string };
const parseBlock = encodingBlockParser({ nppPattern: new RegExp(nppPattern.source, nppPattern.flags), pseudonymSecret });

parentPort!.on('message', (job: { id: number; text: string; firstLine: number }) => {
  try {
    // One buffer, moved rather than copied, crosses the thread boundary faster than structured clones of many small objects.
    const results = parseBlock(job.text, job.firstLine);
    parentPort!.postMessage({ id: job.id, results }, [results.buffer]);
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: e instanceof Error ? e.stack ?? e.message : String(e) });
  }
});
// Loaded (modules compiled, schemas built): blocks sent from now on are parsed here.
parentPort!.postMessage({ ready: true });
