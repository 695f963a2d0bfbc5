import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { generateScenario, type ScenarioSummary } from '../scenario/scenario.ts';
import { progressBar } from './progress.ts';

/**
 * Writes all of a chunk to a file descriptor. A pipe may be non-blocking: a
 * write can then take only part of the chunk, or fail with EAGAIN until the
 * reader catches up.
 */
function writeAll(fd: number, chunk: string): void {
  let buf = Buffer.from(chunk);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (buf.length) {
    try {
      buf = buf.subarray(writeSync(fd, buf));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 2);
    }
  }
}

type Options = { scale: number; seed: number; region?: string; out?: string; progress: boolean };

/** Writes a scenario file atomically (a temporary file renamed at the end). */
export function writeScenario(out: string, opts: { scale: number; seed: number; region?: string; progress?: boolean }): ScenarioSummary {
  const tmp = `${out}.partial`;
  const fd = openSync(tmp, 'w');
  const bar = progressBar('scenario', 'periods', opts.progress ?? true);
  try {
    bar?.start(1, 0);
    const summary = generateScenario({ ...opts, onProgress: (done, total) => (bar?.setTotal(total), bar?.update(done)) }, (chunk) => writeAll(fd, chunk));
    closeSync(fd);
    renameSync(tmp, out);
    return summary;
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    bar?.stop();
  }
}

export function scenarioCommand(options: Options): void {
  try {
    const started = performance.now();
    let summary: ScenarioSummary;
    if (options.out) summary = writeScenario(options.out, options);
    else summary = generateScenario(options, (chunk) => writeAll(1, chunk));
    const types = Object.entries(summary.byType).map(([t, n]) => `${t} ${n}`).join(', ');
    process.stderr.write(
      `${summary.events} events (${types}) for ${summary.regencies} regencies/cities, effective ${summary.from} to ${summary.to}` +
        `${options.out ? ` written to ${options.out}` : ''} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
  } catch (e) {
    process.stderr.write(`cakupan scenario: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  }
}
