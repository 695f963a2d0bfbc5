import { existsSync, statSync } from 'node:fs';
import { importFile } from '../importer/import-file.ts';
import { catchUp, projectionStatus, slowestProjection } from '../projections/runner.ts';
import { ProjectorThread } from '../projections/projector-thread.ts';
import { progressBar } from './progress.ts';
import { withDatabase } from './run.ts';

/** Files larger than this are projected alongside their import on PostgreSQL. */
const ALONGSIDE_BYTES = 4 * 1024 * 1024;

type Options = { rejects?: string; batchSize: number; parseWorkers?: number; progress: boolean; project: boolean; retryRejected?: boolean; maxLineKb?: number };

export const importCommand = (file: string, options: Options) =>
  withDatabase('import', async (db, config) => {
    if (!existsSync(file)) throw new Error(`no such file: ${file}`);
    const rejectsPath = options.rejects ?? `${file.replace(/\.ndjson$/, '')}.rejects.ndjson`;
    const bar = progressBar('importing', 'bytes', options.progress);
    bar?.start(1, 0);
    const started = performance.now();
    // On PostgreSQL the read models of a large file follow its import in a thread of their own,
    // whose fold uses the core the appends leave (a small file is projected after: sooner than a thread starts)
    const alongside = options.project && db.engine === 'postgres' && db.url && statSync(file).size > ALONGSIDE_BYTES ? new ProjectorThread(db.url) : undefined;
    const importing = importFile(db, config, file, {
      batchSize: options.batchSize,
      parseWorkers: options.parseWorkers,
      retryRejected: options.retryRejected,
      maxLineBytes: options.maxLineKb === undefined ? undefined : options.maxLineKb * 1024,
      rejectsPath,
      onProgress: (done, total) => {
        bar?.setTotal(total);
        bar?.update(done);
      },
    });
    const summary = await (alongside ? alongside.during(importing) : importing);
    bar?.stop();
    const seconds = (performance.now() - started) / 1000;
    const out = process.stdout;
    out.write(
      `${summary.lines} lines: ${summary.appended} appended, ${summary.duplicates} already in the log, ` +
        `${summary.rejected} rejected (${seconds.toFixed(1)} s); log head at position ${summary.headPosition}\n`,
    );
    if (options.retryRejected) out.write('--retry-rejected: lines whose ids were rejected before were decided again against the current log\n');
    if (summary.rejectedEarlier) {
      out.write(`${summary.rejectedEarlier} of the rejected lines were rejected by an earlier import and are reported as decided then (--retry-rejected decides them again)\n`);
    }
    for (const r of summary.rejects.slice(0, 20)) {
      for (const e of r.errors) out.write(`  line ${r.line}: ${r.code} ${e.field}: ${e.reason}${r.decidedAt ? ` (decided ${r.decidedAt})` : ''}\n`);
    }
    if (summary.rejected > 20) out.write(`  … and ${summary.rejected - 20} more\n`);
    if (summary.rejected) out.write(`rejected lines written to ${rejectsPath}\n`);
    if (options.project) {
      const projecting = performance.now();
      const position = alongside ? await alongside.finish() : await catchUp(db);
      const took = ((performance.now() - projecting) / 1000).toFixed(1);
      out.write(`read models at position ${position} (${alongside ? `projected alongside the import, up to the head ${took} s after it` : `projected in ${took} s`})\n`);
    } else {
      const { position } = slowestProjection(await projectionStatus(db));
      out.write(`read models at position ${position}, not projected (--no-project): a running server on PostgreSQL follows the log, or run \`cakupan project\`\n`);
    }
    return summary.rejected ? 1 : 0;
  });
