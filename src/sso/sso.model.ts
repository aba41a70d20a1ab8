// Single sign-on settings of an account (one document per account) and the short-lived state of a
// sign-in in progress. The OIDC client secret is sealed with the gateway's AES key.
import { model, Schema, type Model } from 'mongoose';
import { docSchema, type BaseDoc } from '../db';

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
  /** OIDC: the PKCE verifier and the nonce, sealed. SAML: the AuthnRequest id (the answer's InResponseTo). */
  codeVerifierEnc?: string | null;
  nonce?: string | null;
  requestId?: string | null;
  /** Hash of the browser's binding cookie: the answer counts only in the browser that started the sign-in. */
  browserHash: string;
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
  browserHash: { type: String, required: true },
  redirectUri: { type: String, required: true },
  expiresAt: { type: Date, required: true },
});
ssoAttemptSchema.index({ stateHash: 1 }, { unique: true });
ssoAttemptSchema.index({ expiresAt: 1 });

export const SsoAttempt: Model<SsoAttemptDoc> = model<SsoAttemptDoc>('SsoAttempt', ssoAttemptSchema);

/**
 * A Postern login the account's identity provider may sign in (docs/identity-sso.md "Linked logins"):
 * `_id` is `<accountId>:<userId>`. `created`: the login was made by this account's IdP (just-in-time
 * sign-up or SCIM) and has no password of its own. `proved`: an existing login that confirmed the link
 * with its password and second factor (confirmSsoLink); it holds for the provider it was proved
 * with only (`idp`, the OIDC issuer or SAML entity id), so a later change of provider asks again.
 */
export interface SsoLinkDoc {
  _id: string;
  accountId: string;
  userId: string;
  via: 'created' | 'proved';
  idp: string | null;
  createdAt: Date;
}

const ssoLinkSchema = new Schema<SsoLinkDoc>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    userId: { type: String, required: true },
    via: { type: String, required: true },
    idp: { type: String, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
ssoLinkSchema.index({ accountId: 1 });
ssoLinkSchema.index({ userId: 1 });

export const SsoLink: Model<SsoLinkDoc> = model<SsoLinkDoc>('SsoLink', ssoLinkSchema);

/**
 * The offer, made by an SSO callback that met an existing login, to link it to the provider: found by
 * its token (hashed), used once, expiring in minutes. Confirmed by the login itself (confirmSsoLink).
 */
export interface SsoLinkClaimDoc extends BaseDoc {
  accountId: string;
  userId: string;
  idp: string;
  protocol: 'oidc' | 'saml';
  tokenHash: string;
  expiresAt: Date;
}

const ssoLinkClaimSchema = docSchema<SsoLinkClaimDoc>({
  accountId: { type: String, required: true },
  userId: { type: String, required: true },
  idp: { type: String, required: true },
  protocol: { type: String, required: true },
  tokenHash: { type: String, required: true },
  expiresAt: { type: Date, required: true },
});
ssoLinkClaimSchema.index({ tokenHash: 1 }, { unique: true });
ssoLinkClaimSchema.index({ expiresAt: 1 });
ssoLinkClaimSchema.index({ userId: 1 });

export const SsoLinkClaim: Model<SsoLinkClaimDoc> = model<SsoLinkClaimDoc>('SsoLinkClaim', ssoLinkClaimSchema);

/**
 * A change of the account's identity provider (issuer, client, SAML entity, URL, certificates, allowed
 * domains) asked for by someone other than the owner: it waits here (`_id` is the account id, one at a
 * time; a newer request replaces it) until the owner confirms it (confirmSsoChange) or it expires.
 */
export interface SsoPendingChangeDoc {
  _id: string;
  /** The same as `_id`: deleteAccount removes every document with the account's `accountId`. */
  accountId: string;
  /** Changes only when the request is replaced: confirmSsoChange applies the version the owner saw. */
  version: string;
  set: {
    oidcIssuer?: string | null;
    oidcClientId?: string | null;
    oidcClientSecretEnc?: string | null;
    samlEntityId?: string | null;
    samlSsoUrl?: string | null;
    samlCertificates?: string[];
    allowedEmailDomains?: string[];
  };
  requestedBy: string;
  action: string;
  expiresAt: Date;
  createdAt: Date;
}

const ssoPendingChangeSchema = new Schema<SsoPendingChangeDoc>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    version: { type: String, required: true },
    set: { type: Schema.Types.Mixed, required: true },
    requestedBy: { type: String, required: true },
    action: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false, minimize: false },
);

ssoPendingChangeSchema.index({ accountId: 1 });

export const SsoPendingChange: Model<SsoPendingChangeDoc> = model<SsoPendingChangeDoc>('SsoPendingChange', ssoPendingChangeSchema);
