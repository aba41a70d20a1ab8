// Webhooks, suppressions and authorized recipients of a domain; routes of a workspace. Each change is
// audited (domain configuration).
import type { Model } from 'mongoose';
import type {
  AddAuthorizedRecipientInput,
  AddSuppressionInput,
  CreateRouteInput,
  CreateWebhookInput,
  UpdateRouteInput,
  UpdateWebhookInput,
} from '../../generated';
import type { Context } from '../../graphql';
import { createInWorkspace, createRecorded, deleteRecorded, saveChanges } from '../save';
import { BadInputError } from '../../errors';
import type { DomainDoc } from './domain.model';
import {
  AuthorizedRecipient,
  Route,
  Suppression,
  Webhook,
  type AuthorizedRecipientDoc,
  type RouteDoc,
  type SuppressionDoc,
  type WebhookDoc,
} from './domain-children.model';
import { auditView, changedOnly } from './common';
import { cleanInt, cleanRouteActions, cleanRouteExpression, cleanUrl } from './validate';
import { cleanEmail } from '../../mail';

export const REASON_MAX = 500;
export const DESCRIPTION_MAX = 500;
export const PRIORITY_MAX = 32767;

type Audited = { _id: string; accountId: string; workspaceId: string };

/**
 * Creates one child and audits it. A duplicate is refused with `duplicate` by a look first (the usual
 * case) and by the unique index when two requests race.
 */
async function createChild<T extends Audited>(
  ctx: Context,
  model: Model<T>,
  exists: Record<string, unknown>,
  fields: Partial<T>,
  action: string,
  duplicate: { field: string; message: string },
): Promise<T> {
  if (await model.exists(exists)) throw new BadInputError(duplicate.message, duplicate.field);
  return createRecorded(ctx, model, fields, { action, view: auditView, duplicate });
}

async function remove<T extends Audited>(ctx: Context, model: Model<T>, id: string, action: string): Promise<true> {
  return deleteRecorded(ctx, model, await ctx.loaders.existing<T>(model.modelName, id), { action, view: auditView });
}

// ---------------------------------------------------------------------------------------------
// Webhooks

export async function createWebhook(ctx: Context, input: CreateWebhookInput): Promise<WebhookDoc> {
  const url = cleanUrl(input.url, 'url');
  const domain = await ctx.loaders.existing<DomainDoc>('Domain', input.domainId);
  return createChild(
    ctx,
    Webhook,
    { domainId: domain._id, event: input.event, url },
    { accountId: domain.accountId, workspaceId: domain.workspaceId, domainId: domain._id, event: input.event, url, createdBy: ctx.actorId },
    'webhook.created',
    { field: 'url', message: `This URL already receives ${input.event} events of the domain` },
  );
}

export async function updateWebhook(ctx: Context, id: string, input: UpdateWebhookInput): Promise<WebhookDoc> {
  const before = await ctx.loaders.existing<WebhookDoc>('Webhook', id);
  const set: Partial<WebhookDoc> = {};
  if (input.url !== undefined && input.url !== null) set.url = cleanUrl(input.url, 'url');
  if (input.event !== undefined && input.event !== null) set.event = input.event;
  if (Object.keys(changedOnly(before, set)).length === 0) return before;
  const event = set.event ?? before.event;
  const url = set.url ?? before.url;
  const duplicate = { field: 'url', message: `This URL already receives ${event} events of the domain` };
  if (await Webhook.exists({ domainId: before.domainId, event, url, _id: { $ne: id } }))
    throw new BadInputError(duplicate.message, duplicate.field);
  return saveChanges(ctx, Webhook, before, set, { action: 'webhook.updated', view: auditView, duplicate });
}

export const deleteWebhook = (ctx: Context, id: string) => remove(ctx, Webhook, id, 'webhook.deleted');

// ---------------------------------------------------------------------------------------------
// Routes

function routeFields(input: UpdateRouteInput, required: boolean): Partial<RouteDoc> {
  const out: Partial<RouteDoc> = {};
  const given = (k: keyof UpdateRouteInput) => {
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

export async function createRoute(ctx: Context, input: CreateRouteInput): Promise<RouteDoc> {
  return createInWorkspace(ctx, Route, input.workspaceId, routeFields(input, true), { action: 'route.created', view: auditView });
}

export async function updateRoute(ctx: Context, id: string, input: UpdateRouteInput): Promise<RouteDoc> {
  const before = await ctx.loaders.existing<RouteDoc>('Route', id);
  return saveChanges(ctx, Route, before, changedOnly(before, routeFields(input, false)), { action: 'route.updated', view: auditView });
}

export const deleteRoute = (ctx: Context, id: string) => remove(ctx, Route, id, 'route.deleted');

// ---------------------------------------------------------------------------------------------
// Suppressions

export async function addSuppression(ctx: Context, input: AddSuppressionInput): Promise<SuppressionDoc> {
  const address = cleanEmail(input.address, 'address');
  const reasonText = (input.reason ?? '').trim();
  if (reasonText.length > REASON_MAX) throw new BadInputError(`reason must be at most ${REASON_MAX} characters`, 'reason');
  const domain = await ctx.loaders.existing<DomainDoc>('Domain', input.domainId);
  return createChild(
    ctx,
    Suppression,
    { domainId: domain._id, type: input.type, address },
    {
      accountId: domain.accountId,
      workspaceId: domain.workspaceId,
      domainId: domain._id,
      type: input.type,
      address,
      reason: reasonText || null,
      createdBy: ctx.actorId,
    },
    'suppression.added',
    { field: 'address', message: `${address} is already on the ${input.type} list of ${domain.name}` },
  );
}

export const removeSuppression = (ctx: Context, id: string) => remove(ctx, Suppression, id, 'suppression.removed');

// ---------------------------------------------------------------------------------------------
// Authorized recipients

export async function addAuthorizedRecipient(ctx: Context, input: AddAuthorizedRecipientInput): Promise<AuthorizedRecipientDoc> {
  const email = cleanEmail(input.email, 'email');
  const domain = await ctx.loaders.existing<DomainDoc>('Domain', input.domainId);
  return createChild(
    ctx,
    AuthorizedRecipient,
    { domainId: domain._id, email },
    { accountId: domain.accountId, workspaceId: domain.workspaceId, domainId: domain._id, email, createdBy: ctx.actorId },
    'authorizedRecipient.added',
    { field: 'email', message: `${email} is already an authorized recipient of ${domain.name}` },
  );
}

export const removeAuthorizedRecipient = (ctx: Context, id: string) => remove(ctx, AuthorizedRecipient, id, 'authorizedRecipient.removed');
