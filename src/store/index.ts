// Storage adapters of the core's interfaces (src/store/README.md): the MongoDB access store.
export * from './access';
export { Invitation, Role } from './access/models';
