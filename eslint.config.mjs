import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

// Only the MongoDB access store (src/store/access) touches the role, binding and invitation models.
const ACCESS_STORE_INSIDE = {
  regex: '(^|/)store/access/(models|mongo)$',
  message:
    'Use the access store (ctx.access, or the AccessStore handed to you) — only src/store/access touches the role, binding and invitation models.',
};
// The permission core (src/authz, src/authz/README.md) knows neither GraphQL nor MongoDB, nor any layer above it.
const CORE_PURE = [
  {
    regex: '^(graphql|@graphql-tools/[^/]+|mongoose|mongodb)(/|$)',
    message: 'The permission core (src/authz) knows neither GraphQL nor MongoDB: that belongs to src/graphql/authz or src/store/access.',
  },
  {
    // src/modules: NO_MODULES below says it for every layer.
    regex: '^(\\.\\./)+(graphql|db|http|store)(/|$)',
    message:
      'The permission core (src/authz) imports nothing of src/graphql, src/db, src/http or src/store (nor src/modules): they call it, it never calls them.',
  },
];
// Mechanism apart from policy: outside src/modules only the composition root imports a module.
const NO_MODULES = {
  regex: '(^|/)modules(/|$)',
  message:
    'Only src/modules and the composition root import a module: what this layer needs of a module is registered in src/composition/registry.ts (registerModules() and its lists).',
};
// What may import module internals outside src/modules: the composition root that builds the one list
// (src/composition/registry.ts); the generated resolver types (codegen maps types to module documents);
// and the parts that are module-like adapters themselves: the demo seed writes every module's
// documents, src/scim and src/sso drive membership through the access services, the audit trail
// reads accounts and plans for retention and export, src/docs prints the module catalogue.
const MAY_IMPORT_MODULES = [
  'src/modules/**',
  'src/composition/registry.ts',
  'src/generated/**',
  'src/seed/**',
  'src/scim/**',
  'src/sso/**',
  'src/audit/**',
  'src/docs/**',
];

// The closed set of error codes (src/errors.ts `ErrorCode`): nowhere else written as a string literal.
const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.tools/', 'data/', 'coverage/', 'src/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off', 'no-console': 'off' },
  },
  { files: ['scripts/**/*.mjs', 'src/seed/**/*.ts', 'src/main.ts'], rules: { 'no-console': 'off' } },
  // One access store: nothing outside src/store/access touches the role, binding and invitation models
  // (but the Account connections' pages of roles and invitations, src/graphql/authz/connections.ts);
  // services ask the store, which bumps permissionsVersion on every write.
  {
    files: ['**/*.ts'],
    ignores: ['src/store/access/**', 'src/graphql/authz/connections.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [ACCESS_STORE_INSIDE],
        },
      ],
    },
  },
  // Layers (ARCHITECTURE.md "Layers"). No import cycle in src/: a cycle means two files are one concept
  // split in two. import-x/no-cycle skips `import type` (no option to keep it); cycles through type-only
  // imports are refused by dependency-cruiser (.dependency-cruiser.cjs), which `npm run lint` also runs.
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js'],
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true, allowUnsafeDynamicCyclicDependency: false }] },
  },
  // Mechanism apart from policy: src/authz, src/graphql/plugins (and the layers below) import no
  // module's models or services. Modules register what authorization needs (models of scope nodes, visibility
  // strategies) in one list, src/composition/registry.ts, read by the schema build.
  // The same holds for every other layer outside src/modules — authentication (src/identity), the
  // database (src/db), HTTP (src/http), the server start (src/server.ts), the GraphQL plumbing — except
  // the composition root and the adapters of MAY_IMPORT_MODULES.
  {
    files: ['src/authz/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [NO_MODULES, ...CORE_PURE] }] },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/authz/**', 'src/store/access/**', 'src/graphql/authz/connections.ts', ...MAY_IMPORT_MODULES],
    rules: { 'no-restricted-imports': ['error', { patterns: [NO_MODULES, ACCESS_STORE_INSIDE] }] },
  },
  {
    files: ['src/store/access/**/*.ts', 'src/graphql/authz/connections.ts'],
    ignores: MAY_IMPORT_MODULES,
    rules: { 'no-restricted-imports': ['error', { patterns: [NO_MODULES] }] },
  },
  // One closed set of error codes: `ErrorCode.NOT_FOUND`, never 'NOT_FOUND' (test/lint/layers.test.ts).
  {
    files: ['src/**/*.ts'],
    ignores: ['src/errors.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: `Literal[value=/^(${ERROR_CODES.join('|')})$/]`,
          message: 'Write error codes as ErrorCode.<CODE> (src/errors.ts): the closed set the API answers with.',
        },
      ],
    },
  },
  {
    files: ['web/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        React: 'readonly',
        ReactDOM: 'readonly',
        GraphiQL: 'readonly',
        sessionStorage: 'readonly',
        localStorage: 'readonly',
        document: 'readonly',
        fetch: 'readonly',
      },
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', module: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
  },
);
