// The two access stores as backends of one conformance suite (as OpenFGA and Keto run one storage
// suite against every backend): the in-memory store (what previews of access changes run on) and the
// MongoDB store the gateway uses. test/authz/cases.test.ts and test/authz/store.test.ts run on both.
import { MemoryAccessStore, type AccessStore } from '../../src/authz';
import { accessStore } from './access';
import { connectTestDatabase } from './database';

/** How a case gets an empty store holding the two accounts and their owners. */
export interface Backend {
  name: string;
  open(): Promise<void>;
  fresh(owners: Record<string, string>): Promise<AccessStore>;
  close(): Promise<void>;
}

export const memoryBackend: Backend = {
  name: 'in-memory store',
  async open() {},
  async fresh(owners) {
    const store = new MemoryAccessStore();
    for (const [accountId, ownerId] of Object.entries(owners)) store.addAccount(accountId, ownerId);
    return store;
  },
  async close() {},
};

/** The mongoose store on the run's database (embedded, or MONGODB_URI), emptied between cases with its indexes kept. */
export function mongoBackend(): Backend {
  let conn: Awaited<ReturnType<typeof connectTestDatabase>> | null = null;
  return {
    name: 'MongoDB store',
    async open() {
      conn = await connectTestDatabase();
    },
    async fresh(owners) {
      for (const c of await conn!.db.collections()) await c.deleteMany({});
      const { Account, Member } = accessStore.models;
      for (const [accountId, ownerId] of Object.entries(owners)) {
        // The store reads only these facts of an account (src/store/access/registered.ts); written raw, as the
        // accounts module's other required fields are none of the store's business.
        await Account.collection.insertOne({ _id: accountId, ownerId, permissionsVersion: 0, ownerEpoch: 0 } as never);
        await Member.collection.insertOne({ _id: `${accountId}:${ownerId}`, accountId, userId: ownerId, createdBy: ownerId } as never);
      }
      return accessStore; // a MongoAccessStore keeps no state of its own
    },
    async close() {
      await conn?.close();
    },
  };
}
