// A real OpenID provider (oidc-provider) for the SSO tests, on 127.0.0.1 and a free port. Started by
// test/sso/idp.ts as a child process (oidc-provider is ESM-only); prints {"issuer": …} once listening.
// Args: clientId clientSecret redirectUri. Any login is accepted (the provider's development
// sign-in form); the login is the person's email, verified unless it starts with "unverified".
import http from 'node:http';
import Provider from 'oidc-provider';

const [clientId, clientSecret, redirectUri] = process.argv.slice(2);
const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: id, email_verified: !id.startsWith('unverified') };
      },
    };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['postern-test-idp-cookie-key'] },
});
// Development interactions warn on every start; the tests need no such noise.
provider.on('server_error', (_ctx, err) => console.error('idp server_error', err));
server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
