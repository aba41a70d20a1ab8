// The process's access store: MongoAccessStore. Services import `accessStore` from here; the
// conformance cases build a MemoryAccessStore.
import { MongoAccessStore } from './mongo';
import type { AccessStore } from './types';

export const accessStore: AccessStore = new MongoAccessStore();

export { MemoryAccessStore } from './memory';
export * from './types';
