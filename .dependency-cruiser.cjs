// dependency-cruiser checks two things in src/ (`npm run lint`; test/lint/layers.test.ts proves both bite):
// - no import cycle, type-only imports included: ESLint's import-x/no-cycle (eslint.config.mjs) skips
//   `import type`, yet a type cycle still ties two files into one concept split in two;
// - the layers of ARCHITECTURE.md "Layers": a file imports only from its own layer or the layers below,
//   save the exceptions named there (EXCEPTIONS below, each with its reason).

/** src/'s top-level folders and files, bottom first (ARCHITECTURE.md "Layers"). Every file of src/ is in one. */
const LAYERS = [
  { name: 'base', path: '^src/(errors|paths|csv)[.]ts$' },
  { name: 'limits', path: '^src/limits/' },
  { name: 'config', path: '^src/config[.]ts$' },
  { name: 'db', path: '^src/db/' },
  { name: 'crypto-mail', path: '^src/(crypto|mail)/' },
  { name: 'identity', path: '^src/identity/' },
  { name: 'authz', path: '^src/authz/' },
  // The access store's MongoDB implementation: implements src/authz's AccessStore on src/db.
  { name: 'store', path: '^src/store/' },
  { name: 'observability', path: '^src/(observability/|logger[.]ts$)' },
  { name: 'http', path: '^src/http/' },
  { name: 'graphql', path: '^src/graphql/' },
  // Modules and the module-like adapters, with the generated resolver types that map GraphQL types to their documents.
  { name: 'policy', path: '^src/(modules|audit|scim|sso|generated)/' },
  // The composition root: the one list of what the modules give the layers below, and the schema build.
  { name: 'composition', path: '^src/composition/' },
  { name: 'tools', path: '^src/(seed|docs)/' },
  { name: 'entry', path: '^src/(app|server|cluster|main)[.]ts$' },
];

/**
 * The dependencies allowed to run back up, by name (ARCHITECTURE.md "Layers" says why). `from` is a set
 * of files of `layer`, `to` what they may reach above it.
 */
const EXCEPTIONS = [
  {
    name: 'context-audit-recorder',
    layer: 'graphql',
    reason: "the request context carries the request's AuditRecorder (src/audit/recorder.ts)",
    from: '^src/graphql/context[.]ts$',
    to: '^src/audit/recorder[.]ts$',
  },
];

/**
 * Deep imports across layers: a file imports another layer's folder by its index.ts (`../db`), never a file
 * inside it (`../db/ids`). Folders of one layer may import each other's files (they are peers: the module
 * areas of the policy layer). Allowed by name (DEEP_EXCEPTIONS): the upward exceptions above, each
 * reaching the one file it needs, and these.
 */
const DEEP_EXCEPTIONS = [
  {
    name: 'tracing-first',
    layer: 'entry',
    reason: 'src/main.ts starts tracing before anything it instruments loads: tracing-start.ts on its own, not the index',
    from: '^src/main[.]ts$',
    to: '^src/observability/tracing-start[.]ts$',
  },
];

const above = (i) =>
  LAYERS.slice(i + 1)
    .map((l) => `(${l.path})`)
    .join('|');

const layerRules = LAYERS.flatMap((layer, i) => {
  if (i === LAYERS.length - 1) return [];
  const own = EXCEPTIONS.filter((e) => e.layer === layer.name);
  const comment = `${layer.name} imports only from its own layer and the ones below (ARCHITECTURE.md "Layers")`;
  return [
    {
      name: `layer-${layer.name}`,
      severity: 'error',
      comment,
      from: { path: layer.path, pathNot: EXCEPTIONS.map((e) => e.from) },
      to: { path: above(i) },
    },
    ...own.map((e) => ({
      name: `layer-${layer.name}`,
      severity: 'error',
      comment: `${comment}; named exception ${e.name}: ${e.reason}`,
      from: { path: e.from },
      to: { path: above(i), pathNot: e.to },
    })),
  ];
});

const deepRules = LAYERS.flatMap((layer) => {
  const comment = `import another layer's folder by its index.ts, not a file inside it (ARCHITECTURE.md "Layers")`;
  const notDeep = [layer.path, '^src/[^/]+/index[.]ts$'];
  const own = [...EXCEPTIONS, ...DEEP_EXCEPTIONS].filter((e) => e.layer === layer.name);
  return [
    {
      name: 'no-deep-import',
      severity: 'error',
      comment,
      from: { path: layer.path, pathNot: own.map((e) => e.from) },
      to: { path: '^src/[^/]+/', pathNot: notDeep },
    },
    ...own.map((e) => ({
      name: 'no-deep-import',
      severity: 'error',
      comment: `${comment}; named exception ${e.name}: ${e.reason}`,
      from: { path: e.from },
      to: { path: '^src/[^/]+/', pathNot: [...notDeep, e.to] },
    })),
  ];
});

/** @type {import('dependency-cruiser').IConfiguration} */
const config = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Two files that import each other (types included) are one concept: move the shared part to where it belongs.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'layer-unknown',
      severity: 'error',
      comment: 'Every file of src/ belongs to a layer: place a new top-level folder in LAYERS (ARCHITECTURE.md "Layers").',
      from: { path: '^src/', pathNot: LAYERS.map((l) => l.path) },
      to: {},
    },
    ...layerRules,
    ...deepRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Keep imports TypeScript erases (import type): they are dependencies of the source all the same.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
// The deep-imports codemod (ARCHITECTURE.md "Layers") reads the layers and exceptions from here.
Object.defineProperties(config, {
  layers: { value: LAYERS },
  exceptions: { value: [...EXCEPTIONS, ...DEEP_EXCEPTIONS] },
});
module.exports = config;
