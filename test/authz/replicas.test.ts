// Freshness across replicas (docs/permissions-rules.md "Rules no role can break", rule 6): two gateway processes on one database. A change made
// through one is enforced by the other on its very next request, even though the other has the
// principal's permissions compiled and cached from the request before.
import mongoose from 'mongoose';
import { generate } from 'otplib';
import { connectDatabase } from '../../src/db/connect';
import { registerModules } from '../../src/composition/registry';
import { AccessRequest } from '../../src/modules/access/requests.model';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/gateway';
import { gqlAt, replicaSet, type Replica } from '../helpers/replicas';
import { Member } from '../../src/modules/accounts/account.model';
import { addMember, bind, errorsOf, inHours } from './fixtures';

const set = replicaSet();
const dbName = set.dbName;
const gql = gqlAt;

let a: Replica;
let b: Replica;
let owner: { token: string; userId: string; accountId: string; workspaceId: string };

beforeAll(async () => {
  [a, b] = await Promise.all([set.start(), set.start()]);
  // This process writes fixtures straight to the replicas' database.
  registerModules(); // the access store's models (no schema is built in this process)
  await connectDatabase({ uri: process.env.POSTERN_TEST_MONGODB_URI!, dbName });
  const r = await gql(
    a,
    `mutation($i: SignUpInput!) { signUp(input: $i) { token user { id } account { id workspaces { edges { node { id } } } } } }`,
    { i: { email: uniqueEmail('rep'), password: STRONG_PASSWORD, name: 'Rita Replica', accountName: 'Replicated' } },
  );
  const p = r.body.data!.signUp;
  owner = { token: p.token, userId: p.user.id, accountId: p.account.id, workspaceId: p.account.workspaces.edges[0].node.id };
}, 60_000);

afterAll(async () => {
  await mongoose.connection.db?.dropDatabase();
  await mongoose.disconnect();
  await set.stop();
});

const WORKSPACE = `query($id: ID!) { workspace(id: $id) { id } }`;

describe('two gateway processes on one database', () => {
  it('an access grant and its removal made through A are in force on B at once', async () => {
    const m = await addMember(owner.accountId, owner.userId, ['account:view']);
    // B compiles and caches the member's permissions: no workspaces:view.
    expect(errorsOf(await gql(b, WORKSPACE, { id: owner.workspaceId }, m.token))[0]).toMatchObject({ code: 'FORBIDDEN' });

    const req = await gql(
      b,
      `mutation($i: RequestAccessInput!) { requestAccess(input: $i) { id } }`,
      { i: { permission: 'workspaces:view', scope: { type: 'WORKSPACE', id: owner.workspaceId } } },
      m.token,
    );
    const id = req.body.data!.requestAccess.id as string;
    const ok = await gql(
      a,
      `mutation($i: ResolveAccessRequestInput!) { resolveAccessRequest(input: $i) { status } }`,
      { i: { id, approve: true, expiresAt: inHours(1) } },
      owner.token,
    );
    expect(ok.body.data!.resolveAccessRequest.status).toBe('APPROVED');
    expect((await gql(b, WORKSPACE, { id: owner.workspaceId }, m.token)).body.data!.workspace.id).toBe(owner.workspaceId);

    const bindingId = (await AccessRequest.findById(id).lean())!.bindingId!;
    const un = await gql(a, `mutation($id: ID!) { unassignRole(id: $id) }`, { id: bindingId }, owner.token);
    expect(un.body.errors).toBeUndefined();
    expect(errorsOf(await gql(b, WORKSPACE, { id: owner.workspaceId }, m.token))[0]).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'workspaces:view',
    });
  });

  it('a role edited through A loses its permission on B at once', async () => {
    const m = await addMember(owner.accountId, owner.userId, ['account:view', 'workspaces:view']);
    expect((await gql(b, WORKSPACE, { id: owner.workspaceId }, m.token)).body.data!.workspace.id).toBe(owner.workspaceId);
    const edit = await gql(
      a,
      `mutation($id: ID!, $i: UpdateRoleInput!) { updateRole(id: $id, input: $i) { permissions } }`,
      { id: m.roleId, i: { permissions: ['account:view'] } },
      owner.token,
    );
    expect(edit.body.errors).toBeUndefined();
    expect(errorsOf(await gql(b, WORKSPACE, { id: owner.workspaceId }, m.token))[0]).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('a token revoked through A is refused by B at once', async () => {
    const created = await gql(
      a,
      `mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { token apiToken { id } } }`,
      { i: { accountId: owner.accountId, name: 'replica', scopes: ['workspaces:view'], expiresAt: inHours(1) } },
      owner.token,
    );
    const { token, apiToken } = created.body.data!.createApiToken;
    expect((await gql(b, WORKSPACE, { id: owner.workspaceId }, token)).body.data!.workspace.id).toBe(owner.workspaceId);
    expect(
      (await gql(a, `mutation($id: ID!) { revokeApiToken(id: $id) }`, { id: apiToken.id }, owner.token)).body.data!.revokeApiToken,
    ).toBe(true);
    const after = await gql(b, WORKSPACE, { id: owner.workspaceId }, token);
    expect(errorsOf(after)[0]!.code).toBe('UNAUTHENTICATED');
  });

  it('a second factor turned on or off through A is what B holds another session of the person to, at once', async () => {
    const ACCOUNT = `query($id: ID!) { account(id: $id) { id } }`;
    const ENABLE = `mutation { enableTwoFactor { secret } }`;
    const CONFIRM = `mutation($code: String!) { confirmTwoFactor(code: $code) { recoveryCodes } }`;
    const REQUIRE = `mutation($i: SetRequireTwoFactorInput!) { setRequireTwoFactor(input: $i) { requireTwoFactor } }`;
    const code = (secret: string) => generate({ secret, epoch: Math.floor(Date.now() / 1000) });
    const enrol = async (r: Replica, token: string) => {
      const secret = (await gql(r, ENABLE, {}, token)).body.data!.enableTwoFactor.secret as string;
      const c = await gql(r, CONFIRM, { code: await code(secret) }, token);
      expect(c.body.errors).toBeUndefined();
      return c.body.data!.confirmTwoFactor.recoveryCodes as string[];
    };
    const require2fa = async (on: boolean) =>
      expect((await gql(a, REQUIRE, { i: { accountId: owner.accountId, requireTwoFactor: on } }, owner.token)).body.errors).toBeUndefined();

    // Quinn signs up through A (session qa), joins the owner's account as a Viewer, and signs in on B too (qb).
    const email = uniqueEmail('quinn');
    const up = await gql(a, `mutation($i: SignUpInput!) { signUp(input: $i) { token user { id } } }`, {
      i: { email, password: STRONG_PASSWORD, name: 'Quinn Second', accountName: 'Quinn Co' },
    });
    const qa = up.body.data!.signUp.token as string;
    const quinnId = up.body.data!.signUp.user.id as string;
    await Member.create({ accountId: owner.accountId, userId: quinnId, createdBy: owner.userId });
    const viewer = await mongoose.model('Role').findOne({ accountId: owner.accountId, key: 'viewer' }).lean<{ _id: string }>();
    await bind(owner.accountId, quinnId, viewer!._id, { type: 'ACCOUNT', id: owner.accountId }, owner.userId);
    const qb = (await gql(b, `mutation($i: LoginInput!) { login(input: $i) { token } }`, { i: { email, password: STRONG_PASSWORD } })).body
      .data!.login.token as string;
    expect((await gql(b, ACCOUNT, { id: owner.accountId }, qb)).body.data!.account.id).toBe(owner.accountId);

    // The owner requires a second factor: Quinn has none, B refuses qb.
    await enrol(a, owner.token);
    await require2fa(true);
    expect(errorsOf(await gql(b, ACCOUNT, { id: owner.accountId }, qb))[0]).toMatchObject({ code: 'FORBIDDEN' });

    // Quinn enrols through A with the other session: B lets qb in on its next request.
    const recoveryCodes = await enrol(a, qa);
    expect((await gql(b, ACCOUNT, { id: owner.accountId }, qb)).body.data!.account.id).toBe(owner.accountId);

    // Requirement off, Quinn turns the second factor off through A, requirement on again: B refuses qb at once.
    await require2fa(false);
    const off = await gql(a, `mutation($code: String!) { disableTwoFactor(code: $code) }`, { code: recoveryCodes[0] }, qa);
    expect(off.body.data!.disableTwoFactor).toBe(true);
    await require2fa(true);
    const refused = await gql(b, ACCOUNT, { id: owner.accountId }, qb);
    expect(errorsOf(refused)[0]).toMatchObject({ code: 'FORBIDDEN' });
    expect(refused.body.errors![0]!.extensions!.reason).toBe('TWO_FACTOR_ENROLMENT_REQUIRED');
    await require2fa(false);
  });
});
