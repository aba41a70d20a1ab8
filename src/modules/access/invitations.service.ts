// Invitations: invite by email (rules 1, 3 and 4 for the offered role), revoke, accept (a claim per
// invitation; rule 3 again at acceptance). Every change is audited and bumps permissionsVersion.
import mongoose from 'mongoose';
import { type Context, loadScopeNode } from '../../graphql';
import type { AcceptInvitationInput, InviteUserInput, RevokeInvitationInput } from '../../generated';
import { assertStrongPassword, hashPassword, verifyPassword, randomSecret, tokenHash } from '../../crypto';
import {
  ancestorIds,
  SCOPE_MODEL,
  assertGrantable,
  assertInviterMayStillGrant,
  isAccountAdmin,
  isAdminRole,
  DuplicateError,
  type InvitationDoc,
  type RoleDoc,
} from '../../authz';
import { BadInputError, NotFoundError } from '../../errors';
import { Account, type AccountDoc } from '../accounts/account.model';
import { User, VerifiedEmail, type UserDoc } from '../identity/user.model';
import { issueSession, type AuthResult } from '../identity/session.service';
import { assertVerified, claimAddress, verifiedHolder } from '../identity/email.service';
import { isDuplicateKey } from '../../db';
// Seats of the plan (MT17): every way in takes one first.
import { assertSeatFree, takeSeat } from '../billing/seats.service';
import { cleanEmail } from '../../mail';
import { displayName, optional } from './profile';

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;
export const INVITE_FROM = 'Postern <no-reply@postern.invalid>';

/**
 * The role an invitation binds, checked against rules 1, 3 and 4 for the inviter. With no role named,
 * the account's default role — which may be an admin role (Mailgun, Mautic) — is bound only when the
 * inviter may grant it themselves (rule 7: usable, not grantable); otherwise they must name one they may.
 */
async function invitedRole(
  ctx: Context,
  account: AccountDoc,
  roleId: string | null | undefined,
  node: NonNullable<Awaited<ReturnType<typeof loadScopeNode>>>,
): Promise<RoleDoc | null> {
  const id = roleId ?? account.defaultRoleId ?? null;
  if (!id) return null;
  const role = await ctx.loaders.load<RoleDoc>('Role', id);
  if (!role || role.accountId !== account._id) {
    if (roleId) throw new NotFoundError('role', roleId);
    return null; // the default role was deleted meanwhile
  }
  try {
    if (role.key === 'owner') throw new BadInputError('The owner role is never assigned: use transferOwnership', 'roleId');
    if ((role.key === 'admin' || isAdminRole(role)) && !(await isAccountAdmin(ctx.access, account._id, ctx.actorId))) {
      throw new BadInputError('Admins are bound only by the owner and other admins', 'roleId');
    }
    assertGrantable(await ctx.authz.grantable(account._id), role.permissions, node, 'roleId', {
      viaToken: ctx.principal?.kind === 'token',
    });
  } catch (err) {
    if (roleId || !(err instanceof BadInputError)) throw err;
    throw new BadInputError(
      `The account's default role "${role.name}" is not one you may grant (${err.message}): name a role you may grant with roleId`,
      'roleId',
    );
  }
  return role;
}

export async function inviteUser(ctx: Context, input: InviteUserInput): Promise<InvitationDoc> {
  const account = await ctx.loaders.existing<AccountDoc>('Account', input.accountId);
  const scope = input.scope ?? { type: 'ACCOUNT' as const, id: account._id };
  const node = await loadScopeNode(ctx, scope);
  if (!node || node.accountId !== account._id) throw new NotFoundError(scope.type.toLowerCase(), scope.id);
  const email = cleanEmail(input.email, 'email');
  const role = await invitedRole(ctx, account, input.roleId, node);
  const existing = await verifiedHolder(email);
  if (existing && (await ctx.access.isMember(account._id, existing._id))) {
    throw new BadInputError('This user is already a member: assign them a role with assignRole', 'email');
  }
  await assertSeatFree(account, 'email');
  const token = randomSecret(32);
  const now = new Date();
  // One valid invitation per address: a new one replaces those still pending.
  const inv = await ctx.access.createInvitation(
    {
      ...ancestorIds(node),
      email,
      roleId: role?._id ?? null,
      scopeType: node.type,
      scopeId: node.doc._id,
      tokenHash: tokenHash(token),
      expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
      createdBy: ctx.actorId,
    },
    now,
  );
  const inviter = await ctx.loaders.load<UserDoc>('User', ctx.actorId);
  const sent = await ctx.mailer.send({
    from: INVITE_FROM,
    to: email,
    subject: `You are invited to ${account.name} on Postern`,
    text: [
      `${inviter?.name ?? 'A member'} invited you to join ${account.name} on Postern${role ? ` as ${role.name}` : ''}.`,
      '',
      `Your invitation token (valid until ${inv.expiresAt.toISOString()}):`,
      '',
      token,
      '',
      'Accept it with the acceptInvitation mutation: acceptInvitation(input: { token, password, firstName, lastName }).',
    ].join('\n'),
  });
  if (!sent.delivered && sent.error) ctx.log.warn({ invitationId: inv._id, error: sent.error }, 'invitation mail not delivered');
  await ctx.audit.change({
    accountId: account._id,
    workspaceId: inv.workspaceId ?? null,
    action: 'invitation.created',
    target: { type: 'Invitation', id: inv._id },
    after: { email, roleId: inv.roleId, scope: { type: inv.scopeType, id: inv.scopeId }, expiresAt: inv.expiresAt },
    meta: { mailDelivered: sent.delivered },
  });
  return inv;
}

export async function revokeInvitation(ctx: Context, input: RevokeInvitationInput): Promise<boolean> {
  const inv = await ctx.loaders.load<InvitationDoc>('Invitation', input.invitationId);
  if (!inv || inv.accountId !== input.accountId) throw new NotFoundError('invitation', input.invitationId);
  if (inv.acceptedAt) throw new BadInputError('This invitation was already accepted: remove the member instead', 'invitationId');
  if (!inv.revokedAt) {
    await ctx.access.revokeInvitations(inv.accountId, { ids: [inv._id] }, new Date());
    ctx.loaders.forget('Invitation', inv._id);
    await ctx.audit.change({
      accountId: inv.accountId,
      action: 'invitation.revoked',
      target: { type: 'Invitation', id: inv._id },
      before: { email: inv.email },
    });
  }
  return true;
}

export const INVALID_INVITATION = 'This invitation is invalid, used, revoked or expired: ask for a new one';

export async function acceptInvitation(ctx: Context, input: AcceptInvitationInput): Promise<AuthResult> {
  if (typeof input.token !== 'string' || input.token.length > 200) throw new BadInputError(INVALID_INVITATION, 'token');
  const inv = await ctx.access.invitationByTokenHash(tokenHash(input.token));
  const now = new Date();
  if (!inv || inv.acceptedAt || inv.revokedAt || new Date(inv.expiresAt) <= now) throw new BadInputError(INVALID_INVITATION, 'token');
  const account = await Account.findById(inv.accountId).lean<AccountDoc>();
  if (!account) throw new BadInputError(INVALID_INVITATION, 'token');
  const firstName = optional(input.firstName, 'firstName');
  const lastName = optional(input.lastName, 'lastName');
  // Rule 3 at acceptance: the offer stands only while its inviter may still grant the role there.
  const offered = inv.roleId ? await ctx.loaders.load<RoleDoc>('Role', inv.roleId) : null;
  if (offered && offered.accountId === account._id) await assertInviterMayStillGrant(ctx.access, inv, offered, now);

  // The verified login of the address joins; an unverified one must verify first; with neither, the
  // invitation (mailed to the address) proves it, and a new verified login is made.
  let user = await verifiedHolder(inv.email);
  let createdUser = false;
  if (input.password.length > 128) throw new BadInputError('Password must be at most 128 characters long', 'password');
  if (user) {
    // The password of an existing login is guessed here as at login: the same lockout counter.
    const lockKey = `user:${user._id}`;
    await ctx.limits.assertLoginAllowed(lockKey, ctx.ip);
    if (!(await verifyPassword(input.password, user.passwordHash))) {
      const refusal = await ctx.limits.loginFailed(lockKey, ctx.ip);
      if (refusal) throw refusal.error;
      throw new BadInputError('This email already has a login: give its password to join', 'password');
    }
    await ctx.limits.loginSucceeded(lockKey, ctx.ip);
  } else {
    const unverified = await User.find({ email: inv.email }).sort({ _id: -1 }).limit(5).lean<UserDoc[]>();
    for (const u of unverified) {
      if (await verifyPassword(input.password, u.passwordHash)) assertVerified(u, 'token', 'accept invitations');
    }
    assertStrongPassword(input.password);
    try {
      user = (
        await User.create({
          email: inv.email,
          name: displayName(firstName, lastName, inv.email.split('@')[0]!),
          firstName,
          lastName,
          passwordHash: await hashPassword(input.password),
        })
      ).toObject();
      createdUser = true;
    } catch (err) {
      if (isDuplicateKey(err)) throw new BadInputError('Try again: this email was registered meanwhile', 'token');
      throw err;
    }
    if (!(await claimAddress(user))) {
      await User.deleteOne({ _id: user._id });
      throw new BadInputError('Try again: this email was verified by another login meanwhile', 'token');
    }
    user = { ...user, emailVerifiedAt: new Date() };
  }
  const u = user!;
  // A seat of the plan before anything else (all taken: refused, the invitation stays open).
  let seat;
  try {
    seat = await takeSeat(account, u._id, 'token');
  } catch (err) {
    if (createdUser) await User.deleteOne({ _id: u._id });
    if (createdUser) await VerifiedEmail.deleteOne({ _id: u.email, userId: u._id });
    throw err;
  }
  // One acceptance per invitation, whatever the store underneath (a claim, src/db/claims.ts).
  if (!(await ctx.access.acceptInvitation(inv._id, u._id, now))) {
    await seat.release();
    if (createdUser) await User.deleteOne({ _id: u._id });
    if (createdUser) await VerifiedEmail.deleteOne({ _id: u.email, userId: u._id });
    throw new BadInputError(INVALID_INVITATION, 'token');
  }
  if (!(await ctx.access.addMember({ accountId: account._id, userId: u._id, createdBy: inv.createdBy }))) await seat.release();
  let bindingId: string | null = null;
  const scopeModel = SCOPE_MODEL[inv.scopeType];
  const scopeStillThere = scopeModel ? await mongoose.model(scopeModel).exists({ _id: inv.scopeId }) : null;
  const role = offered;
  if (role && role.accountId === account._id && role.key !== 'owner' && scopeStillThere) {
    try {
      const b = await ctx.access.createBinding(
        {
          accountId: account._id,
          userId: u._id,
          roleId: role._id,
          scopeType: inv.scopeType,
          scopeId: inv.scopeId,
          workspaceId: inv.workspaceId ?? null,
          domainId: inv.domainId ?? null,
          projectId: inv.projectId ?? null,
          inboxId: inv.inboxId ?? null,
          createdBy: inv.createdBy,
        },
        now,
      );
      bindingId = b._id;
    } catch (err) {
      if (!(err instanceof DuplicateError)) throw err; // they held it already
    }
  }
  // The gate: the membership stands, but a login with a second factor gets a challenge (then
  // loginWithTwoFactor), never a session; nor does a session reach accounts requiring SSO.
  let result: AuthResult | undefined;
  try {
    result = await issueSession(ctx, u, 'invitation', { account });
  } finally {
    await ctx.audit.change({
      accountId: account._id,
      workspaceId: inv.workspaceId ?? null,
      action: 'invitation.accepted',
      target: { type: 'Invitation', id: inv._id },
      after: { userId: u._id, email: u.email, roleId: role?._id ?? null, bindingId, newUser: createdUser },
      meta: { sessionIssued: !!result },
    });
  }
  return result;
}
