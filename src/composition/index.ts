// The public face of src/composition (README.md): the composition root and the schema build, for the
// entry points (src/app.ts, src/server.ts, src/cluster.ts) and the tools (src/seed, src/docs).
export * from './registry';
export { buildBareSchema, buildSchema, loadTypeDefs } from './schema';
