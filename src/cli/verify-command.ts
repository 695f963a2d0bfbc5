import { verifyChain } from '../eventstore/verify.ts';
import { withDatabase } from './run.ts';

export const verifyCommand = (options: { from?: number; to?: number }) =>
  withDatabase('verify', async (db) => {
    const started = performance.now();
    const v = await verifyChain(db, options.from ?? 1, options.to ?? Number.MAX_SAFE_INTEGER);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (v.ok) {
      process.stdout.write(`hash chain intact: ${v.checkedEvents} events checked in ${seconds} s; head ${v.headPosition} ${v.headHash ?? '(empty log)'}\n`);
      return 0;
    }
    process.stdout.write(`hash chain BROKEN at position ${v.firstBadPosition}: ${v.reason} (${v.checkedEvents} events verified before it)\n`);
    return 1;
  });
