import { model, type Model } from 'mongoose';
import { docSchema, inWorkspace, type BaseDoc, type InWorkspace } from '../../db';

/** One address on a mailing list. An email is one contact per list (stored lowercased). */
export interface ContactDoc extends BaseDoc, InWorkspace {
  listId: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  /** Its place in the list (src/modules/marketing/contact-pages.service.ts); unset on a list not yet paged. */
  seq?: number;
}

const contactSchema = docSchema<ContactDoc>({
  ...inWorkspace(),
  listId: { type: String, required: true },
  email: { type: String, required: true, lowercase: true, trim: true },
  firstName: { type: String, default: null },
  lastName: { type: String, default: null },
  seq: { type: Number },
});
// Unique per list; also serves lookups of existing emails during an import.
contactSchema.index({ listId: 1, email: 1 }, { unique: true });
// Serves the contacts connection, the export and the campaign send (all ordered by _id).
contactSchema.index({ listId: 1, _id: 1 });
contactSchema.index({ workspaceId: 1 });
// The list's order on MongoDB (the embedded database reads pages through the directory by `_id`).
contactSchema.index({ listId: 1, seq: 1 });

export const Contact: Model<ContactDoc> = model<ContactDoc>('Contact', contactSchema);

/** What importContacts returns (ImportResult's parent). */
export interface ImportResultParent {
  imported: number;
  skipped: number;
  total: number;
  listId: string;
}
