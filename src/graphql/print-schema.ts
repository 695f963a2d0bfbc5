// Prints the schema to schema/schema.graphql (the checked-in contract).
import { writeFileSync } from 'node:fs';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './schema/index.ts';

export const printedSchema = () => printSchema(lexicographicSortSchema(schema)) + '\n';

if (process.argv[1]?.endsWith('print-schema.ts')) {
  if (process.argv.includes('--stdout')) process.stdout.write(printedSchema());
  else {
    writeFileSync(new URL('../../schema/schema.graphql', import.meta.url), printedSchema());
    process.stdout.write('wrote schema/schema.graphql\n');
  }
}
