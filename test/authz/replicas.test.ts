// Freshness across replicas (docs/permissions-rules.md "Rules no role can break", rule 6): two gateway processes on one database. A change made
// through one is enforced by the other on its very next request, even though the other has the
// principal's permissions compiled and cached from the request before.
import mongoose from 'mongoose';
import { connectDatabase } from '../../src/db/connect';
import { registerModules } from '../../src/graphql/registry';
import { AccessRequest } from '../../src/modules/access/requests.model';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/gateway';
import { gqlAt, replicaSet, type Replica } from '../helpers/replicas';
import { addMember, errorsOf, inHours } from './fixtures';

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
});
