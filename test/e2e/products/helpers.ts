// Shared steps of the seed-product tests: an account with role packs installed, a domain that may
// send to one authorized recipient, and a way to send through it.
import type { TestGateway, TestOwner } from '../../helpers/gateway';
import { ok, roleIds } from '../../modules/access/helpers';

export const SEND = `mutation($input: SendEmailInput!) { sendEmail(input: $input) { id to status } }`;

export async function installPacks(gw: TestGateway, owner: TestOwner, packs: string[]): Promise<Record<string, string>> {
  for (const pack of packs) {
    ok(
      await gw.gql(
        `mutation($input: InstallRolePackInput!) { installRolePack(input: $input) { id } }`,
        { input: { accountId: owner.accountId, pack } },
        owner.token,
      ),
    );
  }
  return roleIds(gw, owner);
}

export async function mutate(gw: TestGateway, token: string, field: string, type: string, input: Record<string, unknown>): Promise<any> {
  return ok(await gw.gql(`mutation($input: ${type}!) { ${field}(input: $input) { id } }`, { input }, token))[field];
}

/** A domain in `workspaceId` that may send to `recipient` (authorized while unverified). */
export async function sendingDomain(
  gw: TestGateway,
  owner: TestOwner,
  name: string,
  recipient = 'reader@example.org',
  workspaceId = owner.workspaceId,
): Promise<string> {
  const d = await mutate(gw, owner.token, 'createDomain', 'CreateDomainInput', { workspaceId, name });
  await mutate(gw, owner.token, 'addAuthorizedRecipient', 'AddAuthorizedRecipientInput', { domainId: d.id, email: recipient });
  return d.id;
}

export function mail(domainId: string, domainName: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { domainId, from: `news@${domainName}`, to: 'reader@example.org', subject: 'Hello', text: 'Body text', ...over };
}
