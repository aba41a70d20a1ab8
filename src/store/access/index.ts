// The MongoDB access store: the AccessStore interface of the permission core (src/authz/store/types.ts)
// on mongoose. The composition root builds one (src/composition/registry.ts: createAccessStore) and hands
// it down: to the request context (`ctx.access`), the background jobs and the entry points.
import type { Model } from 'mongoose';
import type { TokenDoc } from '../../authz';
import { MongoAccessStore } from './mongo';
import type { AccountFacts, MemberFacts, StoreModels } from './registered';

export { MongoAccessStore };
export { backfillAdminPermissions, backfillBindingKeys } from './backfill';
export type { AccountFacts, MemberFacts, StoreModels };

/** A MongoAccessStore over the modules' account, member and token models (their documents hold the facts above). */
export function createMongoAccessStore<A extends AccountFacts, M extends MemberFacts, T extends TokenDoc>(given: {
  Account: Model<A>;
  Member: Model<M>;
  ApiToken: Model<T>;
}): MongoAccessStore {
  // The constraints above checked the document shapes; the store only touches those fields.
  return new MongoAccessStore(given as unknown as StoreModels);
}
