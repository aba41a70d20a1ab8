// Access requests (docs/permissions-rules.md "Rules no role can break", 2, 3, 7): a member who met a FORBIDDEN asks for the missing permission on that
// resource; the owner and those holding accessRequests:resolve there are notified; approval creates a
// time-bound grant (a binding with no role), denial records a reason. Both are audited.
import { loadScopeNode, type Context } from '../../graphql';
import {
  ancestorIds,
  allowed,
  permissionBit,
  holdersOf,
  RESOURCE_TYPES,
  assertGrantable,
  cleanPermissions,
  PLACED_CHAIN,
  DuplicateError,
  type AccessStore,
} from '../../authz';
import type { RequestAccessInput, ResolveAccessRequestInput } from '../../generated';
import type { AccountDoc } from '../accounts/account.model';
import { claimOnce, releaseClaim, isDuplicateKey, newId } from '../../db';
import { BadInputError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../../errors';
import { AccessRequest, Notification, pendingKey, type AccessRequestDoc, type NotificationDoc } from './requests.model';
import { validateExpiry } from './tokens.service';

export const NOTE_MAX = 1000;
/** Pending requests one member may have open in an account at a time. */
export const PENDING_MAX = 50;
export const GRANT_MAX_LIFETIME_MS = 366 * 24 * 3600 * 1000;
const REQUEST_CHAIN = RESOURCE_TYPES.AccessRequest!.chain;

function cleanText(value: string | null | undefined, field: string): string | null {
  if (value === null || value === undefined) return null;
  const s = value.trim();
  if (s.length > NOTE_MAX) throw new BadInputError(`${field} must be at most ${NOTE_MAX} characters`, field);
  return s || null;
}

/**
 * Users notified of `req`: the owner, and whoever holds accessRequests:resolve on its scope — or the
 * owner alone when the account says so (Mailercloud: requests go to the Owner).
 */
export async function resolversOf(store: AccessStore, req: AccessRequestDoc, account?: AccountDoc | null): Promise<string[]> {
  if (account?.accessRequestRecipients === 'OWNER') return [account.ownerId];
  const bit = permissionBit('accessRequests:resolve');
  return holdersOf(store, req.accountId, (c) => allowed(c, bit, req, REQUEST_CHAIN, false));
}

async function notify(docs: Omit<NotificationDoc, '_id' | 'createdAt' | 'updatedAt'>[]): Promise<void> {
  if (docs.length) await Notification.insertMany(docs.map((d) => ({ _id: newId(), ...d })));
}

export async function requestAccess(ctx: Context, input: RequestAccessInput): Promise<AccessRequestDoc> {
  const p = ctx.principal;
  if (!p) throw new UnauthenticatedError();
  if (p.kind !== 'user') throw new BadInputError('Access is requested by people: sign in rather than use an API token', 'permission');
  // The scope node must exist in an account the caller belongs to; anything else does not exist for them.
  const node = await loadScopeNode(ctx, input.scope);
  const compiled = node ? await ctx.authz.load(node.accountId) : null;
  if (!node || !compiled) throw new NotFoundError(input.scope.type.toLowerCase(), input.scope.id);
  const { accountId, ...ancestors } = ancestorIds(node);

  // A plain, known permission that someone other than the owner may hold (rule 8).
  const [permission] = cleanPermissions([String(input.permission)], 'permission', { allowWildcard: false, allowOwn: false });
  if (!permission) throw new BadInputError('permission must name one permission', 'permission');
  const note = cleanText(input.note, 'note');
  const fields = {
    accountId,
    requesterId: p.userId,
    permission,
    scopeType: input.scope.type,
    scopeId: node.doc._id,
    ...ancestors,
  };
  if (allowed(compiled, permissionBit(permission), fields, REQUEST_CHAIN, false)) {
    throw new BadInputError(`You already hold ${permission} there`, 'permission');
  }
  if ((await AccessRequest.countDocuments({ accountId, requesterId: p.userId, status: 'PENDING' })) >= PENDING_MAX) {
    throw new BadInputError(`You have ${PENDING_MAX} access requests waiting already: wait for them to be resolved`, 'permission');
  }
  // Asking twice does not pile up requests: one pending request per (user, permission, scope), by a
  // unique key that concurrent asks collide on.
  let req: AccessRequestDoc;
  try {
    req = (
      await AccessRequest.create({
        _id: newId(),
        ...fields,
        note,
        status: 'PENDING',
        pendingKey: pendingKey(p.userId, permission, node.doc._id),
        createdBy: p.userId,
      })
    ).toObject();
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const pending = await AccessRequest.findOne({ pendingKey: pendingKey(p.userId, permission, node.doc._id) }).lean<AccessRequestDoc>();
    if (pending) return pending;
    throw new BadInputError('This request was resolved meanwhile: ask again', 'permission');
  }
  try {
    const recipients = (await resolversOf(ctx.access, req, await ctx.loaders.load<AccountDoc>('Account', req.accountId))).filter(
      (u) => u !== p.userId,
    );
    await notify(
      recipients.map((userId) => ({
        accountId,
        userId,
        kind: 'accessRequest.created' as const,
        message: `Access requested: ${permission} on ${input.scope.type} ${node.doc._id}`,
        accessRequestId: req._id,
        readAt: null,
        createdBy: p.userId,
      })),
    );
    await ctx.audit.change({
      accountId,
      workspaceId: req.workspaceId ?? null,
      action: 'accessRequest.created',
      target: { type: 'AccessRequest', id: req._id },
      after: { permission, scopeType: req.scopeType, scopeId: req.scopeId, note, requesterId: p.userId },
    });
  } catch (err) {
    await Promise.all([AccessRequest.deleteOne({ _id: req._id }), Notification.deleteMany({ accessRequestId: req._id })]);
    throw err;
  }
  ctx.loaders.prime('AccessRequest', req);
  return req;
}

export async function resolveAccessRequest(ctx: Context, input: ResolveAccessRequestInput): Promise<AccessRequestDoc> {
  const p = ctx.principal;
  if (!p) throw new UnauthenticatedError();
  const req = await ctx.loaders.existing<AccessRequestDoc>('AccessRequest', input.id);
  if (req.status !== 'PENDING') throw new BadInputError(`This request is already ${req.status.toLowerCase()}`, 'id');
  // Rule 2: nobody changes their own access.
  if (req.requesterId === p.userId) throw new BadInputError('You cannot resolve your own access request', 'id');
  const reason = cleanText(input.reason, 'reason');
  const now = new Date();

  let expiresAt: Date | null = null;
  if (input.approve) {
    if (input.expiresAt === null || input.expiresAt === undefined) {
      throw new BadInputError('expiresAt is required to approve: access granted on request is time-bound', 'expiresAt');
    }
    expiresAt = validateExpiry(input.expiresAt, 'expiresAt', GRANT_MAX_LIFETIME_MS, now.getTime());
    // Rules 3, 7 and 8: nobody grants what they may not grant onward, at that scope; owner-only
    // permissions are never granted (requests made before the rule are refused here).
    cleanPermissions([req.permission], 'id', { allowWildcard: false });
    const compiled = await ctx.authz.load(req.accountId);
    if (!compiled || !allowed(compiled, permissionBit(req.permission), req, REQUEST_CHAIN, false)) {
      throw new ForbiddenError(req.permission, { type: req.scopeType, id: req.scopeId }, p);
    }
    assertGrantable(await ctx.authz.grantable(req.accountId), [req.permission], { doc: req as never, chain: PLACED_CHAIN }, 'id', {
      viaToken: p.kind === 'token',
    });
    if (!(await ctx.access.isMember(req.accountId, req.requesterId))) {
      throw new BadInputError('The requester is no longer a member of this account', 'id');
    }
  }

  const status = input.approve ? 'APPROVED' : 'DENIED';
  const bindingId = input.approve ? newId() : null;
  // Claim the request first, so two resolvers cannot both act on it (the unique claim holds on
  // FerretDB too, where the conditional update alone would not).
  const claimKey = `accessRequest:${req._id}`;
  if (!(await claimOnce(claimKey, req.accountId))) throw new BadInputError('This request was resolved meanwhile', 'id');
  const after = await AccessRequest.findOneAndUpdate(
    { _id: req._id, status: 'PENDING' },
    { $set: { status, reason, expiresAt, resolvedBy: p.userId, resolvedAt: now, bindingId, pendingKey: `done|${req._id}` } },
    { returnDocument: 'after' },
  ).lean<AccessRequestDoc>();
  ctx.loaders.forget('AccessRequest', req._id);
  if (!after) throw new BadInputError('This request was resolved meanwhile', 'id');

  try {
    if (input.approve) {
      await ctx.access
        .createBinding(
          {
            _id: bindingId!,
            accountId: req.accountId,
            userId: req.requesterId,
            roleId: null,
            scopeType: req.scopeType,
            scopeId: req.scopeId,
            workspaceId: req.workspaceId ?? null,
            domainId: req.domainId ?? null,
            projectId: req.projectId ?? null,
            inboxId: req.inboxId ?? null,
            grant: [req.permission],
            expiresAt,
            createdBy: p.userId,
          },
          now,
        )
        .catch((err: unknown) => {
          if (err instanceof DuplicateError) {
            throw new BadInputError('The requester holds a current grant of this permission there already', 'id');
          }
          throw err;
        });
    }
    await ctx.audit.change({
      accountId: req.accountId,
      workspaceId: req.workspaceId ?? null,
      action: input.approve ? 'accessRequest.approved' : 'accessRequest.denied',
      target: { type: 'AccessRequest', id: req._id },
      before: { status: req.status },
      after: {
        status,
        permission: req.permission,
        scopeType: req.scopeType,
        scopeId: req.scopeId,
        requesterId: req.requesterId,
        expiresAt,
        reason,
        bindingId,
      },
    });
  } catch (err) {
    // Undo: the request goes back to pending, and no grant outlives a failed approval.
    if (bindingId) await ctx.access.deleteBinding(bindingId);
    await AccessRequest.updateOne(
      { _id: req._id },
      {
        $set: {
          status: 'PENDING',
          reason: null,
          expiresAt: null,
          resolvedBy: null,
          resolvedAt: null,
          bindingId: null,
          pendingKey: pendingKey(req.requesterId, req.permission, req.scopeId),
        },
      },
    );
    await releaseClaim(claimKey);
    throw err;
  }
  await notify([
    {
      accountId: req.accountId,
      userId: req.requesterId,
      kind: input.approve ? 'accessRequest.approved' : 'accessRequest.denied',
      message: input.approve
        ? `Access granted: ${req.permission} on ${req.scopeType} ${req.scopeId} until ${expiresAt!.toISOString()}`
        : `Access request denied: ${req.permission} on ${req.scopeType} ${req.scopeId}${reason ? ` (${reason})` : ''}`,
      accessRequestId: req._id,
      readAt: null,
      createdBy: p.userId,
    },
  ]).catch((err: unknown) => ctx.log.warn({ err, accessRequestId: req._id }, 'could not store the notification'));
  ctx.loaders.prime('AccessRequest', after);
  return after;
}

/** Only the recipient reaches a notification; a partner token only within its account. */
export async function markNotificationRead(ctx: Context, id: string): Promise<NotificationDoc> {
  const p = ctx.principal;
  if (!p) throw new UnauthenticatedError();
  const filter: Record<string, unknown> = { _id: id, userId: p.userId };
  if (p.kind === 'token') filter.accountId = p.accountId;
  const found = await Notification.findOne(filter).lean<NotificationDoc>();
  if (!found) throw new NotFoundError('notification', id);
  if (found.readAt) return found;
  return (await Notification.findOneAndUpdate(
    { _id: id },
    { $set: { readAt: new Date() } },
    { returnDocument: 'after' },
  ).lean<NotificationDoc>())!;
}
