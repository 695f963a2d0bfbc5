/**
 * Fault injection for crash tests, in the manner of FoundationDB's and TiKV's
 * failpoints: `CAKUPAN_FAILPOINT=<point>:<n>` kills this process with SIGKILL
 * (no handler runs, nothing is flushed: a power cut as far as the database
 * can tell) the n-th time it passes `<point>`. Unset, each call is one
 * comparison. Points:
 *
 * - `append-before-commit`: a batch's rows and rejections are written inside
 *   its transaction, which has not committed
 * - `import-after-batch`: an import batch has committed and been counted
 */
export type Failpoint = 'append-before-commit' | 'import-after-batch';

const [armed, times] = (process.env.CAKUPAN_FAILPOINT ?? '').split(':');
const target = Number(times) || 1;
let passes = 0;

export function failpoint(point: Failpoint): void {
  if (armed !== point) return;
  passes += 1;
  if (passes === target) process.kill(process.pid, 'SIGKILL');
}
