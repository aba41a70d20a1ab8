// A role bound on one DOMAIN (Mailtrap's Domain Admin): that domain and its children, nothing else;
// deleting the domain removes the binding too.
import { errorCode, startTestGateway, STRONG_PASSWORD, uniqueEmail, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { hashPassword } from '../../../src/crypto/passwords';
import { User } from '../../../src/modules/identity/user.model';
import { Member } from '../../../src/modules/accounts/account.model';
import { bindDoc, createRoleDoc } from '../../helpers/access';
import { CREATE_DOMAIN, createDomain, ok, rawCount, uniqueDomain } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
let mine: string;
let other: string;
let token: string;

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  mine = await createDomain(gw, owner, uniqueDomain('mine'));
  other = await createDomain(gw, owner, uniqueDomain('other'));
  const email = uniqueEmail('domadmin');
  const user = await User.create({ email, passwordHash: await hashPassword(STRONG_PASSWORD), name: 'Dom Admin' });
  await Member.create({ accountId: owner.accountId, userId: user._id, createdBy: owner.userId });
  const role = await createRoleDoc({
    accountId: owner.accountId,
    key: 'domain-admin',
    name: 'Domain Admin',
    permissions: ['domains:view', 'domains:edit', 'smtpCredentials:*', 'suppressions:*'],
    createdBy: owner.userId,
  });
  await bindDoc({
    accountId: owner.accountId,
    userId: user._id,
    roleId: role._id,
    scopeType: 'DOMAIN',
    scopeId: mine,
    workspaceId: owner.workspaceId,
    domainId: mine,
    createdBy: owner.userId,
  });
  token = ok(
    await gw.gql(`mutation($input: LoginInput!) { login(input: $input) { token } }`, { input: { email, password: STRONG_PASSWORD } }),
  ).login.token;
});
afterAll(() => gw.stop());

const DOMAIN = `query($id: ID!) { domain(id: $id) { id name workspace { domains { edges { node { id } } } } } }`;
const CRED = `mutation($d: ID!) { createSmtpCredential(input: { domainId: $d, login: "ops" }) { id password } }`;

describe('a role bound on one domain', () => {
  it('reaches that domain and its children only; the workspace lists only that domain', async () => {
    const d = ok(await gw.gql(DOMAIN, { id: mine }, token)).domain;
    expect(d.workspace.domains.edges.map((e: any) => e.node.id)).toEqual([mine]);
    const cred = ok(await gw.gql(CRED, { d: mine }, token)).createSmtpCredential;
    expect(cred.password).toMatch(/^[A-Za-z0-9_-]{32}$/); // smtpCredentials:reveal on this domain

    const denied = await gw.gql(DOMAIN, { id: other }, token);
    expect(errorCode(denied)).toBe('FORBIDDEN');
    expect(denied.body.errors![0]!.extensions).toMatchObject({ permission: 'domains:view', scope: { type: 'DOMAIN', id: other } });
    expect(errorCode(await gw.gql(CRED, { d: other }, token))).toBe('FORBIDDEN');
    expect(errorCode(await gw.gql(CREATE_DOMAIN, { input: { workspaceId: owner.workspaceId, name: uniqueDomain() } }, token))).toBe(
      'FORBIDDEN',
    );
    expect(errorCode(await gw.gql(`mutation($id: ID!) { deleteDomain(id: $id) }`, { id: mine }, token))).toBe('FORBIDDEN');
  });

  it('loses access with the domain: deleting it removes the bindings placed on it', async () => {
    expect(await rawCount('RoleBinding', { scopeId: mine })).toBe(1);
    expect(ok(await gw.gql(`mutation($id: ID!) { deleteDomain(id: $id) }`, { id: mine }, owner.token)).deleteDomain).toBe(true);
    expect(await rawCount('RoleBinding', { scopeId: mine })).toBe(0);
    expect(errorCode(await gw.gql(DOMAIN, { id: mine }, token))).toBe('NOT_FOUND');
  });

  it('stores internationalized names in punycode', async () => {
    const r = ok(await gw.gql(CREATE_DOMAIN, { input: { workspaceId: owner.workspaceId, name: 'Bücher.example.com' } }, owner.token));
    expect(r.createDomain.name).toBe('xn--bcher-kva.example.com');
  });
});

describe('a role bound on one SENDING_SERVER', () => {
  it('sees and reveals that server only; deleting the server removes the binding', async () => {
    const CREATE = `mutation($input: CreateSendingServerInput!) { createSendingServer(input: $input) { id } }`;
    const input = {
      workspaceId: owner.workspaceId,
      provider: 'SMTP',
      host: 'smtp.example.com',
      port: 587,
      username: 'u',
      password: 'Relay-Secret-42',
    };
    const s1 = ok(await gw.gql(CREATE, { input: { ...input, name: 'Mine' } }, owner.token)).createSendingServer.id;
    const s2 = ok(await gw.gql(CREATE, { input: { ...input, name: 'Theirs' } }, owner.token)).createSendingServer.id;
    const email = uniqueEmail('ops');
    const user = await User.create({ email, passwordHash: await hashPassword(STRONG_PASSWORD), name: 'Server Ops' });
    await Member.create({ accountId: owner.accountId, userId: user._id, createdBy: owner.userId });
    const role = await createRoleDoc({
      accountId: owner.accountId,
      key: 'server-ops',
      name: 'Server Ops',
      permissions: ['sendingServers:view', 'sendingServers:reveal', 'sendingServers:edit'],
      createdBy: owner.userId,
    });
    await bindDoc({
      accountId: owner.accountId,
      userId: user._id,
      roleId: role._id,
      scopeType: 'SENDING_SERVER',
      scopeId: s1,
      workspaceId: owner.workspaceId,
      createdBy: owner.userId,
    });
    const t = ok(
      await gw.gql(`mutation($input: LoginInput!) { login(input: $input) { token } }`, { input: { email, password: STRONG_PASSWORD } }),
    ).login.token;

    const GET = `query($id: ID!) { sendingServer(id: $id) { id password workspace { sendingServers { edges { node { id } } } } } }`;
    const mine = ok(await gw.gql(GET, { id: s1 }, t)).sendingServer;
    expect(mine.password).toBe('Relay-Secret-42');
    expect(mine.workspace.sendingServers.edges.map((e: any) => e.node.id)).toEqual([s1]);
    const denied = await gw.gql(GET, { id: s2 }, t);
    expect(errorCode(denied)).toBe('FORBIDDEN');
    expect(denied.body.errors![0]!.extensions!.scope).toEqual({ type: 'SENDING_SERVER', id: s2 });
    expect(denied.text).not.toContain('Relay-Secret-42');

    expect(ok(await gw.gql(`mutation($id: ID!) { deleteSendingServer(id: $id) }`, { id: s1 }, owner.token)).deleteSendingServer).toBe(true);
    expect(await rawCount('RoleBinding', { scopeId: s1 })).toBe(0);
    expect(errorCode(await gw.gql(GET, { id: s1 }, t))).toBe('NOT_FOUND');
  });
});
