import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the operations the tests (and a client) use, generated
// from the checked-in schema. `npm run codegen` rewrites them; a test fails
// when they are stale.
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['src/client/operations/*.graphql', 'test/operations/*.graphql'],
  generates: {
    'src/client/generated/': {
      preset: 'client',
      config: {
        scalars: { Date: 'string', DateTime: 'string', JSON: 'unknown' },
        enumsAsTypes: true,
        useTypeImports: true,
        emitLegacyCommonJSImports: false,
      },
      presetConfig: { fragmentMasking: false },
    },
  },
  hooks: {},
};

export default config;
