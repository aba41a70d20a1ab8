// A small SCIM 2.0 client, as an identity provider would use one: JSON over HTTP with the account's
// bearer token, application/scim+json both ways (RFC 7644 §3.1, §8.1).
import { randomBytes } from 'node:crypto';
import { onPlan } from '../helpers/billing';
import { verifyThroughDns } from '../helpers/dns';
import { startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';

export interface ScimResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const GROUP_ROLE_SCHEMA = 'urn:postern:params:scim:schemas:extension:2.0:Group';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export class ScimClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  async request(method: string, path: string, body?: unknown, rawBody?: string): Promise<ScimResponse> {
    const res = await fetch(`${this.baseUrl}/scim/v2${path}`, {
      method,
      headers: {
        accept: 'application/scim+json',
        ...(body !== undefined || rawBody !== undefined ? { 'content-type': 'application/scim+json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null, text };
  }

  get = (path: string) => this.request('GET', path);
  post = (path: string, body: unknown) => this.request('POST', path, body);
  put = (path: string, body: unknown) => this.request('PUT', path, body);
  patch = (path: string, operations: unknown[]) => this.request('PATCH', path, { schemas: [PATCH_SCHEMA], Operations: operations });
  /** A request with extra headers (If-Match). */
  async withHeaders(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<ScimResponse> {
    const res = await fetch(`${this.baseUrl}/scim/v2${path}`, {
      method,
      headers: {
        accept: 'application/scim+json',
        ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null, text };
  }
  delete = (path: string) => this.request('DELETE', path);

  /** RFC 7644 §3.4.2: GET /Users?filter=userName eq "…" */
  findUser = (userName: string) => this.get(`/Users?filter=${encodeURIComponent(`userName eq ${JSON.stringify(userName)}`)}`);
}

/** RFC 7644 §3.3's example User, with a work email of our choosing. */
export function bjensen(email: string, userName = 'bjensen'): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA],
    userName,
    externalId: `ext-${userName}`,
    name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' },
    emails: [{ value: email, type: 'work', primary: true }],
  };
}

export const CREATE_SCIM_TOKEN = `mutation($input: CreateScimTokenInput!) { createScimToken(input: $input) { token scimToken { id name prefix createdBy { id } } } }`;

export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const SEARCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/** A company on ENTERPRISE whose mail domain is proven through DNS, with a SCIM token its owner made. */
export interface ScimWorld {
  gw: TestGateway;
  owner: TestOwner;
  /** The proven domain. */
  domain: string;
  /** A fresh address under the proven domain. */
  corpEmail(tag: string): string;
  scimToken: string;
  scim: ScimClient;
}

export async function startScimWorld(): Promise<ScimWorld> {
  const gw = await startTestGateway();
  const domain = `corp-${randomBytes(4).toString('hex')}.example.com`;
  const corpEmail = (tag: string) => `${tag}-${randomBytes(4).toString('hex')}@${domain}`;
  const owner = await gw.signUp({ email: corpEmail('owner') });
  await gw.verifyEmail(owner.email);
  await onPlan(gw, owner, 'ENTERPRISE'); // SCIM comes with ENTERPRISE (MI10)
  await proveDomain(gw, owner, domain);
  const r = await gw.gql(CREATE_SCIM_TOKEN, { input: { accountId: owner.accountId, name: 'Okta' } }, owner.token);
  if (r.body.errors) throw new Error(`createScimToken failed: ${r.text}`);
  const scimToken = r.body.data!.createScimToken.token as string;
  return { gw, owner, domain, corpEmail, scimToken, scim: new ScimClient(gw.url, scimToken) };
}

/** The account proves `domain` the way its admin would: a sending domain whose records are published and verified. */
export async function proveDomain(gw: TestGateway, owner: TestOwner, domain: string): Promise<void> {
  const r = await gw.gql(
    `mutation($input: CreateDomainInput!) { createDomain(input: $input) { id } }`,
    { input: { workspaceId: owner.workspaceId, name: domain } },
    owner.token,
  );
  if (r.body.errors) throw new Error(`createDomain failed: ${r.text}`);
  await verifyThroughDns(gw, gw.dns, owner, r.body.data!.createDomain.id);
}
