// Single sign-on: the account's settings (configureSso), the end of every SSO sign-in (OIDC or SAML:
// domain check, SCIM deprovisioning respected, just-in-time membership with the default role, the
// session), and "SSO required" (password login refused for members; the owner keeps a break-glass path).
import type { Context } from '../graphql/context';
import type { ConfigureSsoInput } from '../graphql/generated';
import { hashPassword } from '../crypto/passwords';
import { secretBox } from '../crypto/secrets';
import { randomSecret } from '../crypto/tokens';
import { BadInputError, UnauthenticatedError } from '../errors';
import { assignRole } from '../modules/access/bindings.service';
import { takeSeat } from '../modules/billing/seats.service';
import type { RoleDoc } from '../authz/store';
import { accessStore } from '../authz/store';
import { Account, Member, type AccountDoc } from '../modules/accounts/account.model';
import { Session, User, type UserDoc } from '../modules/identity/user.model';
import { claimAddress, verifiedHolder } from '../modules/identity/email.service';
import { completeLogin, type AuthResult } from '../modules/identity/session.service';
import { ScimUser } from '../scim/scim.model';
import { assertPlanIncludes } from '../modules/billing/plan.service';
import { SsoConfig, type SsoConfigDoc } from './sso.model';
import { isEmailAddress } from '../mail/address';

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** https, or http on a loopback address (a provider on the same machine, as in development). */
export function isAcceptableIdpUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

export function cleanDomains(list: string[], field = 'allowedEmailDomains'): string[] {
  const domains = [...new Set(list.map((d) => d.trim().toLowerCase()).filter(Boolean))];
  if (!domains.length) throw new BadInputError('Name at least one email domain whose people may sign in', field);
  if (domains.length > 50) throw new BadInputError('At most 50 email domains', field);
  const bad = domains.find((d) => !DOMAIN.test(d));
  if (bad) throw new BadInputError(`${JSON.stringify(bad)} is not a domain name`, field);
  return domains;
}

/** What the audit log keeps of the settings: never the secret, only whether one is set. */
export function ssoView(c: Partial<SsoConfigDoc> | null): Record<string, unknown> {
  if (!c) return {};
  return {
    oidcIssuer: c.oidcIssuer ?? null,
    oidcClientId: c.oidcClientId ?? null,
    oidcClientSecretSet: !!c.oidcClientSecretEnc,
    samlEntityId: c.samlEntityId ?? null,
    samlSsoUrl: c.samlSsoUrl ?? null,
    samlCertificates: c.samlCertificates?.length ?? 0,
    allowedEmailDomains: c.allowedEmailDomains ?? [],
    defaultRoleId: c.defaultRoleId ?? null,
    ssoRequired: !!c.ssoRequired,
  };
}

/** Checks the fields every protocol shares and returns them as a $set. */
export async function sharedSettings(
  ctx: Context,
  account: AccountDoc,
  input: Pick<ConfigureSsoInput, 'allowedEmailDomains' | 'defaultRoleId' | 'ssoRequired'>,
): Promise<Partial<SsoConfigDoc>> {
  const set: Partial<SsoConfigDoc> = {};
  if (input.allowedEmailDomains) set.allowedEmailDomains = cleanDomains(input.allowedEmailDomains);
  if (input.defaultRoleId !== undefined) {
    if (input.defaultRoleId) {
      const role = await ctx.loaders.load<RoleDoc>('Role', input.defaultRoleId);
      if (!role || role.accountId !== account._id)
        throw new BadInputError(`No role with id ${JSON.stringify(input.defaultRoleId)}`, 'defaultRoleId');
      if (role.key === 'owner') throw new BadInputError('The owner role is never assigned', 'defaultRoleId');
    }
    set.defaultRoleId = input.defaultRoleId || null;
  }
  if (input.ssoRequired !== undefined && input.ssoRequired !== null) set.ssoRequired = input.ssoRequired;
  return set;
}

/** Writes the settings (one document per account) and audits the change. */
export async function saveSsoConfig(ctx: Context, account: AccountDoc, set: Partial<SsoConfigDoc>, action: string): Promise<SsoConfigDoc> {
  const before = await SsoConfig.findOne({ accountId: account._id }).lean<SsoConfigDoc>();
  if (!(set.allowedEmailDomains ?? before?.allowedEmailDomains ?? []).length) {
    throw new BadInputError('Name at least one email domain whose people may sign in', 'allowedEmailDomains');
  }
  const after = (await SsoConfig.findOneAndUpdate(
    { accountId: account._id },
    { $set: { ...set, configuredBy: ctx.actorId } },
    { upsert: true, returnDocument: 'after', setDefaultsOnInsert: true },
  ).lean<SsoConfigDoc>())!;
  after.samlCertificates ??= [];
  // Mirrored on the account: the account gate (src/identity/gate.ts) decides from the account document alone.
  await Account.updateOne({ _id: account._id }, { $set: { ssoRequired: !!after.ssoRequired } });
  const ended = after.ssoRequired && !before?.ssoRequired ? await endPasswordSessions(account) : 0;
  await ctx.audit.change({
    accountId: account._id,
    action,
    target: { type: 'SsoConfiguration', id: after._id },
    before: ssoView(before),
    after: ssoView(after),
    ...(ended ? { meta: { passwordSessionsEnded: ended } } : {}),
  });
  return after;
}

/**
 * When an account starts requiring SSO, the sessions its members opened with a password end at once
 * (the same members assertPasswordLoginAllowed refuses from then on: not the owner, and only people who
 * belong to this account alone). Their SSO sessions stay. Returns how many sessions ended.
 */
async function endPasswordSessions(account: AccountDoc): Promise<number> {
  const members = (await Member.find({ accountId: account._id }).select({ userId: 1 }).lean())
    .map((m) => m.userId)
    .filter((id) => id !== account.ownerId);
  if (!members.length) return 0;
  const elsewhere = new Set(
    (
      await Member.find({ userId: { $in: members }, accountId: { $ne: account._id } })
        .select({ userId: 1 })
        .lean()
    ).map((m) => m.userId),
  );
  const affected = members.filter((id) => !elsewhere.has(id));
  if (!affected.length) return 0;
  const res = await Session.updateMany(
    { userId: { $in: affected }, revokedAt: null, method: { $not: /^sso:/ } },
    { $set: { revokedAt: new Date() } },
  );
  return res.modifiedCount;
}

export async function configureSso(ctx: Context, input: ConfigureSsoInput): Promise<SsoConfigDoc> {
  const account = await ctx.loaders.existing<AccountDoc>('Account', input.accountId);
  if (ctx.principal?.kind !== 'user') throw new BadInputError('Single sign-on is configured by a person, not with a partner API token');
  await assertPlanIncludes(account._id, 'sso');
  const existing = await SsoConfig.findOne({ accountId: account._id }).lean<SsoConfigDoc>();
  const set: Partial<SsoConfigDoc> = await sharedSettings(ctx, account, input);
  if (input.issuer !== undefined && input.issuer !== null) {
    const issuer = input.issuer.trim().replace(/\/+$/, '');
    if (!isAcceptableIdpUrl(issuer)) throw new BadInputError('issuer must be an https URL', 'issuer');
    set.oidcIssuer = issuer;
  }
  if (input.clientId !== undefined && input.clientId !== null) {
    const id = input.clientId.trim();
    if (!id || id.length > 255) throw new BadInputError('clientId must be 1–255 characters', 'clientId');
    set.oidcClientId = id;
  }
  if (input.clientSecret !== undefined && input.clientSecret !== null) {
    if (!input.clientSecret || input.clientSecret.length > 1000)
      throw new BadInputError('clientSecret must be 1–1000 characters', 'clientSecret');
    set.oidcClientSecretEnc = secretBox().seal(input.clientSecret);
  }
  const issuer = set.oidcIssuer ?? existing?.oidcIssuer;
  const clientId = set.oidcClientId ?? existing?.oidcClientId;
  const touchesOidc = !!(set.oidcIssuer || set.oidcClientId || set.oidcClientSecretEnc);
  if ((touchesOidc || !existing?.samlSsoUrl) && (!issuer || !clientId)) {
    throw new BadInputError('OpenID Connect needs an issuer and a client id', issuer ? 'clientId' : 'issuer');
  }
  return saveSsoConfig(ctx, account, set, 'sso.configured');
}

export function oidcClientSecret(c: SsoConfigDoc): string | undefined {
  return c.oidcClientSecretEnc ? secretBox().open(c.oidcClientSecretEnc) : undefined;
}

/**
 * Whether the account's identity provider may speak for this user: they belong to no other account.
 * Sessions are not tied to an account, so an IdP that one account controls must never mint a session
 * that reaches another account's data.
 */
export async function onlyInAccount(userId: string, accountId: string): Promise<boolean> {
  return !(await Member.exists({ userId, accountId: { $ne: accountId } }));
}

/**
 * The Postern user an account's identity provider (SSO or SCIM) speaks for: the verified holder of
 * the address when there is one and it belongs to no other account; otherwise a new user with no
 * usable password whose address the provider vouches for (claimed as verified; unverified sign-ups of
 * the same address by others are left alone). Null when the holder belongs to other accounts.
 */
export async function userForIdentityProvider(
  email: string,
  accountId: string,
  profile: { name?: string | null; firstName?: string | null; lastName?: string | null } = {},
): Promise<{ user: UserDoc; created: boolean } | null> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const holder = await verifiedHolder(email);
    if (holder) return (await onlyInAccount(holder._id, accountId)) ? { user: holder, created: false } : null;
    const user = (
      await User.create({
        email,
        name: profile.name || [profile.firstName, profile.lastName].filter(Boolean).join(' ') || email.split('@')[0]!,
        ...(profile.firstName ? { firstName: profile.firstName } : {}),
        ...(profile.lastName ? { lastName: profile.lastName } : {}),
        passwordHash: await hashPassword(randomSecret(32)),
      })
    ).toObject();
    if (await claimAddress(user)) return { user: { ...user, emailVerifiedAt: new Date() }, created: true };
    await User.deleteOne({ _id: user._id }); // verified by someone else meanwhile: look again
  }
  return null;
}

export class SsoRefusedError extends Error {
  constructor(
    message: string,
    readonly status = 403,
  ) {
    super(message);
  }
}

/**
 * The end of an SSO sign-in whose assertion was checked: the email must be of an allowed domain and
 * not known unverified; a user deprovisioned by SCIM stays out; a newcomer becomes a member with the
 * default role (bound by assignRole, acting for whoever configured SSO); then the session.
 */
export async function completeSsoSignIn(
  ctx: Context,
  config: SsoConfigDoc,
  identity: { email: string | undefined; emailVerified: boolean | undefined; method: 'oidc' | 'saml' },
): Promise<AuthResult> {
  const email = identity.email?.trim().toLowerCase();
  if (!email || !isEmailAddress(email)) throw new SsoRefusedError('The identity provider sent no email address');
  if (identity.emailVerified === false) throw new SsoRefusedError('The identity provider says this email address is not verified');
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (!config.allowedEmailDomains.includes(domain)) throw new SsoRefusedError(`People of ${domain} cannot sign in to this account`);
  const account = await ctx.loaders.existing<AccountDoc>('Account', config.accountId);

  const found = await userForIdentityProvider(email, account._id);
  if (!found) throw new SsoRefusedError('This address uses Postern in other accounts too: sign in with your password');
  const user = found.user;
  if (await ScimUser.exists({ accountId: account._id, userId: user._id, active: false })) {
    throw new SsoRefusedError('This user was deprovisioned from the account by its identity provider');
  }
  if (!(await accessStore.isMember(account._id, user._id))) {
    ctx.principal = { kind: 'user', id: config.configuredBy, userId: config.configuredBy, sessionId: `sso:${config._id}` };
    // The access store bumps the account's permissionsVersion itself.
    // A seat of the plan first: with none left, the sign-in is refused.
    let seat;
    try {
      seat = await takeSeat(account, user._id, 'email');
    } catch (err) {
      if (err instanceof BadInputError) throw new SsoRefusedError(err.message);
      throw err;
    }
    const joined = await accessStore.addMember({ accountId: account._id, userId: user._id, createdBy: config.configuredBy });
    if (!joined) await seat.release();
    if (joined) {
      if (config.defaultRoleId) {
        await assignRole(ctx, { userId: user._id, roleId: config.defaultRoleId, scope: { type: 'ACCOUNT', id: account._id } });
      }
      await ctx.audit.change({
        accountId: account._id,
        action: 'sso.memberJoined',
        target: { type: 'User', id: user._id },
        after: { email, defaultRoleId: config.defaultRoleId ?? null },
        meta: { method: identity.method },
      });
    }
  }
  const result = await completeLogin(ctx, user, `sso:${identity.method}`, { ssoAccountId: account._id, account });
  return { ...result, account };
}

/**
 * The login hook for "SSO required": a member of such an account (not its owner) cannot sign in with
 * a password. Runs after the password was checked, so it tells nothing to someone without it.
 */
export async function assertPasswordLoginAllowed(user: UserDoc): Promise<void> {
  const memberships = await Member.find({ userId: user._id }).select({ accountId: 1 }).lean();
  // Someone who also belongs to other accounts cannot be signed in by one account's IdP
  // (completeSsoSignIn): their password stays their way in, or they would be locked out.
  if (memberships.length !== 1) return;
  const required = await SsoConfig.find({ ssoRequired: true, accountId: { $in: memberships.map((m) => m.accountId) } })
    .select({ accountId: 1 })
    .lean();
  for (const c of required) {
    const account = await Account.findById(c.accountId).select({ ownerId: 1, name: 1 }).lean();
    if (account && account.ownerId !== user._id) {
      throw new UnauthenticatedError(
        `${account.name} requires single sign-on: sign in through your identity provider at /sso/${account._id}/oidc/login or /sso/${account._id}/saml/login`,
      );
    }
  }
}
