// SMTP credentials, API keys and sending servers: generated or given secrets are sealed at rest,
// revealed (and audited) only to holders of the reveal permission, masked for everyone else.
import { errorCode, startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { findApiKeyBySecret } from '../../../src/modules/sending/secrets.service';
import { auditEvents, badInput, createDomain, memberWithRole, ok, rawCount, rawJson, uniqueDomain, type TestMember } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
let analyst: TestMember;
let stranger: TestOwner;
/** Every plaintext secret seen in these tests: none may reach a log line, an audit event or a raw document. */
const plaintexts: string[] = [];

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  analyst = await memberWithRole(gw, owner, 'analyst');
  stranger = await gw.signUp();
});
afterAll(() => gw.stop());

async function revealEvents(id: string) {
  return (await auditEvents(owner.accountId, 'secret.revealed')).filter((e) => e.target.id === id);
}

async function expectNowhereStored(secret: string): Promise<void> {
  for (const model of ['SmtpCredential', 'ApiKey', 'SendingServer', 'AuditEvent', 'Domain']) {
    expect(await rawJson(model)).not.toContain(secret);
  }
}

describe('SMTP credentials', () => {
  const CREATE = `mutation($input: CreateSmtpCredentialInput!) { createSmtpCredential(input: $input) { id login localPart password domain { id } } }`;
  const LIST = `query($id: ID!, $first: Int, $after: String) { domain(id: $id) {
    smtpCredentials(first: $first, after: $after) { edges { node { id login password } } pageInfo { hasNextPage endCursor } } } }`;
  const DELETE = `mutation($id: ID!) { deleteSmtpCredential(id: $id) }`;

  it('generates a password, seals it, reveals it to the owner (audited) and masks it for an analyst', async () => {
    const domainName = uniqueDomain('smtp');
    const domainId = await createDomain(gw, owner, domainName);
    const r = await gw.gql(CREATE, { input: { domainId, login: 'Postmaster' } }, owner.token);
    const cred = ok(r).createSmtpCredential;
    expect(cred.login).toBe(`postmaster@${domainName}`);
    expect(cred.localPart).toBe('postmaster');
    expect(cred.domain.id).toBe(domainId);
    expect(cred.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    plaintexts.push(cred.password);

    const second = ok(await gw.gql(CREATE, { input: { domainId, login: `app@${domainName}` } }, owner.token)).createSmtpCredential;
    expect(second.password).not.toBe(cred.password);
    plaintexts.push(second.password);
    ok(await gw.gql(CREATE, { input: { domainId, login: 'third' } }, owner.token));

    // Stored sealed, never in clear; the create is audited without the password.
    await expectNowhereStored(cred.password);
    expect(await rawJson('SmtpCredential', { _id: cred.id })).toMatch(/"passwordEnc":"v1:/);
    const created = (await auditEvents(owner.accountId, 'smtpCredential.created')).find((e) => e.target.id === cred.id)!;
    expect(created.after).toMatchObject({ localPart: 'postmaster', domainId });

    // The owner's read (from the create mutation) was a reveal, audited with what and where.
    const reveals = await revealEvents(cred.id);
    expect(reveals).toHaveLength(1);
    expect(reveals[0]!.meta).toEqual({
      count: 1,
      revealed: [
        {
          type: 'SmtpCredential',
          id: cred.id,
          field: 'password',
          permission: 'smtpCredentials:reveal',
          path: 'createSmtpCredential.password',
        },
      ],
    });
    expect(reveals[0]!.actor.id).toBe(owner.userId);

    // Paging: 3 credentials, 2 per page.
    const p1 = ok(await gw.gql(LIST, { id: domainId, first: 2 }, owner.token)).domain.smtpCredentials;
    expect(p1.pageInfo.hasNextPage).toBe(true);
    const p2 = ok(await gw.gql(LIST, { id: domainId, first: 2, after: p1.pageInfo.endCursor }, owner.token)).domain.smtpCredentials;
    expect(p2.pageInfo.hasNextPage).toBe(false);
    expect([...p1.edges, ...p2.edges].map((e: any) => e.node.login)).toEqual([
      `postmaster@${domainName}`,
      `app@${domainName}`,
      `third@${domainName}`,
    ]);
    expect(p1.edges[0].node.password).toBe(cred.password);

    // The analyst may view credentials but not reveal them: masked, no reveal event.
    const before = (await auditEvents(owner.accountId, 'secret.revealed')).length;
    const a = await gw.gql(LIST, { id: domainId }, analyst.token);
    expect(ok(a).domain.smtpCredentials.edges.map((e: any) => e.node.password)).toEqual(['••••••••', '••••••••', '••••••••']);
    expect(a.text).not.toContain(cred.password);
    expect(a.text).not.toContain(second.password);
    expect((await auditEvents(owner.accountId, 'secret.revealed')).length).toBe(before);

    // …and may not create one.
    const denied = await gw.gql(CREATE, { input: { domainId, login: 'sneaky' } }, analyst.token);
    expect(errorCode(denied)).toBe('FORBIDDEN');
    expect(denied.body.errors![0]!.extensions!.permission).toBe('smtpCredentials:create');
  });

  it.each([
    ['duplicate', 'postmaster'],
    ['duplicate with domain', 'POSTMASTER@{domain}'],
    ['another domain', 'ops@elsewhere.example.org'],
    ['space', 'two words'],
    ['empty', '  '],
    ['too long', 'x'.repeat(65)],
  ])('refuses a bad login (%s) with field login and creates nothing', async (_why, login) => {
    const domainName = uniqueDomain('bad');
    const domainId = await createDomain(gw, owner, domainName);
    ok(await gw.gql(CREATE, { input: { domainId, login: 'postmaster' } }, owner.token));
    const r = await gw.gql(CREATE, { input: { domainId, login: login.replace('{domain}', domainName) } }, owner.token);
    expect(badInput(r)).toEqual({ code: 'BAD_USER_INPUT', field: 'login' });
    expect(await rawCount('SmtpCredential', { domainId })).toBe(1);
  });

  it('deletes a credential (audited); afterwards and for other accounts it is NOT_FOUND', async () => {
    const domainId = await createDomain(gw, owner, uniqueDomain('delc'));
    const cred = ok(await gw.gql(CREATE, { input: { domainId, login: 'gone' } }, owner.token)).createSmtpCredential;
    plaintexts.push(cred.password);
    expect(errorCode(await gw.gql(DELETE, { id: cred.id }, stranger.token))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(CREATE, { input: { domainId, login: 'intruder' } }, stranger.token))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(LIST, { id: domainId }, stranger.token))).toBe('NOT_FOUND');
    expect(ok(await gw.gql(DELETE, { id: cred.id }, owner.token)).deleteSmtpCredential).toBe(true);
    expect(errorCode(await gw.gql(DELETE, { id: cred.id }, owner.token))).toBe('NOT_FOUND');
    expect(ok(await gw.gql(LIST, { id: domainId }, owner.token)).domain.smtpCredentials.edges).toEqual([]);
    const deleted = (await auditEvents(owner.accountId, 'smtpCredential.deleted')).find((e) => e.target.id === cred.id);
    expect(deleted).toBeDefined();
    expect(JSON.stringify(deleted)).not.toContain(cred.password);
  });
});

describe('API keys', () => {
  const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { id name secret expiresAt expired rotatedAt } }`;
  const LIST = `query($id: ID!, $first: Int, $after: String) { account(id: $id) {
    apiKeys(first: $first, after: $after) { edges { node { id name secret } } pageInfo { hasNextPage endCursor } } } }`;
  const ROTATE = `mutation($id: ID!) { rotateApiKey(id: $id) { id secret rotatedAt } }`;
  const DELETE = `mutation($id: ID!) { deleteApiKey(id: $id) }`;

  it('creates, lists, rotates (the old secret stops) and deletes keys; every step audited without the secret', async () => {
    const expiresAt = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString();
    const key = ok(
      await gw.gql(CREATE, { input: { accountId: owner.accountId, name: ' CI deploys ', expiresAt } }, owner.token),
    ).createApiKey;
    expect(key).toMatchObject({ name: 'CI deploys', expiresAt, expired: false, rotatedAt: null });
    expect(key.secret).toMatch(/^key-[A-Za-z0-9_-]{43}$/);
    plaintexts.push(key.secret);
    const k2 = ok(await gw.gql(CREATE, { input: { accountId: owner.accountId, name: 'Second' } }, owner.token)).createApiKey;
    expect(k2.expiresAt).toBeNull();
    plaintexts.push(k2.secret);
    const k3 = ok(await gw.gql(CREATE, { input: { accountId: owner.accountId, name: 'Third' } }, owner.token)).createApiKey;
    plaintexts.push(k3.secret);
    await expectNowhereStored(key.secret);
    expect(await revealEvents(key.id)).toHaveLength(1);

    const p1 = ok(await gw.gql(LIST, { id: owner.accountId, first: 2 }, owner.token)).account.apiKeys;
    expect(p1.pageInfo.hasNextPage).toBe(true);
    const p2 = ok(await gw.gql(LIST, { id: owner.accountId, first: 2, after: p1.pageInfo.endCursor }, owner.token)).account.apiKeys;
    expect([...p1.edges, ...p2.edges].map((e: any) => e.node.name)).toEqual(['CI deploys', 'Second', 'Third']);

    // The analyst sees only the last 4 characters.
    const a = await gw.gql(LIST, { id: owner.accountId }, analyst.token);
    const masked = ok(a).account.apiKeys.edges.map((e: any) => e.node.secret);
    expect(masked).toEqual([key.secret, k2.secret, k3.secret].map((s) => `••••${s.slice(-4)}`));
    for (const s of [key.secret, k2.secret, k3.secret]) expect(a.text).not.toContain(s);
    expect(errorCode(await gw.gql(ROTATE, { id: key.id }, analyst.token))).toBe('FORBIDDEN');

    expect((await findApiKeyBySecret(owner.accountId, key.secret))?._id).toBe(key.id);
    const rotated = ok(await gw.gql(ROTATE, { id: key.id }, owner.token)).rotateApiKey;
    plaintexts.push(rotated.secret);
    expect(rotated.secret).not.toBe(key.secret);
    expect(rotated.rotatedAt).not.toBeNull();
    expect(await findApiKeyBySecret(owner.accountId, key.secret)).toBeNull();
    expect((await findApiKeyBySecret(owner.accountId, rotated.secret))?._id).toBe(key.id);
    await expectNowhereStored(rotated.secret);

    expect(errorCode(await gw.gql(ROTATE, { id: key.id }, stranger.token))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(DELETE, { id: key.id }, stranger.token))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(LIST, { id: owner.accountId }, stranger.token))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(CREATE, { input: { accountId: owner.accountId, name: 'x' } }, stranger.token))).toBe('NOT_FOUND');

    expect(ok(await gw.gql(DELETE, { id: key.id }, owner.token)).deleteApiKey).toBe(true);
    expect(errorCode(await gw.gql(ROTATE, { id: key.id }, owner.token))).toBe('NOT_FOUND');
    expect(await findApiKeyBySecret(owner.accountId, rotated.secret)).toBeNull();

    const events = (await auditEvents(owner.accountId)).filter((e) => e.target.id === key.id && e.action.startsWith('apiKey.'));
    expect(events.map((e) => e.action)).toEqual(['apiKey.created', 'apiKey.rotated', 'apiKey.deleted']);
    expect(Object.keys(events[1]!.after!)).toEqual(['rotatedAt']);
    expect(events[1]!.meta).toEqual({ secretChanged: true });
  });

  it.each([
    ['expiresAt', { name: 'Past', expiresAt: new Date(Date.now() - 60_000).toISOString() }],
    ['expiresAt', { name: 'Far', expiresAt: new Date(Date.now() + 6 * 366 * 24 * 3600 * 1000).toISOString() }],
    ['name', { name: '   ' }],
    ['name', { name: 'n'.repeat(101) }],
  ])('refuses bad input (%s) and creates nothing', async (field, input) => {
    const before = await rawCount('ApiKey', { accountId: owner.accountId });
    const r = await gw.gql(CREATE, { input: { accountId: owner.accountId, ...input } }, owner.token);
    expect(badInput(r)).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(await rawCount('ApiKey', { accountId: owner.accountId })).toBe(before);
  });
});

describe('sending servers', () => {
  const FIELDS = `id name provider host port username password workspace { id }`;
  const CREATE = `mutation($input: CreateSendingServerInput!) { createSendingServer(input: $input) { ${FIELDS} } }`;
  const UPDATE = `mutation($id: ID!, $input: UpdateSendingServerInput!) { updateSendingServer(id: $id, input: $input) { ${FIELDS} } }`;
  const GET = `query($id: ID!) { sendingServer(id: $id) { ${FIELDS} } }`;
  const LIST = `query($id: ID!, $first: Int, $after: String) { workspace(id: $id) {
    sendingServers(first: $first, after: $after) { edges { node { id name password } } pageInfo { hasNextPage endCursor } } } }`;
  const DELETE = `mutation($id: ID!) { deleteSendingServer(id: $id) }`;
  const PASSWORD = 'Ses-Relay-Pa55word!x';
  const input = () => ({
    workspaceId: owner.workspaceId,
    name: 'Primary SES',
    provider: 'AMAZON_SES',
    host: 'Email-SMTP.eu-west-1.amazonaws.com',
    port: 587,
    username: 'AKIAEXAMPLE',
    password: PASSWORD,
  });

  it('creates, reads, pages, updates and deletes a server; the password is sealed, revealed to the owner and masked for the analyst', async () => {
    plaintexts.push(PASSWORD, 'New-Relay-Pa55word!y');
    const s = ok(await gw.gql(CREATE, { input: input() }, owner.token)).createSendingServer;
    expect(s).toMatchObject({ name: 'Primary SES', provider: 'AMAZON_SES', host: 'email-smtp.eu-west-1.amazonaws.com', port: 587 });
    expect(s.password).toBe(PASSWORD);
    expect(s.workspace.id).toBe(owner.workspaceId);
    await expectNowhereStored(PASSWORD);
    expect(await revealEvents(s.id)).toHaveLength(1);

    const s2 = ok(
      await gw.gql(CREATE, { input: { ...input(), name: 'Backup', provider: 'SMTP', host: '10.0.0.5', port: 25 } }, owner.token),
    ).createSendingServer;
    const p1 = ok(await gw.gql(LIST, { id: owner.workspaceId, first: 1 }, owner.token)).workspace.sendingServers;
    expect(p1.pageInfo.hasNextPage).toBe(true);
    const p2 = ok(await gw.gql(LIST, { id: owner.workspaceId, first: 1, after: p1.pageInfo.endCursor }, owner.token)).workspace
      .sendingServers;
    expect([p1.edges[0].node.id, p2.edges[0].node.id]).toEqual([s.id, s2.id]);
    expect(p2.pageInfo.hasNextPage).toBe(false);

    const a = await gw.gql(GET, { id: s.id }, analyst.token);
    expect(ok(a).sendingServer.password).toBe('••••••••');
    expect(a.text).not.toContain(PASSWORD);
    expect(errorCode(await gw.gql(UPDATE, { id: s.id, input: { port: 2525 } }, analyst.token))).toBe('FORBIDDEN');

    const u = ok(
      await gw.gql(UPDATE, { id: s.id, input: { port: 2525, password: 'New-Relay-Pa55word!y' } }, owner.token),
    ).updateSendingServer;
    expect(u).toMatchObject({ port: 2525, password: 'New-Relay-Pa55word!y', name: 'Primary SES' });
    await expectNowhereStored('New-Relay-Pa55word!y');
    const updated = (await auditEvents(owner.accountId, 'sendingServer.updated')).find((e) => e.target.id === s.id)!;
    expect(updated.before).toMatchObject({ port: 587 });
    expect(updated.after).toMatchObject({ port: 2525 });
    expect(updated.meta).toEqual({ secretChanged: true });

    expect(errorCode(await gw.gql(GET, { id: s.id }, stranger.token))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(DELETE, { id: s.id }, stranger.token))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(CREATE, { input: input() }, stranger.token))).toBe('NOT_FOUND');

    expect(ok(await gw.gql(DELETE, { id: s.id }, owner.token)).deleteSendingServer).toBe(true);
    expect(errorCode(await gw.gql(GET, { id: s.id }, owner.token))).toBe('NOT_FOUND');
    const actions = (await auditEvents(owner.accountId)).filter((e) => e.target.id === s.id && e.action.startsWith('sendingServer.'));
    expect(actions.map((e) => e.action)).toEqual(['sendingServer.created', 'sendingServer.updated', 'sendingServer.deleted']);
  });

  it.each([
    ['port', { port: 0 }],
    ['port', { port: 65536 }],
    ['host', { host: 'not a host' }],
    ['host', { host: 'localhost' }],
    ['name', { name: '' }],
    ['username', { username: ' ' }],
    ['password', { password: '' }],
  ])('refuses bad input (%s) on create and update, and changes nothing', async (field, bad) => {
    const before = await rawCount('SendingServer', { accountId: owner.accountId });
    expect(badInput(await gw.gql(CREATE, { input: { ...input(), ...bad } }, owner.token))).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(await rawCount('SendingServer', { accountId: owner.accountId })).toBe(before + 0);
    const s = ok(await gw.gql(CREATE, { input: input() }, owner.token)).createSendingServer;
    expect(badInput(await gw.gql(UPDATE, { id: s.id, input: { name: 'Renamed', ...bad } }, owner.token))).toEqual({
      code: 'BAD_USER_INPUT',
      field,
    });
    expect(ok(await gw.gql(GET, { id: s.id }, owner.token)).sendingServer).toMatchObject({
      name: 'Primary SES',
      port: 587,
      password: PASSWORD,
    });
  });

  it('refuses an unknown provider through the enum', async () => {
    expect(errorCode(await gw.gql(CREATE, { input: { ...input(), provider: 'CARRIER_PIGEON' } }, owner.token))).toBe('BAD_USER_INPUT');
  });
});

describe('leaks', () => {
  it('no plaintext secret reached a log line, an audit event or a raw document', async () => {
    expect(plaintexts.length).toBeGreaterThan(5);
    const logs = gw.logs.join('');
    const audit = await rawJson('AuditEvent');
    for (const secret of plaintexts) {
      expect(logs).not.toContain(secret);
      expect(audit).not.toContain(secret);
    }
    for (const secret of plaintexts) await expectNowhereStored(secret);
  });
});
