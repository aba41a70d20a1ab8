import { model, type Model } from 'mongoose';
import { docSchema, onDomain, type BaseDoc, type OnDomain } from '../../db';

/** SMTP login on a domain: `localPart@domain`; the generated password is sealed (AES-256-GCM). */
export interface SmtpCredentialDoc extends BaseDoc, OnDomain {
  localPart: string;
  passwordEnc: string;
}

const schema = docSchema<SmtpCredentialDoc>({
  ...onDomain(),
  localPart: { type: String, required: true },
  passwordEnc: { type: String, required: true },
});
schema.index({ domainId: 1, localPart: 1 }, { unique: true });
schema.index({ domainId: 1, _id: 1 });
schema.index({ accountId: 1 });

export const SmtpCredential: Model<SmtpCredentialDoc> = model<SmtpCredentialDoc>('SmtpCredential', schema);
