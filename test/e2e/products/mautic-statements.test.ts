// Mautic users and roles (seed: mautic-users-and-roles): the statements of docs/products.md not pinned
// elsewhere, tried as Mautic's administrators and users would.
import { STRONG_PASSWORD, startTestGateway, uniqueEmail, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { CREATE_USER, LOGIN, acct, err, memberWith, ok, roleIds } from '../../modules/access/helpers';
import { installPacks, mutate } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
let roles: Record<string, string>;
let admin: { userId: string; token: string };

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  roles = { ...(await installPacks(gw, owner, ['MAUTIC'])), ...(await roleIds(gw, owner)) };
  admin = await memberWith(gw, owner, roles['mautic-administrator']!, acct(owner), 'mauticadmin');
});
afterAll(() => gw.stop());

const forbidden = (permission: string) => ({ code: 'FORBIDDEN', permission });
const USER = `mutation($input: CreateUserInput!) { createUser(input: $input) { id name firstName lastName position timezone language } }`;

describe('Mautic: users', () => {
  it('MA1: an administrator creates users by hand or through the API with a token; a user without the right cannot', async () => {
    const byHand = ok(
      await gw.gql(
        CREATE_USER,
        { input: { accountId: owner.accountId, email: uniqueEmail('hand'), password: STRONG_PASSWORD } },
        admin.token,
      ),
    );
    expect(byHand.createUser.id).toBeTruthy();
    const TOKEN = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`;
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const pst = ok(
      await gw.gql(TOKEN, { input: { accountId: owner.accountId, name: 'import', scopes: ['members:create'], expiresAt } }, owner.token),
    ).createApiToken.token;
    const email = uniqueEmail('api');
    const viaApi = ok(
      await gw.gql(CREATE_USER, { input: { accountId: owner.accountId, email, password: STRONG_PASSWORD } }, pst),
    ).createUser;
    // The token holds no members:view, so the new user's contact data is not echoed to it; the admin sees it.
    expect(viaApi.email).toBeNull();
    const MEMBERS = `query($id: ID!) { account(id: $id) { members(first: 200) { edges { node { user { id email } } } } } }`;
    const members = ok(await gw.gql(MEMBERS, { id: owner.accountId }, admin.token)).account.members.edges.map((e: any) => e.node.user);
    expect(members).toContainEqual({ id: viaApi.id, email });
    const editor = await memberWith(gw, owner, roles['mautic-contacts-full']!, acct(owner), 'editor');
    const refused = await gw.gql(
      CREATE_USER,
      { input: { accountId: owner.accountId, email: uniqueEmail('no'), password: STRONG_PASSWORD } },
      editor.token,
    );
    expect(err(refused)).toMatchObject(forbidden('members:create'));
  });

  it('MA2: a user has a first and last name and an optional position; an administrator sees them, others do not', async () => {
    const input = {
      accountId: owner.accountId,
      email: uniqueEmail('named'),
      password: STRONG_PASSWORD,
      firstName: 'Jane',
      lastName: 'Doe',
    };
    const u = ok(await gw.gql(USER, { input }, admin.token)).createUser;
    expect(u).toMatchObject({ name: 'Jane Doe', firstName: 'Jane', lastName: 'Doe', position: null });
    const withPosition = ok(
      await gw.gql(USER, { input: { ...input, email: uniqueEmail('pos'), position: 'Head of growth' } }, admin.token),
    ).createUser;
    expect(withPosition.position).toBe('Head of growth');
    expect(
      err(await gw.gql(USER, { input: { ...input, email: uniqueEmail('long'), position: 'x'.repeat(101) } }, admin.token)),
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'position',
    });
    const MEMBERS = `query($id: ID!) { account(id: $id) { members(first: 200) { edges { node { user { id position } } } } } }`;
    const seen = ok(await gw.gql(MEMBERS, { id: owner.accountId }, admin.token)).account.members.edges.map((e: any) => e.node.user);
    expect(seen).toContainEqual({ id: withPosition.id, position: 'Head of growth' });
    const outsider = await memberWith(gw, owner, roles['mautic-campaigns-view-others']!, acct(owner), 'outsider');
    expect(err(await gw.gql(MEMBERS, { id: owner.accountId }, outsider.token)).code).toBe('FORBIDDEN');
  });

  it('MA4: a user who forgot their password gets a one-time link by email and sets a new one', async () => {
    const m = await memberWith(gw, owner, roles['mautic-campaigns-view-own']!, acct(owner), 'forgot');
    expect(ok(await gw.gql(`mutation($e: EmailAddress!) { requestPasswordReset(email: $e) }`, { e: m.email })).requestPasswordReset).toBe(
      true,
    );
    const token = await gw.mailedToken(m.email, 'reset-password');
    const RESET = `mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) }`;
    expect(ok(await gw.gql(RESET, { t: token, p: 'Remembered-Now-55' })).resetPassword).toBe(true);
    expect(err(await gw.gql(RESET, { t: token, p: 'Second-Try-Again-66' }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'token' });
    expect(ok(await gw.gql(LOGIN, { input: { email: m.email, password: 'Remembered-Now-55' } })).login.token).toBeTruthy();
    expect(err(await gw.gql(LOGIN, { input: { email: m.email, password: STRONG_PASSWORD } })).code).toBe('UNAUTHENTICATED');
  });

  it('MA5: each user has their own time zone and language, set at creation or by themselves, checked for validity', async () => {
    const input = {
      accountId: owner.accountId,
      email: uniqueEmail('tz'),
      password: STRONG_PASSWORD,
      timezone: 'America/Los_Angeles',
      language: 'en',
    };
    expect(ok(await gw.gql(USER, { input }, admin.token)).createUser).toMatchObject({ timezone: 'America/Los_Angeles', language: 'en' });
    const m = await memberWith(gw, owner, roles['mautic-campaigns-view-own']!, acct(owner), 'tzself');
    const SET = `mutation($input: UpdateMySettingsInput!) { updateMySettings(input: $input) { timezone language } }`;
    expect(ok(await gw.gql(SET, { input: { timezone: 'Europe/Paris', language: 'fr-CA' } }, m.token)).updateMySettings).toEqual({
      timezone: 'Europe/Paris',
      language: 'fr-CA',
    });
    expect(err(await gw.gql(SET, { input: { timezone: 'Mars/Olympus' } }, m.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'timezone',
    });
    expect(err(await gw.gql(SET, { input: { language: 'not a tag!' } }, m.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'language',
    });
    expect(ok(await gw.gql(`{ viewer { user { timezone language } } }`, {}, m.token)).viewer.user).toEqual({
      timezone: 'Europe/Paris',
      language: 'fr-CA',
    });
  });
});

describe('Mautic: roles', () => {
  it('MA6: an administrator creates a role with a title, a description and per-category View/Edit/Create/Delete/Publish or Full rights', async () => {
    const CREATE = `mutation($input: CreateRoleInput!) { createRole(input: $input) { id name description permissions } }`;
    const input = {
      accountId: owner.accountId,
      name: 'Form publisher',
      description: 'Publishes forms; full on assets-like templates',
      permissions: ['forms:view', 'forms:create', 'forms:edit:own', 'forms:publish:own', 'templates:*'],
    };
    const role = ok(await gw.gql(CREATE, { input }, admin.token)).createRole;
    expect(role).toMatchObject({ name: 'Form publisher', description: input.description, permissions: input.permissions });
    expect(err(await gw.gql(CREATE, { input: { ...input, name: 'Bad', permissions: ['forms:approve'] } }, admin.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'permissions',
    });
    const m = await memberWith(gw, owner, role.id, { type: 'WORKSPACE', id: owner.workspaceId }, 'publisher');
    const mine = await mutate(gw, m.token, 'createForm', 'CreateFormInput', { workspaceId: owner.workspaceId, name: 'Mine' });
    expect(ok(await gw.gql(`mutation($id: ID!) { publishForm(id: $id) { id } }`, { id: mine.id }, m.token)).publishForm.id).toBe(mine.id);
    const theirs = await mutate(gw, owner.token, 'createForm', 'CreateFormInput', { workspaceId: owner.workspaceId, name: 'Theirs' });
    expect(err(await gw.gql(`mutation($id: ID!) { publishForm(id: $id) { id } }`, { id: theirs.id }, m.token))).toMatchObject(
      forbidden('forms:publish'),
    );
    const viewer = await memberWith(gw, owner, roles['mautic-forms-view-others']!, acct(owner), 'noroles');
    expect(err(await gw.gql(CREATE, { input: { ...input, name: 'x' } }, viewer.token))).toMatchObject(forbidden('roles:create'));
  });

  it('MA8: new users get the Administrator role unless another role is chosen; one who may not grant it must choose', async () => {
    const ACCOUNT = `query($id: ID!) { account(id: $id) { settings { defaultRole { key } } } }`;
    expect(ok(await gw.gql(ACCOUNT, { id: owner.accountId }, owner.token)).account.settings.defaultRole.key).toBe('mautic-administrator');
    const INVITE = `mutation($input: InviteUserInput!) { inviteUser(input: $input) { role { key } } }`;
    const invite = (token: string, roleId?: string) =>
      gw.gql(INVITE, { input: { accountId: owner.accountId, email: uniqueEmail('ma8'), roleId } }, token);
    expect(ok(await invite(admin.token)).inviteUser.role.key).toBe('mautic-administrator');
    expect(ok(await invite(admin.token, roles['mautic-campaigns-view-others'])).inviteUser.role.key).toBe('mautic-campaigns-view-others');
    // A manager of users who is not an administrator must name a role they may grant.
    const CREATE_ROLE = `mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`;
    const managerRole = ok(
      await gw.gql(
        CREATE_ROLE,
        {
          input: {
            accountId: owner.accountId,
            name: 'MA8 user manager',
            permissions: ['account:view', 'members:invite', 'roles:assign', 'campaigns:view'],
          },
        },
        owner.token,
      ),
    ).createRole.id;
    const manager = await memberWith(gw, owner, managerRole, acct(owner), 'ma8-manager');
    expect(err(await invite(manager.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'roleId',
      message: expect.stringContaining('"Administrator"'),
    });
    expect(ok(await invite(manager.token, roles['mautic-campaigns-view-others'])).inviteUser.role.key).toBe('mautic-campaigns-view-others');
    // The administrator may choose another default, and back.
    const SETTINGS = `mutation($input: UpdateAccountSettingsInput!) { updateAccountSettings(input: $input) { defaultRole { key } } }`;
    const setDefault = (key: string, token: string) =>
      gw.gql(SETTINGS, { input: { accountId: owner.accountId, defaultRoleId: roles[key] } }, token);
    expect(ok(await setDefault('mautic-campaigns-view-others', admin.token)).updateAccountSettings.defaultRole.key).toBe(
      'mautic-campaigns-view-others',
    );
    expect(ok(await invite(manager.token)).inviteUser.role.key).toBe('mautic-campaigns-view-others');
    expect(ok(await setDefault('mautic-administrator', admin.token)).updateAccountSettings.defaultRole.key).toBe('mautic-administrator');
  });
});
