import { builder } from '../builder.ts';
import './scalars.ts';
import './errors.ts';
import './enums.ts';
import './coverage.ts';
import './targets.ts';
import './regions.ts';
import './employers.ts';
import './append-events.ts';
import './commands.ts';
import './ledger.ts';
import './events.ts';
import './replay.ts';
import './figures.ts';
import './freshness.ts';
import './live.ts';
import './keys.ts';

builder.queryType({});
builder.mutationType({});

export const schema = builder.toSchema({ sortSchema: true });
