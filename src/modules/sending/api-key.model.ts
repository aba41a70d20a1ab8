import { model, type Model } from 'mongoose';
import { docSchema, inAccount, type BaseDoc, type InAccount } from '../../db';

/** Account API key: revealable to permitted roles, so sealed (AES-256-GCM) rather than hashed. */
export interface ApiKeyDoc extends BaseDoc, InAccount {
  name: string;
  secretEnc: string;
  /** The secret's last 4 characters, the PARTIAL mask's `••••abcd`: masking never decrypts. Absent on keys made before. */
  secretHint?: string | null;
  expiresAt: Date | null;
  rotatedAt: Date | null;
}

const schema = docSchema<ApiKeyDoc>({
  ...inAccount(),
  name: { type: String, required: true },
  secretEnc: { type: String, required: true },
  secretHint: { type: String, default: null },
  expiresAt: { type: Date, default: null },
  rotatedAt: { type: Date, default: null },
});
schema.index({ accountId: 1, _id: 1 });

export const ApiKey: Model<ApiKeyDoc> = model<ApiKeyDoc>('ApiKey', schema);
