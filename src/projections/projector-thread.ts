import { Worker } from 'node:worker_threads';

/** What a projector thread tells the thread that started it. */
export type ProjectorMessage = { position: number } | { done: number } | { error: string };

/**
 * Projects the log on PostgreSQL in a worker thread while this thread goes on
 * appending (`cakupan import`): the read models follow the import instead of
 * starting after it, and the fold runs on the core the import leaves. Batches
 * are the runner's own (`catchUp`), each atomic with its checkpoint, so the
 * read models are what a projection after the import would give.
 */
export class ProjectorThread {
  readonly #worker: Worker;
  readonly #result: Promise<number>;
  #position = 0;

  /**
   * `idleMs`: how long the thread waits when it finds nothing new before it
   * looks again; `batchSize`: events per batch (the runner's default).
   */
  constructor(url: string, opts: { idleMs?: number; batchSize?: number; onBatch?: (position: number) => void } = {}) {
    this.#worker = new Worker(new URL('./projector-thread-entry.js', import.meta.url), {
      workerData: { url, idleMs: opts.idleMs ?? 100, batchSize: opts.batchSize },
    });
    this.#result = new Promise<number>((resolve, reject) => {
      this.#worker.on('message', (m: ProjectorMessage) => {
        if ('position' in m) {
          this.#position = m.position;
          opts.onBatch?.(m.position);
        } else if ('done' in m) resolve(m.done);
        else reject(new Error(`projecting alongside: ${m.error}`));
      });
      this.#worker.on('error', reject);
      // (after its last word, an exit changes nothing)
      this.#worker.on('exit', (code) => reject(new Error(`the projector thread exited (code ${code}) before it said where it stopped`)));
    });
    // (a failure is the caller's to see when it asks for the result)
    this.#result.catch(() => undefined);
  }

  /** The position of the last batch the thread committed. */
  get position(): number {
    return this.#position;
  }

  /**
   * The appends' own result; when they fail, the thread is stopped first
   * (what both committed stays, each batch whole) and their error thrown.
   */
  async during<T>(appends: Promise<T>): Promise<T> {
    try {
      return await appends;
    } catch (e) {
      await this.stop().catch(() => undefined);
      throw e;
    }
  }

  /**
   * Says the appends are over: the thread brings the read models up to the
   * head once more and stops. Resolves with the position they are at.
   */
  finish(): Promise<number> {
    return this.#end('finish');
  }

  /**
   * Stops the thread after the batch it is applying (the appends failed):
   * what it committed stays, each batch whole. Resolves with its position.
   */
  stop(): Promise<number> {
    return this.#end('stop');
  }

  async #end(word: 'finish' | 'stop'): Promise<number> {
    this.#worker.postMessage(word);
    try {
      return await this.#result;
    } catch (e) {
      await this.#worker.terminate();
      throw e;
    }
  }
}
