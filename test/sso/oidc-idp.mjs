// A real OpenID provider (oidc-provider) for the SSO tests, on 127.0.0.1 and a free port. Started by
// test/sso/idp.ts as a child process (oidc-provider is ESM-only); prints {"issuer": …} once listening.
// Args: clientId clientSecret redirectUri. Any login is accepted (the provider's development
// sign-in form); the login is the person's email, verified unless it starts with "unverified".
// A misbehaving provider for the negative tests: POST /__mode?m=<mode> makes the token endpoint swap
// the ID token it issued for a forged one carrying the same claims — signed by a key the provider never
// published (under the published key's kid), unsigned (`alg: none`), or HMAC-signed with the client
// secret (HS256).
import { Buffer } from 'node:buffer';
import http from 'node:http';
import { TextEncoder } from 'node:util';
import { URL } from 'node:url';
import { generateKeyPair, SignJWT, decodeProtectedHeader, decodeJwt } from 'jose';
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
let mode = 'good';
const foreign = await generateKeyPair('RS256');
const b64url = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/token' || mode === 'good' || !ctx.body?.id_token) return;
  const { kid } = decodeProtectedHeader(ctx.body.id_token);
  const claims = decodeJwt(ctx.body.id_token);
  if (mode === 'foreignKey') {
    ctx.body.id_token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(foreign.privateKey);
  } else if (mode === 'none') {
    ctx.body.id_token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
  } else if (mode === 'hs256') {
    ctx.body.id_token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(clientSecret));
  }
});
// Development interactions warn on every start; the tests need no such noise.
provider.on('server_error', (_ctx, err) => console.error('idp server_error', err));
const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.method === 'POST' && req.url.startsWith('/__mode?')) {
    mode = new URL(req.url, issuer).searchParams.get('m') ?? 'good';
    res.end(mode);
    return;
  }
  callback(req, res);
});
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
