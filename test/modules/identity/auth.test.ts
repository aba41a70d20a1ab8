import { errorCode, startTestGateway, STRONG_PASSWORD, uniqueEmail, type TestGateway } from '../../helpers/gateway';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.stop());

const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token user { id email name } account { id name owner { email } workspaces { edges { node { name } } } } } }`;
const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { token user { email } } }`;
const VIEWER = `{ viewer { user { email } accounts { id name } } }`;

describe('signUp', () => {
  it('creates an account, its owner and a workspace named Default, and signs in', async () => {
    const email = uniqueEmail('new');
    const r = await gw.gql(SIGN_UP, { input: { email, password: STRONG_PASSWORD, name: 'Nora New', accountName: 'Nora Mail' } });
    expect(r.body.errors).toBeUndefined();
    const p = r.body.data!.signUp;
    expect(p.user.email).toBe(email);
    expect(p.account.name).toBe('Nora Mail');
    expect(p.account.owner.email).toBe(email);
    expect(p.account.workspaces.edges.map((e: any) => e.node.name)).toEqual(['Default']);
    const v = await gw.gql(VIEWER, {}, p.token);
    expect(v.body.data!.viewer.user.email).toBe(email);
    expect(v.body.data!.viewer.accounts).toEqual([{ id: p.account.id, name: 'Nora Mail' }]);
  });

  it('answers a registered email exactly as a new one (no enumeration), with a new unverified login', async () => {
    const email = uniqueEmail('dup');
    const first = await gw.gql(SIGN_UP, { input: { email, password: STRONG_PASSWORD, name: 'A', accountName: 'A' } });
    const r = await gw.gql(SIGN_UP, { input: { email: email.toUpperCase(), password: STRONG_PASSWORD, name: 'B', accountName: 'B' } });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.signUp.user.email).toBe(email);
    expect(r.body.data!.signUp.user.id).not.toBe(first.body.data!.signUp.user.id);
  });

  it.each([
    ['short', 'Ab1!'],
    ['one class', 'aaaaaaaaaaaaaaaa'],
    ['two classes', 'abcdefghij123'],
  ])('refuses a weak password (%s) and creates nothing', async (_why, password) => {
    const email = uniqueEmail('weak');
    const r = await gw.gql(SIGN_UP, { input: { email, password, name: 'W', accountName: 'W' } });
    expect(errorCode(r)).toBe('BAD_USER_INPUT');
    expect(r.body.errors![0]!.extensions!.field).toBe('password');
    const again = await gw.gql(SIGN_UP, { input: { email, password: STRONG_PASSWORD, name: 'W', accountName: 'W' } });
    expect(again.body.errors).toBeUndefined();
  });

  it('refuses an invalid email through the EmailAddress scalar', async () => {
    const r = await gw.gql(SIGN_UP, { input: { email: 'not-an-email', password: STRONG_PASSWORD, name: 'X', accountName: 'X' } });
    expect(errorCode(r)).toBe('BAD_USER_INPUT');
  });
});

describe('login and logout', () => {
  it('logs in with the right password; wrong password and unknown email give the same error', async () => {
    const owner = await gw.signUp();
    const ok = await gw.gql(LOGIN, { input: { email: owner.email, password: owner.password } });
    expect(ok.body.data!.login.user.email).toBe(owner.email);

    const wrong = await gw.gql(LOGIN, { input: { email: owner.email, password: 'Wrong-Password-1' } });
    const unknown = await gw.gql(LOGIN, { input: { email: uniqueEmail('nobody'), password: 'Wrong-Password-1' } });
    expect(errorCode(wrong)).toBe('UNAUTHENTICATED');
    expect(wrong.body.errors![0]!.message).toBe(unknown.body.errors![0]!.message);
    expect(errorCode(unknown)).toBe(errorCode(wrong));
    expect(wrong.body.data).toBe(unknown.body.data);
  });

  it('logout revokes the session at once', async () => {
    const owner = await gw.signUp();
    const before = await gw.gql(VIEWER, {}, owner.token);
    expect(before.body.data!.viewer).not.toBeNull();
    const out = await gw.gql(`mutation { logout }`, {}, owner.token);
    expect(out.body.data!.logout).toBe(true);
    const after = await gw.gql(VIEWER, {}, owner.token);
    expect(errorCode(after)).toBe('UNAUTHENTICATED');
    const guarded = await gw.gql(`query($id: ID!) { account(id: $id) { id } }`, { id: owner.accountId }, owner.token);
    expect(errorCode(guarded)).toBe('UNAUTHENTICATED');
  });

  it('viewer is null without a token and guarded fields are UNAUTHENTICATED', async () => {
    const v = await gw.gql(VIEWER);
    expect(v.body.data!.viewer).toBeNull();
    const r = await gw.gql(`{ workspace(id: "000000000000000000000000") { id } }`);
    expect(errorCode(r)).toBe('UNAUTHENTICATED');
    const bad = await gw.gql(`{ workspace(id: "000000000000000000000000") { id } }`, {}, 'not-a-real-token');
    expect(errorCode(bad)).toBe('UNAUTHENTICATED');
  });

  it('never logs the password or the session token', async () => {
    const owner = await gw.signUp();
    await gw.gql(LOGIN, { input: { email: owner.email, password: owner.password } });
    const all = gw.logs.join('');
    expect(all).not.toContain(owner.password);
    expect(all).not.toContain(owner.token);
  });
});
