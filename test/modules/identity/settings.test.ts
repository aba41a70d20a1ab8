import { errorCode, startTestGateway, STRONG_PASSWORD, type GqlResponse, type TestGateway } from '../../helpers/gateway';
import { AuditEvent } from '../../../src/audit/model';
import { User } from '../../../src/modules/identity/user.model';
import { addMember } from '../testing/member';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.stop());

const UPDATE = `mutation($input: UpdateMySettingsInput!) { updateMySettings(input: $input) {
  id name firstName lastName username position signature timezone language } }`;
const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { token } }`;
const VIEWER = `{ viewer { user { id firstName timezone } } }`;
const NEW_PASSWORD = 'Brand-New-Secret-42';

const fieldOf = (r: GqlResponse) => r.body.errors?.[0]?.extensions?.field;

describe('updateMySettings', () => {
  it('updates the caller’s own profile, trims values and clears with an empty string', async () => {
    const me = await gw.signUp();
    const r = await gw.gql(
      UPDATE,
      {
        input: {
          name: 'Olive Oyl',
          firstName: ' Olive ',
          lastName: 'Oyl',
          username: 'olive.oyl',
          position: 'Head of Deliverability',
          signature: 'Olive\nPostern Inc.',
          timezone: 'Europe/Paris',
          language: 'fr-CA',
        },
      },
      me.token,
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.updateMySettings).toEqual({
      id: me.userId,
      name: 'Olive Oyl',
      firstName: 'Olive',
      lastName: 'Oyl',
      username: 'olive.oyl',
      position: 'Head of Deliverability',
      signature: 'Olive\nPostern Inc.',
      timezone: 'Europe/Paris',
      language: 'fr-CA',
    });
    const cleared = await gw.gql(UPDATE, { input: { position: '', language: 'en' } }, me.token);
    expect(cleared.body.data!.updateMySettings).toMatchObject({ position: null, language: 'en', timezone: 'Europe/Paris' });
    const v = await gw.gql(VIEWER, {}, me.token);
    expect(v.body.data!.viewer.user).toEqual({ id: me.userId, firstName: 'Olive', timezone: 'Europe/Paris' });
    const stored = await User.findById(me.userId).lean();
    expect(stored!.position).toBeUndefined();

    const events = await AuditEvent.find({ accountId: me.accountId, action: 'user.settingsUpdated' }).lean();
    expect(events).toHaveLength(2);
    expect(events[0]!.after).toMatchObject({ timezone: 'Europe/Paris', username: 'olive.oyl' });
  });

  it.each([
    [{ timezone: 'Mars/Olympus_Mons' }, 'timezone'],
    [{ timezone: 'CET; DROP' }, 'timezone'],
    [{ language: 'english' }, 'language'],
    [{ language: 'fr_CA' }, 'language'],
    [{ language: 'en-' }, 'language'],
    [{ username: 'a' }, 'username'],
    [{ username: 'has space' }, 'username'],
    [{ firstName: 'x'.repeat(101) }, 'firstName'],
    [{ position: 'p'.repeat(101) }, 'position'],
    [{ signature: 's'.repeat(2001) }, 'signature'],
    [{ name: '   ' }, 'name'],
    [{ lastName: 'two\nlines' }, 'lastName'],
  ])('refuses a bad value with BAD_USER_INPUT on the field (%#)', async (input: Record<string, string>, field) => {
    const me = await gw.signUp();
    const r = await gw.gql(UPDATE, { input: { ...input, firstName: input.firstName ?? 'Changed' } }, me.token);
    expect(errorCode(r)).toBe('BAD_USER_INPUT');
    expect(fieldOf(r)).toBe(field);
    expect((await User.findById(me.userId).lean())!.firstName).toBeUndefined();
  });

  it('accepts real time zones and language tags', async () => {
    const me = await gw.signUp();
    for (const [timezone, language] of [
      ['America/Argentina/Buenos_Aires', 'es-419'],
      ['UTC', 'zh-Hant'],
      ['Asia/Kolkata', 'sr-Latn-RS'],
    ]) {
      const r = await gw.gql(UPDATE, { input: { timezone, language } }, me.token);
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data!.updateMySettings).toMatchObject({ timezone, language });
    }
    const canonical = await gw.gql(UPDATE, { input: { timezone: 'europe/paris', language: 'PT-br' } }, me.token);
    expect(canonical.body.data!.updateMySettings).toMatchObject({ timezone: 'Europe/Paris', language: 'pt-BR' });
  });

  it('refuses a username someone else has', async () => {
    const a = await gw.signUp();
    const b = await gw.signUp();
    const name = `taken-${a.userId.slice(-6)}`;
    expect((await gw.gql(UPDATE, { input: { username: name } }, a.token)).body.errors).toBeUndefined();
    expect((await gw.gql(UPDATE, { input: { username: name } }, a.token)).body.errors).toBeUndefined();
    const r = await gw.gql(UPDATE, { input: { username: name } }, b.token);
    expect(fieldOf(r)).toBe('username');
  });

  it('needs a signed-in user, and no permission at all', async () => {
    const anon = await gw.gql(UPDATE, { input: { firstName: 'Ghost' } });
    expect(errorCode(anon)).toBe('UNAUTHENTICATED');
    const owner = await gw.signUp();
    const powerless = await addMember(gw, owner.accountId, []);
    const r = await gw.gql(UPDATE, { input: { firstName: 'Still Me', timezone: 'Asia/Tokyo' } }, powerless.token);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.updateMySettings).toMatchObject({ id: powerless.userId, firstName: 'Still Me', timezone: 'Asia/Tokyo' });
    expect((await User.findById(owner.userId).lean())!.firstName).toBeUndefined();
  });
  it('refuses a partner API token: settings are changed by the signed-in user', async () => {
    const owner = await gw.signUp();
    const t = await gw.gql(
      `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`,
      {
        input: {
          accountId: owner.accountId,
          name: 'CI',
          scopes: ['account:view'],
          expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        },
      },
      owner.token,
    );
    expect(t.body.errors).toBeUndefined();
    const r = await gw.gql(UPDATE, { input: { firstName: 'Robot' } }, t.body.data!.createApiToken.token);
    expect(errorCode(r)).toBe('BAD_USER_INPUT');
    expect((await User.findById(owner.userId).lean())!.firstName).toBeUndefined();
  });
});

describe('password change', () => {
  it('needs the current password and a strong new one', async () => {
    const me = await gw.signUp();
    const missing = await gw.gql(UPDATE, { input: { password: NEW_PASSWORD } }, me.token);
    expect(fieldOf(missing)).toBe('currentPassword');
    const wrong = await gw.gql(UPDATE, { input: { password: NEW_PASSWORD, currentPassword: 'Not-The-Password-1' } }, me.token);
    expect(fieldOf(wrong)).toBe('currentPassword');
    const weak = await gw.gql(UPDATE, { input: { password: 'short', currentPassword: STRONG_PASSWORD } }, me.token);
    expect(fieldOf(weak)).toBe('password');
    const same = await gw.gql(UPDATE, { input: { password: STRONG_PASSWORD, currentPassword: STRONG_PASSWORD } }, me.token);
    expect(fieldOf(same)).toBe('password');
    const still = await gw.gql(LOGIN, { input: { email: me.email, password: STRONG_PASSWORD } });
    expect(still.body.errors).toBeUndefined();
  });

  it('changes the password, signs out the other sessions and keeps this one; nothing secret is recorded', async () => {
    const me = await gw.signUp();
    const laptop = (await gw.gql(LOGIN, { input: { email: me.email, password: STRONG_PASSWORD } })).body.data!.login.token;
    const phone = (await gw.gql(LOGIN, { input: { email: me.email, password: STRONG_PASSWORD } })).body.data!.login.token;
    expect((await gw.gql(VIEWER, {}, phone)).body.data!.viewer).not.toBeNull();

    const r = await gw.gql(UPDATE, { input: { password: NEW_PASSWORD, currentPassword: STRONG_PASSWORD, firstName: 'Pat' } }, laptop);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.updateMySettings.firstName).toBe('Pat');

    expect((await gw.gql(VIEWER, {}, laptop)).body.data!.viewer.user.firstName).toBe('Pat');
    expect(errorCode(await gw.gql(VIEWER, {}, phone))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gw.gql(VIEWER, {}, me.token))).toBe('UNAUTHENTICATED');

    const old = await gw.gql(LOGIN, { input: { email: me.email, password: STRONG_PASSWORD } });
    expect(errorCode(old)).toBe('UNAUTHENTICATED');
    const fresh = await gw.gql(LOGIN, { input: { email: me.email, password: NEW_PASSWORD } });
    expect(fresh.body.errors).toBeUndefined();

    const events = await AuditEvent.find({ accountId: me.accountId }).lean();
    const changed = events.find((e) => e.action === 'user.passwordChanged');
    expect(changed!.meta).toEqual({ otherSessionsSignedOut: 2 });
    const stored = JSON.stringify(events);
    expect(stored).not.toContain(NEW_PASSWORD);
    expect(stored).not.toContain(STRONG_PASSWORD);
    expect(stored).not.toContain('scrypt$');
    expect(gw.logs.join('\n')).not.toContain(NEW_PASSWORD);
    expect(r.text).not.toContain(NEW_PASSWORD);
  });
});
