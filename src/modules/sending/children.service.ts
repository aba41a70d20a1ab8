// Webhooks, suppressions and authorized recipients of a domain; routes of a workspace. Each change is
// audited (domain configuration).
import type { Model } from 'mongoose';
import type { Context } from '../../graphql/context';
import { deleteRecorded, saveChanges } from '../save';
import { BadInputError } from '../../errors';
import type { WorkspaceDoc } from '../accounts/account.model';
import type { DomainDoc } from './domain.model';
import {
  AuthorizedRecipient,
  Route,
  Suppression,
  Webhook,
  type AuthorizedRecipientDoc,
  type RouteDoc,
  type SuppressionDoc,
  type SuppressionType,
  type WebhookDoc,
  type WebhookEvent,
} from './domain-children.model';
import { auditView, changedOnly } from './common';
import { cleanInt, cleanRouteActions, cleanRouteExpression, cleanUrl } from './validate';
import { cleanEmail } from '../../mail/address';
import { isDuplicateKey } from '../../db/errors';

export const REASON_MAX = 500;
export const DESCRIPTION_MAX = 500;
export const PRIORITY_MAX = 32767;

type Audited = { _id: string; accountId: string; workspaceId: string };

async function audit(ctx: Context, type: string, action: string, before: Audited | null, after: Audited | null): Promise<void> {
  const doc = (after ?? before)!;
  await ctx.audit.change({
    accountId: doc.accountId,
    workspaceId: doc.workspaceId,
    action,
    target: { type, id: doc._id },
    before: before ? auditView(before) : null,
    after: after ? auditView(after) : null,
  });
}

/** Creates with `create`, mapping a unique-index race to the same BAD_USER_INPUT as the pre-check. */
async function createUnique<T>(exists: () => Promise<unknown>, create: () => Promise<T>, duplicate: () => BadInputError): Promise<T> {
  if (await exists()) throw duplicate();
  try {
    return await create();
  } catch (err) {
    if (isDuplicateKey(err)) throw duplicate();
    throw err;
  }
}

async function remove<T extends Audited>(ctx: Context, model: Model<T>, id: string, action: string): Promise<true> {
  return deleteRecorded(ctx, model, await ctx.loaders.existing<T>(model.modelName, id), { action, view: auditView });
}

// ---------------------------------------------------------------------------------------------
// Webhooks

export async function createWebhook(ctx: Context, input: { domainId: string; event: WebhookEvent; url: string }): Promise<WebhookDoc> {
  const url = cleanUrl(input.url, 'url');
  const domain = await ctx.loaders.existing<DomainDoc>('Domain', input.domainId);
  const doc = await createUnique(
    () => Webhook.exists({ domainId: domain._id, event: input.event, url }),
    async () =>
      (
        await Webhook.create({
          accountId: domain.accountId,
          workspaceId: domain.workspaceId,
          domainId: domain._id,
          event: input.event,
          url,
          createdBy: ctx.actorId,
        })
      ).toObject(),
    () => new BadInputError(`This URL already receives ${input.event} events of the domain`, 'url'),
  );
  await audit(ctx, 'Webhook', 'webhook.created', null, doc);
  return doc;
}

export async function updateWebhook(
  ctx: Context,
  id: string,
  input: { event?: WebhookEvent | null; url?: string | null },
): Promise<WebhookDoc> {
  const before = await ctx.loaders.existing<WebhookDoc>('Webhook', id);
  const set: Partial<WebhookDoc> = {};
  if (input.url !== undefined && input.url !== null) set.url = cleanUrl(input.url, 'url');
  if (input.event !== undefined && input.event !== null) set.event = input.event;
  if (Object.keys(changedOnly(before, set)).length === 0) return before;
  const event = set.event ?? before.event;
  const url = set.url ?? before.url;
  const duplicate = () => new BadInputError(`This URL already receives ${event} events of the domain`, 'url');
  if (await Webhook.exists({ domainId: before.domainId, event, url, _id: { $ne: id } })) throw duplicate();
  try {
    return await saveChanges(ctx, Webhook, before, set, { action: 'webhook.updated', view: auditView });
  } catch (err) {
    if (isDuplicateKey(err)) throw duplicate();
    throw err;
  }
}

export const deleteWebhook = (ctx: Context, id: string) => remove(ctx, Webhook, id, 'webhook.deleted');

// ---------------------------------------------------------------------------------------------
// Routes

interface RouteInput {
  expression?: string | null;
  actions?: readonly string[] | null;
  priority?: number | null;
  description?: string | null;
}

function routeFields(input: RouteInput, required: boolean): Partial<RouteDoc> {
  const out: Partial<RouteDoc> = {};
  const given = (k: keyof RouteInput) => {
    if (input[k] === undefined || input[k] === null) {
      if (required && k !== 'description') throw new BadInputError(`${k} is required`, k);
      return false;
    }
    return true;
  };
  if (given('expression')) out.expression = cleanRouteExpression(input.expression!, 'expression');
  if (given('actions')) out.actions = cleanRouteActions(input.actions!, 'actions');
  if (given('priority')) out.priority = cleanInt(input.priority!, 'priority', 0, PRIORITY_MAX);
  if (input.description !== undefined) {
    const d = (input.description ?? '').trim();
    if (d.length > DESCRIPTION_MAX) throw new BadInputError(`description must be at most ${DESCRIPTION_MAX} characters`, 'description');
    out.description = d || null;
  }
  return out;
}

export async function createRoute(ctx: Context, input: RouteInput & { workspaceId: string }): Promise<RouteDoc> {
  const fields = routeFields(input, true);
  const ws = await ctx.loaders.existing<WorkspaceDoc>('Workspace', input.workspaceId);
  const doc = (await Route.create({ ...fields, accountId: ws.accountId, workspaceId: ws._id, createdBy: ctx.actorId })).toObject();
  await audit(ctx, 'Route', 'route.created', null, doc);
  return doc;
}

export async function updateRoute(ctx: Context, id: string, input: RouteInput): Promise<RouteDoc> {
  const before = await ctx.loaders.existing<RouteDoc>('Route', id);
  const set = changedOnly(before, routeFields(input, false));
  if (Object.keys(set).length === 0) return before;
  return saveChanges(ctx, Route, before, set, { action: 'route.updated', view: auditView });
}

export const deleteRoute = (ctx: Context, id: string) => remove(ctx, Route, id, 'route.deleted');

// ---------------------------------------------------------------------------------------------
// Suppressions

export async function addSuppression(
  ctx: Context,
  input: { domainId: string; type: SuppressionType; address: string; reason?: string | null },
): Promise<SuppressionDoc> {
  const address = cleanEmail(input.address, 'address');
  const reasonText = (input.reason ?? '').trim();
  if (reasonText.length > REASON_MAX) throw new BadInputError(`reason must be at most ${REASON_MAX} characters`, 'reason');
  const domain = await ctx.loaders.existing<DomainDoc>('Domain', input.domainId);
  const doc = await createUnique(
    () => Suppression.exists({ domainId: domain._id, type: input.type, address }),
    async () =>
      (
        await Suppression.create({
          accountId: domain.accountId,
          workspaceId: domain.workspaceId,
          domainId: domain._id,
          type: input.type,
          address,
          reason: reasonText || null,
          createdBy: ctx.actorId,
        })
      ).toObject(),
    () => new BadInputError(`${address} is already on the ${input.type} list of ${domain.name}`, 'address'),
  );
  await audit(ctx, 'Suppression', 'suppression.added', null, doc);
  return doc;
}

export const removeSuppression = (ctx: Context, id: string) => remove(ctx, Suppression, id, 'suppression.removed');

// ---------------------------------------------------------------------------------------------
// Authorized recipients

export async function addAuthorizedRecipient(ctx: Context, input: { domainId: string; email: string }): Promise<AuthorizedRecipientDoc> {
  const email = cleanEmail(input.email, 'email');
  const domain = await ctx.loaders.existing<DomainDoc>('Domain', input.domainId);
  const doc = await createUnique(
    () => AuthorizedRecipient.exists({ domainId: domain._id, email }),
    async () =>
      (
        await AuthorizedRecipient.create({
          accountId: domain.accountId,
          workspaceId: domain.workspaceId,
          domainId: domain._id,
          email,
          createdBy: ctx.actorId,
        })
      ).toObject(),
    () => new BadInputError(`${email} is already an authorized recipient of ${domain.name}`, 'email'),
  );
  await audit(ctx, 'AuthorizedRecipient', 'authorizedRecipient.added', null, doc);
  return doc;
}

export const removeAuthorizedRecipient = (ctx: Context, id: string) => remove(ctx, AuthorizedRecipient, id, 'authorizedRecipient.removed');
