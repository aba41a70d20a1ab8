// A SAML 2.0 identity provider for the tests, on 127.0.0.1 and a free port, built with samlify — a
// different library from the gateway's @node-saml, so the two meet only through the standard. It
// serves its metadata, imports the gateway's service-provider metadata (from the gateway's public
// route), parses the gateway's AuthnRequest (HTTP-Redirect binding), shows a sign-in form and answers
// with a signed assertion in an auto-posting form (HTTP-POST binding), as real IdPs do. `mode` makes
// it misbehave, one way per negative test.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as samlify from 'samlify';
import { generate } from 'selfsigned';
import type { Browser } from './idp';

export type IdpMode =
  'good' | 'tampered' | 'wrongKey' | 'unsigned' | 'wrongAudience' | 'expired' | 'wrongDestination' | 'wrongRecipient' | 'mfa';

export interface SamlIdp {
  url: string;
  entityId: string;
  metadata: string;
  mode: IdpMode;
  /** Imports the gateway's SP metadata of an account (what an admin pastes into the IdP). */
  trust(spMetadataUrl: string): Promise<void>;
  /** A response to the request `ticket` names, with `overrides` of its tags (InResponseTo…), as the IdP would post it. */
  answer(ticket: string, email: string, overrides?: Record<string, string>): Promise<SamlAnswer>;
  stop(): Promise<void>;
}

export interface SamlAnswer {
  action: string;
  SAMLResponse: string;
  RelayState: string;
}

const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const ELSEWHERE = 'https://elsewhere.example/sso/saml/acs';

// samlify checks inbound XML against the SAML schemas through a pluggable validator; the test IdP
// reads only the gateway's AuthnRequest, which the gateway's own library wrote: no schema check here.
samlify.setSchemaValidator({ validate: () => Promise.resolve('skipped') });

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function readBody(req: http.IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c) => (data += String(c)));
    req.on('end', () => resolve(new URLSearchParams(data)));
  });
}

export async function startSamlIdp(): Promise<SamlIdp> {
  const days = {
    notBeforeDate: new Date(Date.now() - 86400_000),
    notAfterDate: new Date(Date.now() + 30 * 86400_000),
    algorithm: 'sha256',
  };
  const key = await generate([{ name: 'commonName', value: 'idp.test' }], days);
  const otherKey = await generate([{ name: 'commonName', value: 'attacker.test' }], days);
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = `${url}/metadata`;
  const settings = (k: { private: string; cert: string }) => ({
    entityID: entityId,
    privateKey: k.private,
    signingCert: k.cert,
    wantAuthnRequestsSigned: false,
    nameIDFormat: [EMAIL_FORMAT],
    singleSignOnService: [{ Binding: REDIRECT, Location: `${url}/sso` }],
    requestSignatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  });
  const idpEntity = samlify.IdentityProvider(settings(key));
  // The same entity id with a key its metadata never named: what a forger holds.
  const forger = samlify.IdentityProvider(settings(otherKey));
  let sp: samlify.ServiceProviderInstance | null = null;

  const idp: SamlIdp = {
    url,
    entityId,
    metadata: idpEntity.getMetadata(),
    mode: 'good',
    async trust(spMetadataUrl) {
      const res = await fetch(spMetadataUrl);
      if (res.status !== 200) throw new Error(`SP metadata: HTTP ${res.status}`);
      sp = samlify.ServiceProvider({ metadata: await res.text() });
    },
    answer: (ticket, email, overrides = {}) => answer(ticket, email, overrides),
    stop: () => new Promise((r) => server.close(() => r())),
  };

  async function answer(ticket: string, email: string, overrides: Record<string, string>): Promise<SamlAnswer> {
    if (!sp) throw new Error('the IdP does not trust the gateway yet (trust())');
    const request = JSON.parse(Buffer.from(ticket, 'base64url').toString('utf8')) as { query: Record<string, string> };
    // samlify reads the AuthnRequest again (its id, issuer, ACS) exactly as it would for a real SP.
    const parsed = (await idpEntity.parseLoginRequest(sp, 'redirect', { query: request.query })) as unknown as {
      extract: { request: { id: string } };
    };
    const signer = idp.mode === 'wrongKey' ? forger : idpEntity;
    const now = new Date();
    const minutes = (m: number) => new Date(now.getTime() + m * 60_000).toISOString();
    const acs = sp.entityMeta.getAssertionConsumerService('post') as string;
    const mfa =
      idp.mode === 'mfa'
        ? 'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract'
        : 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
    const result = await signer.createLoginResponse(
      sp,
      parsed as unknown as Parameters<typeof signer.createLoginResponse>[1],
      'post',
      { email },
      {
        relayState: request.query.RelayState,
        customTagReplacement: (template: string) => {
          const id = `_${Math.random().toString(36).slice(2)}${Date.now()}`;
          const values: Record<string, string> = {
            ID: id,
            AssertionID: `_a${Math.random().toString(36).slice(2)}${Date.now()}`,
            Destination: idp.mode === 'wrongDestination' ? ELSEWHERE : acs,
            Audience: idp.mode === 'wrongAudience' ? 'https://someone-else.example/sp' : sp!.entityMeta.getEntityID(),
            SubjectRecipient: idp.mode === 'wrongRecipient' ? ELSEWHERE : acs,
            Issuer: entityId,
            IssueInstant: now.toISOString(),
            StatusCode: 'urn:oasis:names:tc:SAML:2.0:status:Success',
            ConditionsNotBefore: idp.mode === 'expired' ? minutes(-20) : minutes(-1),
            ConditionsNotOnOrAfter: idp.mode === 'expired' ? minutes(-10) : minutes(5),
            SubjectConfirmationDataNotOnOrAfter: idp.mode === 'expired' ? minutes(-10) : minutes(5),
            NameIDFormat: EMAIL_FORMAT,
            NameID: email,
            InResponseTo: parsed.extract.request.id,
            AuthnStatement: `<saml:AuthnStatement AuthnInstant="${now.toISOString()}"><saml:AuthnContext><saml:AuthnContextClassRef>${mfa}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`,
            AttributeStatement: '',
            ...overrides,
          };
          const filled = template.replace(/\{(\w+)\}/g, (_m, tag: string) =>
            tag === 'AuthnStatement' || tag === 'AttributeStatement' ? (values[tag] ?? '') : esc(values[tag] ?? ''),
          );
          return { id, context: filled };
        },
      },
    );
    let xml = unb64(result.context);
    if (idp.mode === 'tampered') xml = xml.split(esc(email)).join('attacker@example.com');
    if (idp.mode === 'unsigned') xml = xml.replace(/<ds:Signature[\s\S]*?<\/ds:Signature>/g, '');
    return { action: acs, SAMLResponse: b64(xml), RelayState: request.query.RelayState ?? '' };
  }

  server.on('request', async (req, res) => {
    try {
      const u = new URL(req.url ?? '/', url);
      if (req.method === 'GET' && u.pathname === '/metadata') {
        res.setHeader('content-type', 'application/samlmetadata+xml');
        return res.end(idp.metadata);
      }
      if (req.method === 'GET' && u.pathname === '/huge-metadata') {
        res.setHeader('content-type', 'application/samlmetadata+xml');
        return res.end(idp.metadata.replace('<', `<!--${'x'.repeat(300 * 1024)}--><`));
      }
      if (req.method === 'GET' && u.pathname === '/sso') {
        const ticket = Buffer.from(JSON.stringify({ query: Object.fromEntries(u.searchParams) })).toString('base64url');
        res.setHeader('content-type', 'text/html');
        return res.end(
          `<form method="post" action="/sso/login"><input type="hidden" name="ticket" value="${ticket}"/><input name="email"/><button>Sign in</button></form>`,
        );
      }
      if (req.method === 'POST' && u.pathname === '/sso/login') {
        const form = await readBody(req);
        const a = await answer(form.get('ticket') ?? '', form.get('email') ?? '', {});
        res.setHeader('content-type', 'text/html');
        return res.end(
          `<form method="post" action="${esc(a.action)}"><input type="hidden" name="SAMLResponse" value="${a.SAMLResponse}"/><input type="hidden" name="RelayState" value="${esc(a.RelayState)}"/></form><script>document.forms[0].submit()</script>`,
        );
      }
      res.statusCode = 404;
      res.end();
    } catch (err) {
      res.statusCode = 500;
      res.end(String(err));
    }
  });
  return idp;
}

/** The browser starts a sign-in at the gateway and reaches the IdP's form: the ticket naming the request. */
export async function startAtIdp(browser: Browser, startUrl: string): Promise<{ status: number; ticket?: string; body?: any }> {
  const start = await browser.fetch(startUrl);
  if (start.status !== 302) return { status: start.status, body: await start.json() };
  const page = await (await fetch(start.headers.get('location')!)).text();
  return { status: 302, ticket: /name="ticket" value="([^"]+)"/.exec(page)![1]! };
}

/** The browser posts the IdP's answer to the gateway's ACS (the auto-posting form). */
export async function postAnswer(browser: Browser, a: SamlAnswer): Promise<{ status: number; body: any; text: string }> {
  const res = await browser.fetch(a.action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ SAMLResponse: a.SAMLResponse, RelayState: a.RelayState }).toString(),
  });
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, body, text };
}

/** A whole SAML sign-in in one browser: gateway → IdP form (typed email) → IdP's answer → gateway's ACS. */
export async function samlSignIn(
  idp: SamlIdp,
  startUrl: string,
  email: string,
  browser?: Browser,
): Promise<{ status: number; body: any; text: string; answer?: SamlAnswer }> {
  const { Browser: B } = await import('./idp');
  const b = browser ?? new B();
  const started = await startAtIdp(b, startUrl);
  if (!started.ticket) return { status: started.status, body: started.body, text: JSON.stringify(started.body) };
  const answer = await idp.answer(started.ticket, email);
  return { ...(await postAnswer(b, answer)), answer };
}
