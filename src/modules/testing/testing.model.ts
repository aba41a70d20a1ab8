// Email testing (docs/design.md "The resource tree"): Project (workspace child, a scope node) → Inbox (scope node) → Message.
// Messages are captured, never delivered; their bodies are sensitive (emailContent:view).
import { model, type Model } from 'mongoose';
import { docSchema, inWorkspace, type BaseDoc, type InWorkspace } from '../../db';

export interface ProjectDoc extends BaseDoc, InWorkspace {
  name: string;
}

const projectSchema = docSchema<ProjectDoc>({
  ...inWorkspace(),
  name: { type: String, required: true },
});
projectSchema.index({ workspaceId: 1, _id: 1 });
projectSchema.index({ accountId: 1 });

export const Project: Model<ProjectDoc> = model<ProjectDoc>('Project', projectSchema);

export interface InboxDoc extends BaseDoc, InWorkspace {
  projectId: string;
  name: string;
  /** The inbox's own address (Mailtrap); unique through InboxAddress. Null until set or for older inboxes. */
  emailAddress?: string | null;
  /** SMTP credentials that deliver into this inbox; the password sealed (AES-256-GCM). */
  smtpUsername?: string | null;
  smtpPasswordEnc?: string | null;
  /** Addresses every captured message is forwarded to. */
  forwardTo?: string[];
}

const inboxSchema = docSchema<InboxDoc>({
  ...inWorkspace(),
  projectId: { type: String, required: true },
  name: { type: String, required: true },
  emailAddress: { type: String, default: null },
  smtpUsername: { type: String, default: null },
  smtpPasswordEnc: { type: String, default: null },
  forwardTo: { type: [String], default: [] },
});
inboxSchema.index({ projectId: 1, _id: 1 });
inboxSchema.index({ workspaceId: 1 });
inboxSchema.index({ accountId: 1 });

export const Inbox: Model<InboxDoc> = model<InboxDoc>('Inbox', inboxSchema);

export interface MessageDoc extends BaseDoc, InWorkspace {
  projectId: string;
  inboxId: string;
  from: string;
  to: string;
  subject: string;
  html: string | null;
  text: string | null;
  size: number;
}

const messageSchema = docSchema<MessageDoc>({
  ...inWorkspace(),
  projectId: { type: String, required: true },
  inboxId: { type: String, required: true },
  from: { type: String, required: true },
  to: { type: String, required: true },
  subject: { type: String, default: '' },
  html: { type: String, default: null },
  text: { type: String, default: null },
  size: { type: Number, default: 0 },
});
messageSchema.index({ inboxId: 1, _id: 1 });
messageSchema.index({ projectId: 1 });
messageSchema.index({ workspaceId: 1 });
messageSchema.index({ accountId: 1 });

export const Message: Model<MessageDoc> = model<MessageDoc>('Message', messageSchema);

/**
 * The claim of an inbox address: `_id` is the address, so two inboxes never share one. It carries the
 * inbox's ancestors so that deleting the inbox, its project, workspace or account releases it.
 */
export interface InboxAddressDoc extends BaseDoc {
  accountId: string;
  workspaceId?: string;
  projectId?: string;
  inboxId: string;
}

const inboxAddressSchema = docSchema<InboxAddressDoc>({
  _id: { type: String, required: true },
  accountId: { type: String, required: true },
  workspaceId: { type: String },
  projectId: { type: String },
  inboxId: { type: String, required: true },
});
inboxAddressSchema.index({ accountId: 1 });
inboxAddressSchema.index({ workspaceId: 1 });
inboxAddressSchema.index({ projectId: 1 });
inboxAddressSchema.index({ inboxId: 1 });

export const InboxAddress: Model<InboxAddressDoc> = model<InboxAddressDoc>('InboxAddress', inboxAddressSchema);
