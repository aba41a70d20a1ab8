// Shared queries and fixtures of the marketing tests.
import type { GqlResponse, TestGateway, TestOwner } from '../../helpers/gateway';
import { verifyThroughDns } from '../../helpers/dns';

export const CREATE_LIST = `mutation($input: CreateListInput!) { createList(input: $input) { id name contactCount workspace { id } } }`;
export const IMPORT = `mutation($input: ImportContactsInput!) { importContacts(input: $input) { imported skipped total list { id contactCount } } }`;
export const LIST_CONTACTS = `query($id: ID!, $first: Int, $after: String) { list(id: $id) { id name contactCount
  contacts(first: $first, after: $after) { edges { cursor node { id email firstName lastName } } pageInfo { hasNextPage endCursor } } } }`;
export const CREATE_TEMPLATE = `mutation($input: CreateTemplateInput!) { createTemplate(input: $input) { id name html createdBy { id } } }`;
export const CREATE_CAMPAIGN = `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) {
  id name subject status recipientCount createdBy { id email } list { id name } template { id name } } }`;

/** The data of a response that must have succeeded. */
export function ok<T = any>(r: GqlResponse): T {
  if (r.body.errors) throw new Error(`unexpected errors: ${JSON.stringify(r.body.errors)}`);
  return r.body.data as T;
}

export async function createList(gw: TestGateway, owner: TestOwner, name = 'Customers', workspaceId = owner.workspaceId): Promise<string> {
  return ok(await gw.gql(CREATE_LIST, { input: { workspaceId, name } }, owner.token)).createList.id;
}

export async function createTemplate(
  gw: TestGateway,
  owner: TestOwner,
  html = '<p>Hello {{firstName}}</p>',
  workspaceId = owner.workspaceId,
): Promise<string> {
  return ok(await gw.gql(CREATE_TEMPLATE, { input: { workspaceId, name: 'Welcome', html } }, owner.token)).createTemplate.id;
}

export function rows(n: number, tag = 'c'): { email: string; firstName: string; lastName: string }[] {
  return Array.from({ length: n }, (_, i) => ({ email: `${tag}${i}@example.com`, firstName: `First${i}`, lastName: `Last${i}` }));
}

/** RFC 4180 CSV, enough to read back what the export wrote. */
export function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      out.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field || row.length) {
    row.push(field);
    out.push(row);
  }
  return out;
}

let domains = 0;
/**
 * A sender address at a new domain of the workspace, verified through the test DNS server:
 * campaigns send only from verified domains of their own workspace.
 */
export async function verifiedSender(gw: TestGateway, owner: TestOwner, workspaceId = owner.workspaceId, local = 'news'): Promise<string> {
  domains += 1;
  const name = `mail${domains}-${Math.random().toString(36).slice(2, 8)}.acme.test`;
  const r = await gw.gql(
    `mutation($input: CreateDomainInput!) { createDomain(input: $input) { id } }`,
    { input: { workspaceId, name } },
    owner.token,
  );
  await verifyThroughDns(gw, gw.dns, owner, ok(r).createDomain.id);
  return `${local}@${name}`;
}
