// Mailers.io custom roles (seed: mailers-io-custom-roles): the statements of docs/products.md not
// pinned elsewhere, tried as Mailers.io's teams would — roles per resource group, bound per workspace.
import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { ASSIGN, bind, err, memberWith, newMember, ok, roleIds, wsScope, type Scope } from '../../modules/access/helpers';
import { installPacks, mutate } from './helpers';
import { IMPORT, createList, createTemplate, verifiedSender } from '../../modules/marketing/helpers';
import { verifyThroughDns } from '../../helpers/dns';
import { onPlan } from '../../helpers/billing';
import { proveDomain } from '../../helpers/domains';

let gw: TestGateway;
let owner: TestOwner;
let roles: Record<string, string>;
let ws2: string;
let listId: string;

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  roles = { ...(await installPacks(gw, owner, ['MAILERS_IO'])), ...(await roleIds(gw, owner)) };
  ws2 = (await mutate(gw, owner.token, 'createWorkspace', 'CreateWorkspaceInput', { accountId: owner.accountId, name: 'Client B' })).id;
  listId = await createList(gw, owner, 'Subscribers');
  ok(await gw.gql(IMPORT, { input: { listId, contacts: [{ email: 'sub@example.org' }] } }, owner.token));
});
afterAll(() => gw.stop());

const forbidden = (permission: string) => ({ code: 'FORBIDDEN', permission });
const ws2Scope = (): Scope => ({ type: 'WORKSPACE', id: ws2 });
const customRole = async (name: string, permissions: string[]): Promise<string> =>
  (await mutate(gw, owner.token, 'createRole', 'CreateRoleInput', { accountId: owner.accountId, name, permissions })).id;

describe('Mailers.io: designing and assigning roles', () => {
  it('MI1: a role is designed per resource group, full or read-only: full lists and read-only templates', async () => {
    const role = await customRole('List keeper', ['workspaces:view', 'lists:*', 'contacts:*', 'templates:view']);
    const m = await memberWith(gw, owner, role, wsScope(owner), 'keeper');
    expect((await mutate(gw, m.token, 'createList', 'CreateListInput', { workspaceId: owner.workspaceId, name: 'New' })).id).toBeTruthy();
    const templateId = await createTemplate(gw, owner);
    expect(ok(await gw.gql(`query($id: ID!) { template(id: $id) { id } }`, { id: templateId }, m.token)).template.id).toBe(templateId);
    const edit = await gw.gql(
      `mutation($id: ID!, $input: UpdateTemplateInput!) { updateTemplate(id: $id, input: $input) { id } }`,
      { id: templateId, input: { name: 'x' } },
      m.token,
    );
    expect(err(edit)).toMatchObject(forbidden('templates:edit'));
    const form = await gw.gql(
      `mutation($input: CreateFormInput!) { createForm(input: $input) { id } }`,
      { input: { workspaceId: owner.workspaceId, name: 'f' } },
      m.token,
    );
    expect(err(form)).toMatchObject(forbidden('forms:create'));
  });

  it('MI2: one person is Admin on one workspace and Viewer on another', async () => {
    const m = await newMember(gw, owner, 'twohats');
    await bind(gw, owner, m.userId, roles.admin!, wsScope(owner));
    await bind(gw, owner, m.userId, roles['mailersio-auditor']!, ws2Scope());
    const LIST = `mutation($input: CreateListInput!) { createList(input: $input) { id } }`;
    expect(ok(await gw.gql(LIST, { input: { workspaceId: owner.workspaceId, name: 'Mine' } }, m.token)).createList.id).toBeTruthy();
    const b = await createList(gw, owner, 'Client B list', ws2);
    expect(ok(await gw.gql(`query($id: ID!) { list(id: $id) { name } }`, { id: b }, m.token)).list.name).toBe('Client B list');
    expect(err(await gw.gql(LIST, { input: { workspaceId: ws2, name: 'Nope' } }, m.token))).toMatchObject(forbidden('lists:create'));
  });
});

describe('Mailers.io: resource groups', () => {
  it('MI3: who drafts, who sends and who only views campaigns are separate roles', async () => {
    const drafter = await memberWith(
      gw,
      owner,
      await customRole('Drafter', ['campaigns:view', 'campaigns:create', 'campaigns:edit', 'lists:view', 'templates:view']),
      wsScope(owner),
      'drafter',
    );
    const sender = await memberWith(gw, owner, await customRole('Sender', ['campaigns:view', 'campaigns:send']), wsScope(owner), 'sender');
    const viewer = await memberWith(gw, owner, roles['mailersio-campaigns-read']!, wsScope(owner), 'cviewer');
    const input = {
      workspaceId: owner.workspaceId,
      name: 'Q3',
      subject: 'News',
      fromEmail: await verifiedSender(gw, owner),
      listId,
      templateId: await createTemplate(gw, owner),
    };
    const c = await mutate(gw, drafter.token, 'createCampaign', 'CreateCampaignInput', input);
    const SEND = `mutation($id: ID!) { sendCampaign(id: $id) { status } }`;
    expect(err(await gw.gql(SEND, { id: c.id }, drafter.token))).toMatchObject(forbidden('campaigns:send'));
    const UPDATE = `mutation($id: ID!, $input: UpdateCampaignInput!) { updateCampaign(id: $id, input: $input) { id } }`;
    expect(err(await gw.gql(UPDATE, { id: c.id, input: { subject: 'x' } }, sender.token))).toMatchObject(forbidden('campaigns:edit'));
    expect(err(await gw.gql(SEND, { id: c.id }, viewer.token))).toMatchObject(forbidden('campaigns:send'));
    expect(ok(await gw.gql(`query($id: ID!) { campaign(id: $id) { name } }`, { id: c.id }, viewer.token)).campaign.name).toBe('Q3');
    expect(ok(await gw.gql(SEND, { id: c.id }, sender.token)).sendCampaign.status).toBe('SENT');
  });

  it('MI4: subscriber imports and deletions, and form changes, belong to the full roles; read-only roles only look', async () => {
    const full = await memberWith(gw, owner, roles['mailersio-lists-full']!, wsScope(owner), 'lfull');
    const read = await memberWith(gw, owner, roles['mailersio-lists-read']!, wsScope(owner), 'lread');
    const contacts = [{ email: 'new@example.org' }];
    expect(err(await gw.gql(IMPORT, { input: { listId, contacts } }, read.token))).toMatchObject(forbidden('contacts:import'));
    expect(ok(await gw.gql(IMPORT, { input: { listId, contacts } }, full.token)).importContacts.imported).toBe(1);
    const ids = ok(
      await gw.gql(`query($id: ID!) { list(id: $id) { contacts { edges { node { id email } } } } }`, { id: listId }, read.token),
    ).list.contacts.edges;
    const newId = ids.find((e: any) => e.node.email === 'new@example.org').node.id;
    const DEL = `mutation($id: ID!) { deleteContact(id: $id) }`;
    expect(err(await gw.gql(DEL, { id: newId }, read.token))).toMatchObject(forbidden('contacts:delete'));
    expect(ok(await gw.gql(DEL, { id: newId }, full.token)).deleteContact).toBe(true);
    const form = await mutate(gw, owner.token, 'createForm', 'CreateFormInput', { workspaceId: owner.workspaceId, name: 'Signup' });
    const fread = await memberWith(gw, owner, roles['mailersio-forms-read']!, wsScope(owner), 'fread');
    const ffull = await memberWith(gw, owner, roles['mailersio-forms-full']!, wsScope(owner), 'ffull');
    expect(ok(await gw.gql(`query($id: ID!) { form(id: $id) { name } }`, { id: form.id }, fread.token)).form.name).toBe('Signup');
    const DELF = `mutation($id: ID!) { deleteForm(id: $id) }`;
    expect(err(await gw.gql(DELF, { id: form.id }, fread.token))).toMatchObject(forbidden('forms:delete'));
    expect(ok(await gw.gql(DELF, { id: form.id }, ffull.token)).deleteForm).toBe(true);
  });

  it('MI6: provider credentials of a sending server show and change only for its infrastructure owners', async () => {
    const server = await mutate(gw, owner.token, 'createSendingServer', 'CreateSendingServerInput', {
      workspaceId: owner.workspaceId,
      name: 'SES',
      provider: 'SMTP',
      host: 'smtp.ses.example.com',
      port: 587,
      username: 'ses',
      password: 'provider-secret-9',
    });
    const infra = await memberWith(gw, owner, roles['mailersio-servers-full']!, wsScope(owner), 'infra');
    const read = await memberWith(gw, owner, roles['mailersio-servers-read']!, wsScope(owner), 'sread');
    const marketer = await memberWith(gw, owner, roles['mailersio-campaigns-full']!, wsScope(owner), 'mkt');
    const PASSWORD = `query($id: ID!) { sendingServer(id: $id) { password } }`;
    expect(ok(await gw.gql(PASSWORD, { id: server.id }, infra.token)).sendingServer.password).toBe('provider-secret-9');
    const masked = await gw.gql(PASSWORD, { id: server.id }, read.token);
    expect(ok(masked).sendingServer.password).toBe('••••••••');
    expect(masked.text).not.toContain('provider-secret-9');
    expect(err(await gw.gql(PASSWORD, { id: server.id }, marketer.token))).toMatchObject(forbidden('sendingServers:view'));
    const UPDATE = `mutation($id: ID!, $input: UpdateSendingServerInput!) { updateSendingServer(id: $id, input: $input) { id } }`;
    expect(err(await gw.gql(UPDATE, { id: server.id, input: { password: 'stolen-1234' } }, read.token))).toMatchObject(
      forbidden('sendingServers:edit'),
    );
    expect(ok(await gw.gql(UPDATE, { id: server.id, input: { password: 'rotated-secret-10' } }, infra.token)).updateSendingServer.id).toBe(
      server.id,
    );
    expect(ok(await gw.gql(PASSWORD, { id: server.id }, infra.token)).sendingServer.password).toBe('rotated-secret-10');
  });

  it('MI7: a sending domain changes only through the domain roles, and a refused change leaves its verification as it was', async () => {
    const address = await verifiedSender(gw, owner);
    const name = address.split('@')[1]!;
    const domains = ok(
      await gw.gql(
        `query($id: ID!) { workspace(id: $id) { domains(first: 100) { edges { node { id name } } } } }`,
        { id: owner.workspaceId },
        owner.token,
      ),
    );
    const domainId = domains.workspace.domains.edges.find((e: any) => e.node.name === name).node.id;
    const RENAME = `mutation($id: ID!, $input: RenameDomainInput!) { renameDomain(id: $id, input: $input) { id } }`;
    for (const key of ['mailersio-campaigns-full', 'mailersio-domains-read']) {
      const m = await memberWith(gw, owner, roles[key]!, wsScope(owner), key);
      expect(err(await gw.gql(RENAME, { id: domainId, input: { name: 'hijack.example.com' } }, m.token)).code).toBe('FORBIDDEN');
      expect(err(await gw.gql(`mutation($id: ID!) { deleteDomain(id: $id) }`, { id: domainId }, m.token)).code).toBe('FORBIDDEN');
    }
    const STATE = `query($id: ID!) { domain(id: $id) { name state } }`;
    expect(ok(await gw.gql(STATE, { id: domainId }, owner.token)).domain).toEqual({ name, state: 'VERIFIED' });
    const infra = await memberWith(gw, owner, roles['mailersio-domains-full']!, wsScope(owner), 'dfull');
    const UPDATE = `mutation($id: ID!, $input: UpdateDomainInput!) { updateDomain(id: $id, input: $input) { trackOpens state } }`;
    expect(ok(await gw.gql(UPDATE, { id: domainId, input: { trackOpens: true } }, infra.token)).updateDomain).toEqual({
      trackOpens: true,
      state: 'VERIFIED',
    });
    // Its own domains: a full domain role creates and verifies one.
    const d = await mutate(gw, infra.token, 'createDomain', 'CreateDomainInput', {
      workspaceId: owner.workspaceId,
      name: 'mi7-own.example.com',
    });
    await verifyThroughDns(gw, gw.dns, infra, d.id);
  });

  it('MI8: an API key carries only the scopes it was given: a marketing integration cannot touch provider credentials', async () => {
    const server = await mutate(gw, owner.token, 'createSendingServer', 'CreateSendingServerInput', {
      workspaceId: owner.workspaceId,
      name: 'Relay',
      provider: 'SMTP',
      host: 'smtp.relay.example.com',
      port: 587,
      username: 'relay',
      password: 'relay-secret-22',
    });
    const TOKEN = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`;
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const scopes = ['campaigns:view', 'campaigns:create', 'lists:view', 'contacts:import'];
    const pst = ok(await gw.gql(TOKEN, { input: { accountId: owner.accountId, name: 'marketing', scopes, expiresAt } }, owner.token))
      .createApiToken.token;
    expect(ok(await gw.gql(IMPORT, { input: { listId, contacts: [{ email: 'api@example.org' }] } }, pst)).importContacts.imported).toBe(1);
    const UPDATE = `mutation($id: ID!, $input: UpdateSendingServerInput!) { updateSendingServer(id: $id, input: $input) { id } }`;
    expect(err(await gw.gql(UPDATE, { id: server.id, input: { password: 'from-the-crm' } }, pst))).toMatchObject(
      forbidden('sendingServers:edit'),
    );
    const read = await gw.gql(`query($id: ID!) { sendingServer(id: $id) { password } }`, { id: server.id }, pst);
    expect(err(read)).toMatchObject(forbidden('sendingServers:view'));
    expect(read.text).not.toContain('relay-secret-22');
    const key = await gw.gql(
      `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { id } }`,
      { input: { accountId: owner.accountId, name: 'x' } },
      pst,
    );
    expect(err(key)).toMatchObject(forbidden('apiKeys:create'));
  });

  it('MI9: role edits, membership changes and credential events are in the audit log with actor, time and diff, readable by the auditor and exportable', async () => {
    const role = await customRole('Audited', ['lists:view']);
    ok(
      await gw.gql(
        `mutation($id: ID!, $input: UpdateRoleInput!) { updateRole(id: $id, input: $input) { id } }`,
        { id: role, input: { permissions: ['lists:view', 'forms:view'] } },
        owner.token,
      ),
    );
    const m = await newMember(gw, owner, 'audited');
    ok(await gw.gql(ASSIGN, { input: { userId: m.userId, roleId: role, scope: wsScope(owner) } }, owner.token));
    const key = ok(
      await gw.gql(
        `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { id secret } }`,
        { input: { accountId: owner.accountId, name: 'audited' } },
        owner.token,
      ),
    ).createApiKey;
    const auditor = await memberWith(gw, owner, roles['mailersio-auditor']!, { type: 'ACCOUNT', id: owner.accountId }, 'auditor');
    const LOG = `query($id: ID!, $f: AuditFilter) { account(id: $id) { auditLog(filter: $f, first: 100) { edges { node { at action actor { userId } before after } } } } }`;
    const events = async (action: string) => {
      const r = await gw.gql(LOG, { id: owner.accountId, f: { action } }, auditor.token);
      expect(r.text).not.toContain(key.secret);
      return ok(r).account.auditLog.edges.map((e: any) => e.node);
    };
    const [updated] = await events('role.updated');
    expect(updated).toMatchObject({
      actor: { userId: owner.userId },
      before: { permissions: ['lists:view'] },
      after: { permissions: ['lists:view', 'forms:view'] },
    });
    expect(Date.parse(updated.at)).toBeGreaterThan(Date.now() - 600_000);
    expect((await events('role.assigned')).some((e: any) => e.after?.userId === m.userId)).toBe(true);
    expect((await events('apiKey.created')).length).toBeGreaterThanOrEqual(1);
    // Someone who opens the account but holds no audit permission.
    const marketer = await memberWith(gw, owner, roles.viewer!, { type: 'ACCOUNT', id: owner.accountId }, 'nolog');
    expect(err(await gw.gql(LOG, { id: owner.accountId, f: {} }, marketer.token))).toMatchObject(forbidden('auditLog:view'));
    const exported = await fetch(`${gw.url}/audit/export?accountId=${owner.accountId}&format=jsonl`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(exported.status).toBe(200);
    const body = await exported.text();
    expect(body).toContain('"role.updated"');
    expect(body).not.toContain(key.secret);
  });

  it('MI10: single sign-on comes with the SCALE plan and SCIM provisioning with ENTERPRISE; below them both are refused', async () => {
    const o = await gw.signUp({ accountName: 'Plan gated' });
    // SSO's allowed domains are domains the account proved it owns (DNS).
    const proved = await proveDomain(gw, o);
    const SSO = `mutation($input: ConfigureSsoInput!) { configureSso(input: $input) { issuer } }`;
    const sso = {
      accountId: o.accountId,
      issuer: 'https://idp.example.com',
      clientId: 'postern',
      clientSecret: 'idp-secret-1',
      allowedEmailDomains: [proved.name],
    };
    const SCIM = `mutation($input: CreateScimTokenInput!) { createScimToken(input: $input) { token } }`;
    const scim = { accountId: o.accountId, name: 'Okta' };
    const refusedSso = await gw.gql(SSO, { input: sso }, o.token);
    expect(err(refusedSso)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'accountId' });
    expect(err(refusedSso).message).toMatch(/SCALE plan or higher; this account is on FREE/);
    expect(refusedSso.text).not.toContain('idp-secret-1');
    expect(err(await gw.gql(SCIM, { input: scim }, o.token))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'accountId' });
    await onPlan(gw, o, 'SCALE');
    expect(ok(await gw.gql(SSO, { input: sso }, o.token)).configureSso.issuer).toBe('https://idp.example.com');
    expect(err(await gw.gql(SCIM, { input: scim }, o.token)).message).toMatch(/ENTERPRISE plan or higher; this account is on SCALE/);
    await onPlan(gw, o, 'ENTERPRISE');
    expect(ok(await gw.gql(SCIM, { input: scim }, o.token)).createScimToken.token).toMatch(/^scim_/);
  });
});
