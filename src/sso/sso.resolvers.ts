import type { Resolvers } from '../graphql/generated';
import type { RoleDoc } from '../authz/store';
import DataLoader from 'dataloader';
import { SsoConfig, type SsoConfigDoc } from './sso.model';
import { importSamlMetadata } from './saml';
import { configureSso, oidcClientSecret } from './sso.service';

export const ssoResolvers: Resolvers = {
  Mutation: {
    configureSso: (_, { input }, ctx) => configureSso(ctx, input),
    importSamlMetadata: (_, { input }, ctx) => importSamlMetadata(ctx, input),
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
  },
};
