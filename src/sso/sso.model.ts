// Single sign-on settings of an account (one document per account) and the short-lived state of a
// sign-in in progress. The OIDC client secret is sealed with the gateway's AES key.
import { model, type Model } from 'mongoose';
import { docSchema, type BaseDoc } from '../db/schema';

export interface SsoConfigDoc extends BaseDoc {
  accountId: string;
  /** OpenID Connect: issuer URL (discovery at /.well-known/openid-configuration), client id and secret. */
  oidcIssuer?: string | null;
  oidcClientId?: string | null;
  oidcClientSecretEnc?: string | null;
  /** SAML 2.0: the IdP's entity id, sign-in URL and signing certificates (from its metadata). */
  samlEntityId?: string | null;
  samlSsoUrl?: string | null;
  samlCertificates: string[];
  /** Sign-ins are accepted only for these email domains (lower case). */
  allowedEmailDomains: string[];
  /** Role bound at the account to people who join through SSO (just-in-time membership). */
  defaultRoleId?: string | null;
  /** Password login is refused for members, except the owner (break-glass). */
  ssoRequired: boolean;
  /** SSO acts for this user when it adds members (the rules of the access services apply to them). */
  configuredBy: string;
}

const ssoConfigSchema = docSchema<SsoConfigDoc>({
  accountId: { type: String, required: true },
  oidcIssuer: { type: String, default: null },
  oidcClientId: { type: String, default: null },
  oidcClientSecretEnc: { type: String, default: null },
  samlEntityId: { type: String, default: null },
  samlSsoUrl: { type: String, default: null },
  samlCertificates: { type: [String], default: [] },
  allowedEmailDomains: { type: [String], default: [] },
  defaultRoleId: { type: String, default: null },
  ssoRequired: { type: Boolean, default: false },
  configuredBy: { type: String, required: true },
});
ssoConfigSchema.index({ accountId: 1 }, { unique: true });
ssoConfigSchema.index({ ssoRequired: 1, accountId: 1 });

export const SsoConfig: Model<SsoConfigDoc> = model<SsoConfigDoc>('SsoConfig', ssoConfigSchema);

/** A sign-in started at /sso/…/login: found again by its state (hashed), used once, expiring in minutes. */
export interface SsoAttemptDoc extends BaseDoc {
  accountId: string;
  protocol: 'oidc' | 'saml';
  stateHash: string;
  /** OIDC: the PKCE verifier and the nonce, sealed. SAML: the AuthnRequest id. */
  codeVerifierEnc?: string | null;
  nonce?: string | null;
  requestId?: string | null;
  redirectUri: string;
  expiresAt: Date;
}

const ssoAttemptSchema = docSchema<SsoAttemptDoc>({
  accountId: { type: String, required: true },
  protocol: { type: String, required: true },
  stateHash: { type: String, required: true },
  codeVerifierEnc: { type: String, default: null },
  nonce: { type: String, default: null },
  requestId: { type: String, default: null },
  redirectUri: { type: String, required: true },
  expiresAt: { type: Date, required: true },
});
ssoAttemptSchema.index({ stateHash: 1 }, { unique: true });
ssoAttemptSchema.index({ expiresAt: 1 });

export const SsoAttempt: Model<SsoAttemptDoc> = model<SsoAttemptDoc>('SsoAttempt', ssoAttemptSchema);
