// Single sign-on: the account's settings (configureSso), the end of every SSO sign-in (OIDC or SAML:
// domain check, SCIM deprovisioning respected, just-in-time membership with the default role, the
// session), and "SSO required" (password login refused for members; the owner keeps a break-glass path).
import type { Context } from '../graphql';
import type { ConfigureSsoInput } from '../generated';
import { hashPassword, secretBox, randomSecret } from '../crypto';
import { BadInputError } from '../errors';
import { assignRole } from '../modules/access/bindings.service';
import { takeSeat } from '../modules/billing/seats.service';
import type { RoleDoc } from '../authz';
import { Account, Member, type AccountDoc } from '../modules/accounts/account.model';
import { Session, User, type UserDoc } from '../modules/identity/user.model';
import { claimAddress, SYSTEM_FROM, verifiedHolder } from '../modules/identity/email.service';
import { completeLogin, type AuthResult } from '../modules/identity/session.service';
import { ScimUser } from '../scim/scim.model';
import { assertPlanIncludes } from '../modules/billing/plan.service';
import { SsoConfig, SsoPendingChange, type SsoConfigDoc, type SsoPendingChangeDoc } from './sso.model';
import { isEmailAddress } from '../mail';
import { accountMayVouchFor, domainOfAddress, isUnderProvenDomain, provenDomainsOf } from '../modules/sending/trusted-domain.service';
import { linkLetsIn, offerLink, recordCreatedLink } from './link.service';

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

import { assertPublicUrl } from '../http';
import { HTTPS_REQUIRED, idpEgressPolicy, isAcceptableIdpUrl } from './idp-url';
export { isAcceptableIdpUrl };

/** The domains' syntax, lower-cased and without duplicates. */
export function cleanDomains(list: string[], field = 'allowedEmailDomains'): string[] {
  const domains = [...new Set(list.map((d) => d.trim().toLowerCase().replace(/\.$/, '')).filter(Boolean))];
  if (!domains.length) throw new BadInputError('Name at least one email domain whose people may sign in', field);
  if (domains.length > 50) throw new BadInputError('At most 50 email domains', field);
  const bad = domains.find((d) => !DOMAIN.test(d));
  if (bad) throw new BadInputError(`${JSON.stringify(bad)} is not a domain name`, field);
  return domains;
}

/**
 * Allowed email domains: only names this account proved it controls through DNS (a verified sending
 * domain's OWNERSHIP record, or a subdomain of one). An identity provider of the account can speak
 * for people of these domains and of no others.
 */
export async function provenAllowedDomains(accountId: string, list: string[], field = 'allowedEmailDomains'): Promise<string[]> {
  const domains = cleanDomains(list, field);
  const proven = await provenDomainsOf(accountId);
  const unproven = domains.find((d) => !isUnderProvenDomain(d, proven));
  if (unproven) {
    throw new BadInputError(
      `${JSON.stringify(unproven)} is not a domain this account has proved it owns. Prove it first: add it as a sending domain ` +
        `(createDomain), publish the OWNERSHIP TXT record it lists (_postern.${unproven}) and run verifyDomain`,
      field,
    );
  }
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
  if (input.allowedEmailDomains) set.allowedEmailDomains = await provenAllowedDomains(account._id, input.allowedEmailDomains);
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

/** The settings that say whom the account trusts to vouch for its people: the owner's step. */
const IDP_FIELDS = [
  'oidcIssuer',
  'oidcClientId',
  'oidcClientSecretEnc',
  'samlEntityId',
  'samlSsoUrl',
  'samlCertificates',
  'allowedEmailDomains',
] as const satisfies readonly (keyof SsoConfigDoc)[];
type IdpSet = SsoPendingChangeDoc['set'];

const PENDING_TTL_MS = 7 * 24 * 3600 * 1000;

/** SSO, like SCIM and 2FA settings, is changed by people: a partner API token is refused (and audited). */
export async function assertPersonChangesSso(ctx: Context, account: AccountDoc, action: string): Promise<string> {
  const p = ctx.principal;
  if (p?.kind === 'user') return p.userId;
  if (p) {
    await ctx.audit.record({
      accountId: account._id,
      action: 'sso.changeRefused',
      target: { type: 'Account', id: account._id },
      meta: { attempted: action, reason: 'partner API token' },
    });
  }
  throw new BadInputError('Single sign-on is configured by a person signed in, not with a partner API token');
}

/**
 * Applies a change of the SSO settings. The owner's changes apply at once. Anyone else's change of the
 * identity provider (IDP_FIELDS) waits for the owner's confirmation (confirmSsoChange); the other
 * settings (default role, SSO required) apply at once.
 */
export async function changeSsoConfig(
  ctx: Context,
  account: AccountDoc,
  set: Partial<SsoConfigDoc>,
  action: string,
): Promise<SsoConfigDoc> {
  const actor = await assertPersonChangesSso(ctx, account, action);
  const idp: IdpSet = {};
  const rest: Partial<SsoConfigDoc> = {};
  for (const [k, v] of Object.entries(set)) {
    if ((IDP_FIELDS as readonly string[]).includes(k)) (idp as Record<string, unknown>)[k] = v;
    else (rest as Record<string, unknown>)[k] = v;
  }
  if (actor === account.ownerId || !Object.keys(idp).length) return saveSsoConfig(ctx, account, set, action);
  const version = randomSecret(16);
  await SsoPendingChange.findOneAndUpdate(
    { _id: account._id },
    { $set: { accountId: account._id, version, set: idp, requestedBy: actor, action, expiresAt: new Date(Date.now() + PENDING_TTL_MS) } },
    { upsert: true },
  );
  const current = await SsoConfig.findOne({ accountId: account._id }).lean<SsoConfigDoc>();
  await ctx.audit.change({
    accountId: account._id,
    action: 'sso.changeRequested',
    target: { type: 'SsoConfiguration', id: current?._id ?? account._id },
    before: ssoView(current),
    after: ssoView({ ...(current ?? {}), ...idp }),
    meta: { requested: action, awaits: 'owner' },
  });
  await mailOwner(ctx, account, actor);
  if (Object.keys(rest).length) return saveSsoConfig(ctx, account, rest, action, { allowEmpty: true });
  // Nothing applies now: the settings document exists (to show the pending change), unchanged.
  return (await SsoConfig.findOneAndUpdate(
    { accountId: account._id },
    { $setOnInsert: { configuredBy: actor } },
    { upsert: true, returnDocument: 'after', setDefaultsOnInsert: true },
  ).lean<SsoConfigDoc>())!;
}

async function mailOwner(ctx: Context, account: AccountDoc, requestedBy: string): Promise<void> {
  const [owner, requester] = await Promise.all([
    ctx.loaders.load<UserDoc>('User', account.ownerId),
    ctx.loaders.load<UserDoc>('User', requestedBy),
  ]);
  if (!owner) return;
  await ctx.mailer.send({
    from: SYSTEM_FROM,
    to: owner.email,
    subject: `Confirm the single sign-on change of ${account.name}`,
    text:
      `${requester?.email ?? 'A member'} asked to change the identity provider of ${account.name} ` +
      `(who may sign people in). Nothing changes until you confirm it: review the pending change in the ` +
      `account's security settings (confirmSsoChange), or discard it (discardSsoChange).`,
  });
}

/** The owner applies the pending change they reviewed (`version`), re-checking its domains' proof. */
export async function confirmSsoChange(ctx: Context, accountId: string, version: string): Promise<SsoConfigDoc> {
  const account = await ctx.loaders.existing<AccountDoc>('Account', accountId);
  const actor = await assertPersonChangesSso(ctx, account, 'sso.changeConfirmed');
  if (actor !== account.ownerId) throw new BadInputError('Only the owner of the account confirms a change of its identity provider');
  const pending = await SsoPendingChange.findOne({ _id: account._id, version, expiresAt: { $gt: new Date() } }).lean<SsoPendingChangeDoc>();
  if (!pending) throw new BadInputError('No such pending change: it was replaced, discarded, confirmed or has expired', 'version');
  // A domain may have lost its proof since the request.
  if (pending.set.allowedEmailDomains) await provenAllowedDomains(account._id, pending.set.allowedEmailDomains);
  const taken = await SsoPendingChange.findOneAndDelete({ _id: account._id, version }).lean();
  if (!taken) throw new BadInputError('No such pending change: it was replaced, discarded or confirmed meanwhile', 'version');
  return saveSsoConfig(ctx, account, { ...pending.set }, 'sso.changeConfirmed', { requestedBy: pending.requestedBy });
}

/** Drops the pending change: the owner, or whoever may edit security settings, can. */
export async function discardSsoChange(ctx: Context, accountId: string): Promise<boolean> {
  const account = await ctx.loaders.existing<AccountDoc>('Account', accountId);
  await assertPersonChangesSso(ctx, account, 'sso.changeDiscarded');
  const gone = await SsoPendingChange.findOneAndDelete({ _id: account._id }).lean();
  if (!gone) return false;
  await ctx.audit.record({
    accountId: account._id,
    action: 'sso.changeDiscarded',
    target: { type: 'Account', id: account._id },
    meta: { requestedBy: gone.requestedBy },
  });
  return true;
}

/** Writes the settings (one document per account) and audits the change. */
export async function saveSsoConfig(
  ctx: Context,
  account: AccountDoc,
  set: Partial<SsoConfigDoc>,
  action: string,
  opts: { allowEmpty?: boolean; requestedBy?: string } = {},
): Promise<SsoConfigDoc> {
  const before = await SsoConfig.findOne({ accountId: account._id }).lean<SsoConfigDoc>();
  if (!opts.allowEmpty && !(set.allowedEmailDomains ?? before?.allowedEmailDomains ?? []).length) {
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
    ...(ended || opts.requestedBy
      ? { meta: { ...(ended ? { passwordSessionsEnded: ended } : {}), ...(opts.requestedBy ? { requestedBy: opts.requestedBy } : {}) } }
      : {}),
  });
  return after;
}

/**
 * When an account starts requiring SSO, the sessions its members opened with a password end at once
 * (the same members the session gate, src/modules/identity/gate.service.ts, refuses from then on: not
 * the owner, and only people who belong to this account alone). Their SSO sessions stay. Returns how many sessions ended.
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
  await assertPersonChangesSso(ctx, account, 'sso.configured');
  await assertPlanIncludes(account._id, 'sso');
  const existing = await SsoConfig.findOne({ accountId: account._id }).lean<SsoConfigDoc>();
  const set: Partial<SsoConfigDoc> = await sharedSettings(ctx, account, input);
  if (input.issuer !== undefined && input.issuer !== null) {
    const issuer = input.issuer.trim().replace(/\/+$/, '');
    if (!isAcceptableIdpUrl(issuer)) throw new BadInputError(`issuer ${HTTPS_REQUIRED}`, 'issuer');
    await assertPublicUrl(issuer, idpEgressPolicy()).catch((err: Error) => {
      throw new BadInputError(`issuer is not on the public internet: ${err.message}`, 'issuer');
    });
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
  return changeSsoConfig(ctx, account, set, 'sso.configured');
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

/** A new login at `email` made by the account's identity provider, with no usable password, its address verified. */
async function createIdpUser(
  email: string,
  accountId: string,
  profile: { name?: string | null; firstName?: string | null; lastName?: string | null },
): Promise<UserDoc | null> {
  const user = (
    await User.create({
      email,
      name: profile.name || [profile.firstName, profile.lastName].filter(Boolean).join(' ') || email.split('@')[0]!,
      ...(profile.firstName ? { firstName: profile.firstName } : {}),
      ...(profile.lastName ? { lastName: profile.lastName } : {}),
      passwordHash: await hashPassword(randomSecret(32)),
    })
  ).toObject();
  if (await claimAddress(user)) {
    await recordCreatedLink(accountId, user._id);
    return { ...user, emailVerifiedAt: new Date() };
  }
  await User.deleteOne({ _id: user._id }); // verified by someone else meanwhile
  return null;
}

/**
 * The Postern user an account's identity provider (SSO or SCIM) speaks for: the verified holder of
 * the address when there is one and it belongs to no other account; otherwise a new user with no
 * usable password whose address the provider vouches for (claimed as verified; unverified sign-ups of
 * the same address by others are left alone). Null when the holder belongs to other accounts.
 * SSO signs a holder in only once it is linked (completeSsoSignIn); a login made here is linked.
 */
export async function userForIdentityProvider(
  email: string,
  accountId: string,
  profile: { name?: string | null; firstName?: string | null; lastName?: string | null } = {},
): Promise<{ user: UserDoc; created: boolean } | null> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const holder = await verifiedHolder(email);
    if (holder) return (await onlyInAccount(holder._id, accountId)) ? { user: holder, created: false } : null;
    const user = await createIdpUser(email, accountId, profile);
    if (user) return { user, created: true };
  }
  return null;
}

export class SsoRefusedError extends Error {
  constructor(
    message: string,
    readonly status = 403,
    /** Why, for the audit log (no personal data beyond what the account already holds). */
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** What the identity provider asserted, once its answer checked out. */
export interface SsoIdentity {
  email: string | undefined;
  emailVerified: boolean | undefined;
  method: 'oidc' | 'saml';
  /** The provider: the OIDC issuer or the SAML entity id. */
  idp: string;
  /** The provider said a second factor was used (OIDC `amr`, SAML AuthnContextClassRef). */
  idpMfa: boolean;
}

/** An existing login met by SSO: no session until it confirms the link (confirmSsoLink). */
export interface SsoLinkOffer {
  linkRequired: true;
  claim: string;
  expiresAt: Date;
  email: string;
  account: AccountDoc;
}

/**
 * The end of an SSO sign-in whose assertion was checked. The address must be of an allowed domain that
 * the account still proves it owns (DNS), and not known unverified. A newcomer is created (just-in-time)
 * and becomes a member with the default role; a login that existed before is signed in only once it is
 * linked to this account's provider (the owner only with a link it proved itself); otherwise the answer
 * is an offer to link. A user deprovisioned by SCIM stays out. Then the one session gate.
 */
export async function completeSsoSignIn(ctx: Context, config: SsoConfigDoc, identity: SsoIdentity): Promise<AuthResult | SsoLinkOffer> {
  const email = identity.email?.trim().toLowerCase();
  if (!email || !isEmailAddress(email)) throw new SsoRefusedError('The identity provider sent no email address', 403, 'no email');
  if (identity.emailVerified === false)
    throw new SsoRefusedError('The identity provider says this email address is not verified', 403, 'email not verified');
  const domain = domainOfAddress(email);
  if (!config.allowedEmailDomains.includes(domain))
    throw new SsoRefusedError(`People of ${domain} cannot sign in to this account`, 403, 'domain not allowed');
  if (!(await accountMayVouchFor(config.accountId, email))) {
    throw new SsoRefusedError(
      `${domain} is no longer proved to belong to this account (its DNS ownership record is gone): ask the account's owner to verify the domain again`,
      403,
      'domain no longer proved',
    );
  }
  const account = await ctx.loaders.existing<AccountDoc>('Account', config.accountId);

  let user = await verifiedHolder(email);
  if (user && !(await onlyInAccount(user._id, account._id))) {
    throw new SsoRefusedError('This address uses Postern in other accounts too: sign in with your password', 403, 'member elsewhere');
  }
  if (user && !(await linkLetsIn(account, user, identity.idp))) {
    return offerLink(ctx, account, user, identity);
  }
  if (!user) {
    user = await createIdpUser(email, account._id, {});
    if (!user) throw new SsoRefusedError('This address was just verified by another login: try again', 409, 'address taken meanwhile');
  }
  if (await ScimUser.exists({ accountId: account._id, userId: user._id, active: false })) {
    throw new SsoRefusedError('This user was deprovisioned from the account by its identity provider', 403, 'deprovisioned');
  }
  if (!(await ctx.access.isMember(account._id, user._id))) await joinJustInTime(ctx, config, account, user, identity.method);
  const result = await completeLogin(ctx, user, `sso:${identity.method}`, { ssoAccountId: account._id, idpMfa: identity.idpMfa, account });
  return { ...result, account };
}

/** A newcomer becomes a member with the default role (bound by assignRole, acting for whoever configured SSO). */
async function joinJustInTime(ctx: Context, config: SsoConfigDoc, account: AccountDoc, user: UserDoc, method: string): Promise<void> {
  ctx.principal = { kind: 'user', id: config.configuredBy, userId: config.configuredBy, sessionId: `sso:${config._id}` };
  // The access store bumps the account's permissionsVersion itself.
  // A seat of the plan first: with none left, the sign-in is refused.
  let seat;
  try {
    seat = await takeSeat(account, user._id, 'email');
  } catch (err) {
    if (err instanceof BadInputError) throw new SsoRefusedError(err.message, 403, 'no seat');
    throw err;
  }
  const joined = await ctx.access.addMember({ accountId: account._id, userId: user._id, createdBy: config.configuredBy });
  if (!joined) {
    await seat.release();
    return;
  }
  if (config.defaultRoleId) {
    await assignRole(ctx, { userId: user._id, roleId: config.defaultRoleId, scope: { type: 'ACCOUNT', id: account._id } });
  }
  await ctx.audit.change({
    accountId: account._id,
    action: 'sso.memberJoined',
    target: { type: 'User', id: user._id },
    after: { email: user.email, defaultRoleId: config.defaultRoleId ?? null },
    meta: { method },
  });
}

/**
 * Runs the checks of a sign-in whose attempt is known (so its account is), and records every refusal
 * in that account's audit log (sso.signInRefused, with the reason; never the assertion or a token).
 */
export async function auditedRefusals<T>(ctx: Context, accountId: string, protocol: 'oidc' | 'saml', run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const reason = err instanceof SsoRefusedError ? (err.reason ?? err.message) : err instanceof Error ? err.message : 'refused';
    await ctx.audit
      .record({ accountId, action: 'sso.signInRefused', target: { type: 'Account', id: accountId }, meta: { protocol, reason } })
      .catch((auditErr: unknown) => ctx.log.error({ requestId: ctx.requestId, err: auditErr }, 'SSO refusal not audited'));
    throw err;
  }
}
