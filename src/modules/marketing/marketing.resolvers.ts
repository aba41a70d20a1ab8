// Marketing resolvers: thin. Reads go through the request's loaders (batched: a page of campaigns
// costs one read per related type, and lists under many parents are one read too: loaders.page()); writes go through the services.
import type { Resolvers } from '../../generated';
import type { Context as Ctx } from '../../graphql';
import type { WorkspaceDoc } from '../accounts/account.model';
import type { UserDoc } from '../identity/user.model';
import { NotFoundError } from '../../errors';
import { Campaign, type CampaignDoc } from './campaign.model';
import { emailLogPage } from '../sending/email-log-pages.service';
import { MailingList, type MailingListDoc } from './list.model';
import { Template, type TemplateDoc } from './template.model';
import { Automation, type AutomationDoc } from './automation.model';
import { Form, type FormDoc } from './form.model';
import { createList, deleteList, updateList } from './lists.service';
import { contactCountLoader, deleteContact, exportContacts, importContacts, updateContact } from './contacts.service';
import { contactsOf } from './contact-pages.service';
import { cloneTemplate, createTemplate, deleteTemplate, updateTemplate } from './templates.service';
import { createCampaign, deleteCampaign, scheduleCampaign, unscheduleCampaign, updateCampaign } from './campaigns.service';
import { sendCampaign } from './campaign-delivery.service';
import { automations, forms } from './publishables.service';

const workspaceOf = async (doc: { workspaceId: string }, _args: unknown, ctx: Ctx): Promise<WorkspaceDoc> =>
  (await ctx.loaders.load<WorkspaceDoc>('Workspace', doc.workspaceId)) ?? Promise.reject(new NotFoundError('Workspace', doc.workspaceId));
const userOf = (doc: { createdBy: string }, _args: unknown, ctx: Ctx): Promise<UserDoc | null> =>
  ctx.loaders.load<UserDoc>('User', doc.createdBy);

export const marketingResolvers: Resolvers = {
  Query: {
    campaign: (_, { id }, ctx) => ctx.loaders.load<CampaignDoc>('Campaign', id),
    list: (_, { id }, ctx) => ctx.loaders.load<MailingListDoc>('MailingList', id),
    template: (_, { id }, ctx) => ctx.loaders.load<TemplateDoc>('Template', id),
    automation: (_, { id }, ctx) => ctx.loaders.load<AutomationDoc>('Automation', id),
    form: (_, { id }, ctx) => ctx.loaders.load<FormDoc>('Form', id),
  },
  Mutation: {
    createList: (_, { input }, ctx) => createList(ctx, input),
    updateList: (_, { id, input }, ctx) => updateList(ctx, id, input),
    deleteList: (_, { id }, ctx) => deleteList(ctx, id),
    importContacts: (_, { input }, ctx) => importContacts(ctx, input),
    updateContact: (_, { id, input }, ctx) => updateContact(ctx, id, input),
    deleteContact: (_, { id }, ctx) => deleteContact(ctx, id),
    exportContacts: (_, { listId }, ctx) => exportContacts(ctx, listId),
    createTemplate: (_, { input }, ctx) => createTemplate(ctx, input),
    updateTemplate: (_, { id, input }, ctx) => updateTemplate(ctx, id, input),
    deleteTemplate: (_, { id }, ctx) => deleteTemplate(ctx, id),
    cloneTemplate: (_, { id }, ctx) => cloneTemplate(ctx, id),
    createCampaign: (_, { input }, ctx) => createCampaign(ctx, input),
    updateCampaign: (_, { id, input }, ctx) => updateCampaign(ctx, id, input),
    deleteCampaign: (_, { id }, ctx) => deleteCampaign(ctx, id),
    scheduleCampaign: (_, { input }, ctx) => scheduleCampaign(ctx, input),
    unscheduleCampaign: (_, { id }, ctx) => unscheduleCampaign(ctx, id),
    sendCampaign: (_, { id }, ctx) => sendCampaign(ctx, id),
    createAutomation: (_, { input }, ctx) => automations.create(ctx, input),
    updateAutomation: (_, { id, input }, ctx) => automations.update(ctx, id, input),
    deleteAutomation: (_, { id }, ctx) => automations.remove(ctx, id),
    publishAutomation: (_, { id }, ctx) => automations.publish(ctx, id, true),
    unpublishAutomation: (_, { id }, ctx) => automations.publish(ctx, id, false),
    createForm: (_, { input }, ctx) => forms.create(ctx, input),
    updateForm: (_, { id, input }, ctx) => forms.update(ctx, id, input),
    deleteForm: (_, { id }, ctx) => forms.remove(ctx, id),
    publishForm: (_, { id }, ctx) => forms.publish(ctx, id, true),
    unpublishForm: (_, { id }, ctx) => forms.publish(ctx, id, false),
  },
  Workspace: {
    campaigns: (w, args, ctx) => ctx.loaders.page(Campaign, 'workspaceId', w._id, args),
    lists: (w, args, ctx) => ctx.loaders.page(MailingList, 'workspaceId', w._id, args),
    templates: (w, args, ctx) => ctx.loaders.page(Template, 'workspaceId', w._id, args),
    automations: (w, args, ctx) => ctx.loaders.page(Automation, 'workspaceId', w._id, args),
    forms: (w, args, ctx) => ctx.loaders.page(Form, 'workspaceId', w._id, args),
  },
  MailingList: {
    workspace: workspaceOf,
    contactCount: (l, _, ctx) => contactCountLoader(ctx).load(l._id),
    contacts: (l, args, ctx) => contactsOf(ctx, l, args),
  },
  ImportResult: {
    list: (r, _, ctx) => ctx.loaders.load<MailingListDoc>('MailingList', r.listId),
  },
  Template: {
    workspace: workspaceOf,
    createdBy: userOf,
  },
  Campaign: {
    workspace: workspaceOf,
    createdBy: userOf,
    list: (c, _, ctx) => (c.listId ? ctx.loaders.load<MailingListDoc>('MailingList', c.listId) : null),
    template: (c, _, ctx) => (c.templateId ? ctx.loaders.load<TemplateDoc>('Template', c.templateId) : null),
    emailLogs: (c, args, ctx) => emailLogPage(ctx, 'campaignId', c, args),
    failureReason: (c) => (c.status === 'FAILED' ? (c.failureReason ?? null) : null),
  },
  Automation: { workspace: workspaceOf, createdBy: userOf },
  Form: { workspace: workspaceOf, createdBy: userOf },
};
