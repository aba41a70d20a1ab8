import { model, type Model } from 'mongoose';
import { docSchema, type BaseDoc } from '../../db/schema';

/** SMTP login on a domain: `localPart@domain`; the generated password is sealed (AES-256-GCM). */
export interface SmtpCredentialDoc extends BaseDoc {
  accountId: string;
  workspaceId: string;
  domainId: string;
  localPart: string;
  passwordEnc: string;
  createdBy: string;
}

const schema = docSchema<SmtpCredentialDoc>({
  accountId: { type: String, required: true },
  workspaceId: { type: String, required: true },
  domainId: { type: String, required: true },
  localPart: { type: String, required: true },
  passwordEnc: { type: String, required: true },
  createdBy: { type: String, required: true },
});
schema.index({ domainId: 1, localPart: 1 }, { unique: true });
schema.index({ domainId: 1, _id: 1 });
schema.index({ accountId: 1 });

export const SmtpCredential: Model<SmtpCredentialDoc> = model<SmtpCredentialDoc>('SmtpCredential', schema);
