// Thin resolvers of the sending area: reads through loaders (lists under a parent via loaders.page()), writes through services.
import type { Resolvers } from '../../generated';
import { secretBox } from '../../crypto';
import { NotFoundError } from '../../errors';
import type { AccountDoc, WorkspaceDoc } from '../accounts/account.model';
import { Domain, type DomainDoc } from './domain.model';
import { SmtpCredential } from './smtp-credential.model';
import { ApiKey } from './api-key.model';
import { SendingServer, type SendingServerDoc } from './sending-server.model';
import { AuthorizedRecipient, Route, Suppression, Webhook } from './domain-children.model';
import { emailLogPage } from './email-log-pages.service';
import { createDomain, deleteDomain, dnsRecords, updateDomain, verifyDomain } from './domain.service';
import {
  createApiKey,
  createSendingServer,
  createSmtpCredential,
  deleteApiKey,
  deleteSendingServer,
  deleteSmtpCredential,
  rotateApiKey,
  updateSendingServer,
} from './secrets.service';
import {
  addAuthorizedRecipient,
  addSuppression,
  createRoute,
  createWebhook,
  deleteRoute,
  deleteWebhook,
  removeAuthorizedRecipient,
  removeSuppression,
  updateRoute,
  updateWebhook,
} from './children.service';
import { sendEmail } from './send.service';
import { renameDomain, setApiKeyExpiry, setSendingServerPool } from './product-settings.service';
import type { Context } from '../../graphql';

const workspaceOf = async (p: { workspaceId: string }, ctx: Context) =>
  (await ctx.loaders.load<WorkspaceDoc>('Workspace', p.workspaceId)) ?? Promise.reject(new NotFoundError('Workspace'));
const domainOf = async (p: { domainId: string }, ctx: Context) =>
  (await ctx.loaders.load<DomainDoc>('Domain', p.domainId)) ?? Promise.reject(new NotFoundError('Domain'));
const open = (sealed: string) => secretBox().open(sealed);

export const sendingResolvers: Resolvers = {
  Query: {
    domain: (_, { id }, ctx) => ctx.loaders.load<DomainDoc>('Domain', id),
    sendingServer: (_, { id }, ctx) => ctx.loaders.load<SendingServerDoc>('SendingServer', id),
  },
  Mutation: {
    renameDomain: (_, { id, input }, ctx) => renameDomain(ctx, id, input),
    setApiKeyExpiry: (_, { input }, ctx) => setApiKeyExpiry(ctx, input),
    setSendingServerPool: (_, { input }, ctx) => setSendingServerPool(ctx, input),
    createDomain: (_, { input }, ctx) => createDomain(ctx, input),
    updateDomain: (_, { id, input }, ctx) => updateDomain(ctx, id, input),
    verifyDomain: (_, { id }, ctx) => verifyDomain(ctx, id),
    deleteDomain: (_, { id }, ctx) => deleteDomain(ctx, id),
    createSmtpCredential: (_, { input }, ctx) => createSmtpCredential(ctx, input),
    deleteSmtpCredential: (_, { id }, ctx) => deleteSmtpCredential(ctx, id),
    createApiKey: (_, { input }, ctx) => createApiKey(ctx, input),
    rotateApiKey: (_, { id }, ctx) => rotateApiKey(ctx, id),
    deleteApiKey: (_, { id }, ctx) => deleteApiKey(ctx, id),
    createSendingServer: (_, { input }, ctx) => createSendingServer(ctx, input),
    updateSendingServer: (_, { id, input }, ctx) => updateSendingServer(ctx, id, input),
    deleteSendingServer: (_, { id }, ctx) => deleteSendingServer(ctx, id),
    createWebhook: (_, { input }, ctx) => createWebhook(ctx, input),
    updateWebhook: (_, { id, input }, ctx) => updateWebhook(ctx, id, input),
    deleteWebhook: (_, { id }, ctx) => deleteWebhook(ctx, id),
    createRoute: (_, { input }, ctx) => createRoute(ctx, input),
    updateRoute: (_, { id, input }, ctx) => updateRoute(ctx, id, input),
    deleteRoute: (_, { id }, ctx) => deleteRoute(ctx, id),
    addSuppression: (_, { input }, ctx) => addSuppression(ctx, input),
    removeSuppression: (_, { id }, ctx) => removeSuppression(ctx, id),
    addAuthorizedRecipient: (_, { input }, ctx) => addAuthorizedRecipient(ctx, input),
    removeAuthorizedRecipient: (_, { id }, ctx) => removeAuthorizedRecipient(ctx, id),
    sendEmail: (_, { input }, ctx) => sendEmail(ctx, input),
  },
  Workspace: {
    domains: (w, args, ctx) => ctx.loaders.page(Domain, 'workspaceId', w._id, args),
    sendingServers: (w, args, ctx) => ctx.loaders.page(SendingServer, 'workspaceId', w._id, args),
    routes: (w, args, ctx) => ctx.loaders.page(Route, 'workspaceId', w._id, args),
  },
  Account: {
    apiKeys: (a: AccountDoc, args, ctx) => ctx.loaders.page(ApiKey, 'accountId', a._id, args),
  },
  Domain: {
    workspace: (d, _, ctx) => workspaceOf(d, ctx),
    dnsRecords: (d) => dnsRecords(d),
    smtpCredentials: (d, args, ctx) => ctx.loaders.page(SmtpCredential, 'domainId', d._id, args),
    webhooks: (d, args, ctx) => ctx.loaders.page(Webhook, 'domainId', d._id, args),
    suppressions: (d, args, ctx) => ctx.loaders.page(Suppression, 'domainId', d._id, args),
    authorizedRecipients: (d, args, ctx) => ctx.loaders.page(AuthorizedRecipient, 'domainId', d._id, args),
    emailLogs: (d, args, ctx) => emailLogPage(ctx, 'domainId', d, args),
  },
  SmtpCredential: {
    login: async (c, _, ctx) => `${c.localPart}@${(await domainOf(c, ctx)).name}`,
    domain: (c, _, ctx) => domainOf(c, ctx),
    password: (c) => open(c.passwordEnc),
  },
  ApiKey: {
    secret: (k) => open(k.secretEnc),
    expired: (k) => !!k.expiresAt && new Date(k.expiresAt).getTime() <= Date.now(),
  },
  SendingServer: {
    password: (s) => open(s.passwordEnc),
    workspace: (s, _, ctx) => workspaceOf(s, ctx),
  },
  Webhook: {
    domain: (w, _, ctx) => domainOf(w, ctx),
  },
  Route: {
    workspace: (r, _, ctx) => workspaceOf(r, ctx),
  },
};
