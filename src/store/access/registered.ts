// The documents of modules that the access store keeps facts in: an account's owner, owner epoch and
// permissionsVersion, memberships, partner tokens. Their models live in the modules (accounts, access);
// the composition root (src/composition/registry.ts: createAccessStore) hands them to the MongoAccessStore's
// constructor, so the store imports no module.
import type { Model } from 'mongoose';
import type { BaseDoc } from '../../db';
import type { TokenDoc } from '../../authz';

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
