import { Worker } from 'node:worker_threads';
import type { ParserConfig } from './parse-lines.ts';

type Job = { resolve: (r: Uint8Array) => void; reject: (e: Error) => void };

/**
 * Worker threads that parse blocks of import lines. Blocks go out round-robin
 * and each promise resolves with that block's results, so the caller can keep
 * file order by awaiting them in the order it sent them.
 */
export class ParsePool {
  readonly #workers: Worker[];
  readonly #jobs = new Map<number, Job>();
  #next = 0;
  #failed: Error | undefined;
  #ready = 0;

  constructor(size: number, config: ParserConfig) {
    const workerData = { nppPattern: { source: config.nppPattern.source, flags: config.nppPattern.flags }, pseudonymSecret: config.pseudonymSecret };
    this.#workers = Array.from({ length: size }, () => {
      const worker = new Worker(new URL('./parse-worker-entry.js', import.meta.url), { workerData });
      worker.on('message', (m: { id: number; results?: Uint8Array; error?: string; ready?: true }) => {
        if (m.ready) {
          this.#ready += 1;
          return;
        }
        const job = this.#jobs.get(m.id);
        this.#jobs.delete(m.id);
        if (m.results !== undefined) job?.resolve(m.results);
        else job?.reject(new Error(`parse worker failed: ${m.error}`));
      });
      worker.on('error', (e) => this.#fail(e));
      worker.on('exit', (code) => code !== 0 && this.#fail(new Error(`parse worker exited with code ${code}`)));
      return worker;
    });
  }

  /**
   * Whether every worker has loaded its code (a few hundred milliseconds after
   * the pool starts); until then the caller may as well parse on its own thread.
   */
  get ready(): boolean {
    return this.#ready === this.#workers.length;
  }

  /**
   * The block's results, encoded (see `decodeResults`): the caller decodes
   * them only when it takes them, so blocks parsed ahead wait as bytes rather
   * than as objects the garbage collector keeps copying.
   */
  parse(text: string, firstLine: number): Promise<Uint8Array> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#jobs.set(id, { resolve, reject });
      this.#workers[id % this.#workers.length].postMessage({ id, text, firstLine });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }

  #fail(e: Error): void {
    this.#failed ??= e;
    for (const job of this.#jobs.values()) job.reject(e);
    this.#jobs.clear();
  }
}
