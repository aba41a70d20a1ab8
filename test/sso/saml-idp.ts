// A SAML 2.0 identity provider for the tests, on 127.0.0.1 and a free port, built from the same library
// the gateway uses (@node-saml/node-saml signs its assertions). It serves its metadata, reads the
// gateway's AuthnRequest (HTTP-Redirect binding), shows a sign-in form and answers with a signed
// assertion in an auto-posting form (HTTP-POST binding), as real IdPs do. `mode` makes it misbehave.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';
import { signSamlPost } from '@node-saml/node-saml/lib/saml-post-signing';
import { generate } from 'selfsigned';

export type IdpMode = 'good' | 'tampered' | 'wrongKey' | 'unsigned' | 'wrongAudience' | 'expired';

export interface SamlIdp {
  url: string;
  entityId: string;
  metadata: string;
  mode: IdpMode;
  stop(): Promise<void>;
}

const ASSERTION_XPATH =
  '/*[local-name(.)="Response" and namespace-uri(.)="urn:oasis:names:tc:SAML:2.0:protocol"]/*[local-name(.)="Assertion" and namespace-uri(.)="urn:oasis:names:tc:SAML:2.0:assertion"]';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const certBody = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
const id = () => `_${randomBytes(16).toString('hex')}`;

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
  const metadata = `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBody(key.cert)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${url}/sso"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${url}/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;

  const idp: SamlIdp = { url, entityId, metadata, mode: 'good', stop: () => new Promise((r) => server.close(() => r())) };

  function response(req: { id: string; acs: string; sp: string }, email: string): string {
    const now = new Date();
    const later = new Date(now.getTime() + (idp.mode === 'expired' ? -60 : 5 * 60) * 1000).toISOString();
    const before = new Date(now.getTime() - (idp.mode === 'expired' ? 10 * 60 : 60) * 1000).toISOString();
    const audience = idp.mode === 'wrongAudience' ? 'https://someone-else.example/sp' : req.sp;
    const xml =
      `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id()}" Version="2.0" IssueInstant="${now.toISOString()}" Destination="${esc(req.acs)}" InResponseTo="${esc(req.id)}">` +
      `<saml:Issuer>${esc(entityId)}</saml:Issuer>` +
      `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
      `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id()}" Version="2.0" IssueInstant="${now.toISOString()}">` +
      `<saml:Issuer>${esc(entityId)}</saml:Issuer>` +
      `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${esc(email)}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="${esc(req.id)}" Recipient="${esc(req.acs)}" NotOnOrAfter="${later}"/></saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${before}" NotOnOrAfter="${later}"><saml:AudienceRestriction><saml:Audience>${esc(audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
      `<saml:AuthnStatement AuthnInstant="${now.toISOString()}" SessionIndex="${id()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
      `<saml:AttributeStatement><saml:Attribute Name="email"><saml:AttributeValue>${esc(email)}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>` +
      `</saml:Assertion></samlp:Response>`;
    if (idp.mode === 'unsigned') return xml;
    const signer = idp.mode === 'wrongKey' ? otherKey : key;
    const signed = signSamlPost(xml, ASSERTION_XPATH, {
      privateKey: signer.private,
      publicCert: signer.cert,
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
    });
    // Tampering after signing: the victim's address swapped for the attacker's.
    return idp.mode === 'tampered' ? signed.split(esc(email)).join('attacker@example.com') : signed;
  }

  server.on('request', async (req, res) => {
    const u = new URL(req.url ?? '/', url);
    if (req.method === 'GET' && u.pathname === '/metadata') {
      res.setHeader('content-type', 'application/samlmetadata+xml');
      return res.end(metadata);
    }
    if (req.method === 'GET' && u.pathname === '/sso') {
      // HTTP-Redirect binding: base64 of the raw-deflated AuthnRequest.
      const xml = inflateRawSync(Buffer.from(u.searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
      const request = {
        id: /\sID="([^"]+)"/.exec(xml)?.[1] ?? '',
        acs: /AssertionConsumerServiceURL="([^"]+)"/.exec(xml)?.[1] ?? '',
        sp: /<saml:Issuer[^>]*>([^<]+)<\/saml:Issuer>/.exec(xml)?.[1] ?? '',
        relayState: u.searchParams.get('RelayState') ?? '',
      };
      const ticket = Buffer.from(JSON.stringify(request)).toString('base64url');
      res.setHeader('content-type', 'text/html');
      return res.end(
        `<form method="post" action="/sso/login"><input type="hidden" name="ticket" value="${ticket}"/><input name="email"/><button>Sign in</button></form>`,
      );
    }
    if (req.method === 'POST' && u.pathname === '/sso/login') {
      const form = await readBody(req);
      const request = JSON.parse(Buffer.from(form.get('ticket') ?? '', 'base64url').toString('utf8'));
      const saml = Buffer.from(response(request, form.get('email') ?? '')).toString('base64');
      res.setHeader('content-type', 'text/html');
      return res.end(
        `<form method="post" action="${esc(request.acs)}"><input type="hidden" name="SAMLResponse" value="${saml}"/><input type="hidden" name="RelayState" value="${esc(request.relayState)}"/></form><script>document.forms[0].submit()</script>`,
      );
    }
    res.statusCode = 404;
    res.end();
  });
  return idp;
}

/** A browser through a SAML sign-in: gateway → IdP form (typed email) → auto-posted form → gateway's ACS. */
export async function samlSignIn(startUrl: string, email: string): Promise<{ status: number; body: any; replay?: () => Promise<number> }> {
  const start = await fetch(startUrl, { redirect: 'manual' });
  if (start.status !== 302) return { status: start.status, body: await start.json() };
  const idpUrl = start.headers.get('location')!;
  const page = await (await fetch(idpUrl)).text();
  const ticket = /name="ticket" value="([^"]+)"/.exec(page)![1]!;
  const posted = await (
    await fetch(new URL('/sso/login', idpUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ticket, email }).toString(),
    })
  ).text();
  const action = /<form method="post" action="([^"]+)"/.exec(posted)![1]!.replace(/&amp;/g, '&');
  const fields = new URLSearchParams({
    SAMLResponse: /name="SAMLResponse" value="([^"]+)"/.exec(posted)![1]!,
    RelayState: /name="RelayState" value="([^"]+)"/.exec(posted)![1]!.replace(/&amp;/g, '&'),
  });
  const post = () =>
    fetch(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields.toString() });
  const acs = await post();
  return { status: acs.status, body: await acs.json(), replay: async () => (await post()).status };
}
