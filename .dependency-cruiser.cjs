// Import cycles in src/, type-only imports included: ESLint's import-x/no-cycle (eslint.config.mjs)
// skips `import type`, yet a type cycle still ties two files into one concept split in two.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Two files that import each other (types included) are one concept: move the shared part to where it belongs.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Keep imports TypeScript erases (import type): they are dependencies of the source all the same.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
