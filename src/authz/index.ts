// The permission core's public face (src/authz/README.md): catalogue, compile, check, rules, explain,
// who-can, review and the access-change dry run, over plain data and the AccessStore interface.
// Nothing here knows GraphQL or MongoDB: the GraphQL edge is src/graphql/authz, the MongoDB store
// src/store/access.
export * from './catalogue';
export * from './roles';
export * from './packs';
export * from './resources';
export * from './bitset';
export * from './compile';
export * from './compile-for';
export * from './check';
export * from './scope-node';
export * from './rules';
export * from './account-access';
export * from './explain';
export * from './who-can';
export * from './review';
export * from './access-map';
export * from './changes';
export * from './preview';
export * from './visibility';
export * from './contact';
export * from './store';
export * from './store/placement';
