// The documents of modules that the access store keeps facts in: an account's owner, owner epoch and
// permissionsVersion, memberships, partner tokens. Their models live in the modules (accounts, access);
// the schema build hands them over in src/graphql/registry.ts, so src/authz imports no module.
import type { Model } from 'mongoose';
import type { BaseDoc } from '../../db/schema';
import type { TokenDoc } from './types';

/** What the store reads and writes of an account. */
export interface AccountFacts extends BaseDoc {
  ownerId: string;
  permissionsVersion: number;
  ownerEpoch?: number;
  /** The account gate's flags (src/identity/gate.ts). */
  requireTwoFactor?: boolean;
  ssoRequired?: boolean;
}

/** Membership of a user in an account. */
export interface MemberFacts extends BaseDoc {
  accountId: string;
  userId: string;
  createdBy: string;
}

export interface StoreModels {
  Account: Model<AccountFacts>;
  Member: Model<MemberFacts>;
  ApiToken: Model<TokenDoc>;
}

let models: StoreModels | null = null;

/** Set once by registerModules() (src/graphql/registry.ts); the documents must hold the facts above. */
export function registerStoreModels<A extends AccountFacts, M extends MemberFacts, T extends TokenDoc>(given: {
  Account: Model<A>;
  Member: Model<M>;
  ApiToken: Model<T>;
}): void {
  // The constraints above checked the document shapes; the store only touches those fields.
  models = given as unknown as StoreModels;
}

export function storeModels(): StoreModels {
  if (!models) throw new Error('The access store has no models: call registerModules() (src/graphql/registry.ts) first');
  return models;
}
