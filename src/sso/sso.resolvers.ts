import type { Resolvers } from '../generated';
import type { RoleDoc } from '../authz';
import DataLoader from 'dataloader';
import type { UserDoc } from '../modules/identity/user.model';
import { SsoConfig, SsoPendingChange, type SsoConfigDoc, type SsoPendingChangeDoc } from './sso.model';
import { importSamlMetadata } from './saml';
import { confirmSsoLink } from './link.service';
import { configureSso, confirmSsoChange, discardSsoChange, oidcClientSecret } from './sso.service';

export const ssoResolvers: Resolvers = {
  Mutation: {
    configureSso: (_, { input }, ctx) => configureSso(ctx, input),
    importSamlMetadata: (_, { input }, ctx) => importSamlMetadata(ctx, input),
    confirmSsoChange: (_, { input }, ctx) => confirmSsoChange(ctx, input.accountId, input.version),
    discardSsoChange: (_, { accountId }, ctx) => discardSsoChange(ctx, accountId),
    confirmSsoLink: (_, { input }, ctx) => confirmSsoLink(ctx, input),
  },
  Account: {
    sso: (a, _, ctx) =>
      ctx.loaders
        .keyed(
          'SsoConfig.byAccount',
          () =>
            new DataLoader<string, SsoConfigDoc | null>(async (ids) => {
              const docs = await SsoConfig.find({ accountId: { $in: [...ids] } }).lean<SsoConfigDoc[]>();
              return ids.map((id) => docs.find((d) => d.accountId === id) ?? null);
            }),
        )
        .load(a._id),
  },
  SsoConfiguration: {
    issuer: (c) => c.oidcIssuer ?? null,
    clientId: (c) => c.oidcClientId ?? null,
    clientSecret: (c) => oidcClientSecret(c) ?? null,
    samlCertificateCount: (c) => c.samlCertificates?.length ?? 0,
    defaultRole: (c, _, ctx) => (c.defaultRoleId ? ctx.loaders.load<RoleDoc>('Role', c.defaultRoleId) : null),
    oidcLoginPath: (c) => `/sso/${c.accountId}/oidc/login`,
    oidcRedirectPath: () => '/sso/oidc/callback',
    samlLoginPath: (c) => `/sso/${c.accountId}/saml/login`,
    samlAcsPath: () => '/sso/saml/acs',
    samlMetadataPath: (c) => `/sso/${c.accountId}/saml/metadata`,
    pendingChange: (c, _, ctx) =>
      ctx.loaders
        .keyed(
          'SsoPendingChange.byAccount',
          () =>
            new DataLoader<string, SsoPendingChangeDoc | null>(async (ids) => {
              const docs = await SsoPendingChange.find({ _id: { $in: [...ids] }, expiresAt: { $gt: new Date() } }).lean<
                SsoPendingChangeDoc[]
              >();
              return ids.map((id) => docs.find((d) => d._id === id) ?? null);
            }),
        )
        .load(c.accountId),
  },
  SsoPendingChange: {
    requestedBy: (p, _, ctx) => ctx.loaders.load<UserDoc>('User', p.requestedBy),
    requestedAt: (p) => p.createdAt,
    issuer: (p) => p.set.oidcIssuer ?? null,
    clientId: (p) => p.set.oidcClientId ?? null,
    clientSecretChanged: (p) => !!p.set.oidcClientSecretEnc,
    samlEntityId: (p) => p.set.samlEntityId ?? null,
    samlSsoUrl: (p) => p.set.samlSsoUrl ?? null,
    samlCertificateCount: (p) => p.set.samlCertificates?.length ?? null,
    allowedEmailDomains: (p) => p.set.allowedEmailDomains ?? null,
  },
};
