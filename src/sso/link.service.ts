// Linked logins (docs/identity-sso.md "Linked logins"): an account's identity provider signs in only
// the logins it made itself (just-in-time sign-up, SCIM) and the existing logins that proved, once, with
// their own password and second factor, that they accept it. Anyone else the provider names gets an
// offer to link (a short-lived, single-use claim), never a session: whoever configures an IdP cannot
// use it to become someone who already had a login — least of all the account's owner.
import type { Context } from '../graphql';
import type { ConfirmSsoLinkInput } from '../generated';
import { verifyPassword, randomSecret, tokenHash } from '../crypto';
import { BadInputError, UnauthenticatedError } from '../errors';
import type { AccountDoc } from '../modules/accounts/account.model';
import { twoFactorEnabled } from '../modules/identity/two-factor.service';
import { Session, User, type UserDoc } from '../modules/identity/user.model';
import { SsoConfig, SsoLink, SsoLinkClaim, type SsoConfigDoc, type SsoLinkDoc } from './sso.model';

const CLAIM_TTL_MS = 10 * 60 * 1000;

const linkId = (accountId: string, userId: string) => `${accountId}:${userId}`;

/** The account's identity provider made this login (just-in-time or SCIM): it may sign it in. */
export async function recordCreatedLink(accountId: string, userId: string): Promise<void> {
  await SsoLink.updateOne(
    { _id: linkId(accountId, userId) },
    { $setOnInsert: { accountId, userId, via: 'created', idp: null } },
    { upsert: true },
  );
}

/**
 * May the provider `idp` of the account sign this login in? A login it made: yes. A login that
 * proved the link: for the provider it proved it with. The owner: only through a link the owner proved.
 */
export async function linkLetsIn(account: AccountDoc, user: UserDoc, idp: string): Promise<boolean> {
  const link = await SsoLink.findById(linkId(account._id, user._id)).lean<SsoLinkDoc>();
  if (!link) return false;
  if (link.via === 'proved') return link.idp === idp;
  return user._id !== account.ownerId;
}

/** Starts the claim an existing login confirms with confirmSsoLink; audited, as every such attempt. */
export async function offerLink(
  ctx: Context,
  account: AccountDoc,
  user: UserDoc,
  identity: { idp: string; method: 'oidc' | 'saml' },
): Promise<{ linkRequired: true; claim: string; expiresAt: Date; email: string; account: AccountDoc }> {
  const claim = randomSecret(32);
  const expiresAt = new Date(Date.now() + CLAIM_TTL_MS);
  await SsoLinkClaim.create({
    accountId: account._id,
    userId: user._id,
    idp: identity.idp,
    protocol: identity.method,
    tokenHash: tokenHash(claim),
    expiresAt,
  });
  await ctx.audit.record({
    accountId: account._id,
    action: 'sso.linkOffered',
    target: { type: 'User', id: user._id },
    meta: { method: identity.method, idp: identity.idp, owner: user._id === account.ownerId },
  });
  return { linkRequired: true, claim, expiresAt, email: user.email, account };
}

/** An offer to link this login to the account's IdP, made minutes ago and not yet used. */
export async function hasLiveLinkClaim(accountId: string, userId: string): Promise<boolean> {
  return !!(await SsoLinkClaim.exists({ userId, accountId, expiresAt: { $gt: new Date() } }));
}

const CLAIM_FAILED = 'This link offer is unknown, expired or used: sign in through your identity provider again';

/** The identity provider a protocol of the account uses now (the link is for it only). */
function currentIdp(c: SsoConfigDoc | null, protocol: string): string | null {
  if (!c) return null;
  return (protocol === 'oidc' ? c.oidcIssuer : c.samlEntityId) ?? null;
}

/**
 * The login named by an SSO sign-in accepts the link: it is signed in through the password door (its
 * second factor proved there, when it has one: the session says so), and types its current password
 * again. Then its later SSO sign-ins through that provider work.
 */
export async function confirmSsoLink(
  ctx: Context,
  input: ConfirmSsoLinkInput,
): Promise<{ accountId: string; identityProvider: string; linkedAt: Date }> {
  const p = ctx.principal;
  if (!p) throw new UnauthenticatedError();
  if (p.kind !== 'user') throw new BadInputError('A login links itself while signed in as a person, not with a partner API token');
  const session = await Session.findById(p.sessionId).lean();
  const user = await User.findById(p.userId).lean<UserDoc>();
  if (!session || !user) throw new UnauthenticatedError();
  const method = session.method ?? '';
  if (method.startsWith('sso:')) {
    throw new BadInputError('Confirm the link from a session you opened with your password (and second factor), not through SSO');
  }
  if ((await twoFactorEnabled(user._id)) && !/\+(totp|recoveryCode)$/.test(method)) {
    throw new BadInputError('Your login has a second factor: sign in with your password and code, then confirm the link');
  }
  await ctx.limits.assertLoginAllowed(user.email, ctx.ip);
  if (typeof input.password !== 'string' || !(await verifyPassword(input.password, user.passwordHash))) {
    const refusal = await ctx.limits.loginFailed(user.email, ctx.ip);
    throw refusal?.error ?? new BadInputError('That is not your current password', 'password');
  }
  await ctx.limits.loginSucceeded(user.email, ctx.ip);
  const claim = await SsoLinkClaim.findOne({ tokenHash: tokenHash(input.claim), expiresAt: { $gt: new Date() } }).lean();
  // Someone else's claim is as unknown as a made-up one.
  if (!claim || claim.userId !== user._id) throw new BadInputError(CLAIM_FAILED, 'claim');
  const config = await SsoConfig.findOne({ accountId: claim.accountId }).lean<SsoConfigDoc>();
  if (currentIdp(config, claim.protocol) !== claim.idp) {
    throw new BadInputError("The account's identity provider changed since this offer: sign in through it again", 'claim');
  }
  // Used once: of parallel confirmations, one deletes it.
  if (!(await SsoLinkClaim.findOneAndDelete({ _id: claim._id }).lean())) throw new BadInputError(CLAIM_FAILED, 'claim');
  const linkedAt = new Date();
  await SsoLink.findOneAndUpdate(
    { _id: linkId(claim.accountId, user._id) },
    { $set: { accountId: claim.accountId, userId: user._id, via: 'proved', idp: claim.idp } },
    { upsert: true },
  );
  await ctx.audit.record({
    accountId: claim.accountId,
    action: 'sso.linkConfirmed',
    target: { type: 'User', id: user._id },
    meta: { method: claim.protocol, idp: claim.idp, sessionMethod: method },
  });
  return { accountId: claim.accountId, identityProvider: claim.idp, linkedAt };
}
