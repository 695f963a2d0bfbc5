import { verifyChain, type Verification } from '../../eventstore/verify.ts';
import { builder } from '../builder.ts';

const VerificationRef = builder.objectRef<Verification>('LedgerVerification').implement({
  fields: (t) => ({
    ok: t.exposeBoolean('ok'),
    checkedEvents: t.exposeInt('checkedEvents'),
    firstBadPosition: t.exposeInt('firstBadPosition', { nullable: true }),
    reason: t.exposeString('reason', { nullable: true }),
  }),
});

type Head = { position: number; hash: string | null };
const LedgerRef = builder.objectRef<Head>('Ledger').implement({
  description: 'The hash-chained log: hand (headPosition, headHash) to an auditor; verify recomputes the chain.',
  fields: (t) => ({
    headPosition: t.exposeInt('position'),
    headHash: t.exposeString('hash', { nullable: true, description: 'sha256, hex' }),
    verify: t.field({
      type: VerificationRef,
      args: { fromPosition: t.arg.int(), toPosition: t.arg.int() },
      complexity: 50,
      resolve: (_h, args, ctx) => verifyChain(ctx.app.db, args.fromPosition ?? 1, args.toPosition ?? Number.MAX_SAFE_INTEGER),
    }),
  }),
});

builder.queryField('ledger', (t) =>
  t.field({
    type: LedgerRef,
    authScopes: { auditor: true },
    resolve: async (_root, _args, ctx) => {
      const [head] = await ctx.app.db.query<{ position: number; hash: Uint8Array }>('SELECT position, hash FROM events ORDER BY position DESC LIMIT 1');
      return { position: head?.position ?? 0, hash: head ? Buffer.from(head.hash).toString('hex') : null };
    },
  }),
);
