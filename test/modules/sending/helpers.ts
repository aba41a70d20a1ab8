// Shared helpers of the sending tests: members with a preset role (inserted directly until the
// members API exists), raw documents, audit events.
import mongoose from 'mongoose';
import { hashPassword } from '../../../src/crypto/passwords';
import { User } from '../../../src/modules/identity/user.model';
import { Member } from '../../../src/modules/accounts/account.model';
import { accessStore, bindDoc } from '../../helpers/access';
import { AuditEvent } from '../../../src/audit/model';
import { verifyThroughDns } from '../../helpers/dns';
import { STRONG_PASSWORD, uniqueEmail, type GqlResponse, type TestGateway, type TestOwner } from '../../helpers/gateway';

export interface TestMember {
  token: string;
  userId: string;
}

/** Adds a user to the owner's account with the preset role `roleKey` bound on the account, and logs them in. */
export async function memberWithRole(gw: TestGateway, owner: TestOwner, roleKey: string): Promise<TestMember> {
  const email = uniqueEmail(roleKey);
  const user = await User.create({ email, passwordHash: await hashPassword(STRONG_PASSWORD), name: `Test ${roleKey}` });
  await Member.create({ accountId: owner.accountId, userId: user._id, createdBy: owner.userId });
  const role = await accessStore.roleByKey(owner.accountId, roleKey);
  if (!role) throw new Error(`no preset role ${roleKey}`);
  await bindDoc({
    accountId: owner.accountId,
    userId: user._id,
    roleId: role._id,
    scopeType: 'ACCOUNT',
    scopeId: owner.accountId,
    createdBy: owner.userId,
  });
  const r = await gw.gql(`mutation($input: LoginInput!) { login(input: $input) { token user { id } } }`, {
    input: { email, password: STRONG_PASSWORD },
  });
  if (r.body.errors) throw new Error(`login failed: ${JSON.stringify(r.body.errors)}`);
  return { token: r.body.data!.login.token, userId: r.body.data!.login.user.id };
}

/** Every raw document of a collection (as stored), as JSON text. */
export async function rawJson(modelName: string, filter: Record<string, unknown> = {}): Promise<string> {
  const docs = await mongoose.connection.db!.collection(mongoose.model(modelName).collection.collectionName).find(filter).toArray();
  return JSON.stringify(docs);
}

export async function rawCount(modelName: string, filter: Record<string, unknown>): Promise<number> {
  return mongoose.connection.db!.collection(mongoose.model(modelName).collection.collectionName).countDocuments(filter);
}

export function auditEvents(accountId: string, action?: string) {
  return AuditEvent.find(action ? { accountId, action } : { accountId })
    .sort({ seq: 1 })
    .lean();
}

/** Asserts the response succeeded and returns its data. */
export function ok<T = Record<string, any>>(r: GqlResponse<T>): T {
  if (r.body.errors) throw new Error(`unexpected errors: ${JSON.stringify(r.body.errors)}`);
  return r.body.data!;
}

/** The first error's code and field. */
export function badInput(r: GqlResponse): { code?: string; field?: string } {
  return { code: r.body.errors?.[0]?.extensions?.code, field: r.body.errors?.[0]?.extensions?.field };
}

export const CREATE_DOMAIN = `mutation($input: CreateDomainInput!) { createDomain(input: $input) { id name state } }`;

export async function createDomain(gw: TestGateway, owner: TestOwner, name: string): Promise<string> {
  return ok(await gw.gql(CREATE_DOMAIN, { input: { workspaceId: owner.workspaceId, name } }, owner.token)).createDomain.id;
}

/** Publishes the domain's required records on the test DNS server and verifies it. */
export async function verify(gw: TestGateway, owner: TestOwner, domainId: string): Promise<void> {
  await verifyThroughDns(gw, gw.dns, owner, domainId);
}

let n = 0;
export function uniqueDomain(tag = 'mg'): string {
  n += 1;
  return `${tag}${n}-${Math.random().toString(36).slice(2, 8)}.example.com`;
}
