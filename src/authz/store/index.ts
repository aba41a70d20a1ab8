// The access store's interface (types.ts) and its in-memory implementation (memory.ts). The MongoDB
// implementation lives in src/store/access; which one a process uses is the composition root's choice.
export { MemoryAccessStore } from './memory';
export * from './types';
