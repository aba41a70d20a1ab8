// Shared steps of the report tests: mail sent through a domain and a campaign, and delivery events
// posted back the way a provider would (HTTP Basic with an account API key).
import type { TestGateway, TestOwner } from '../../helpers/gateway';
import { ok } from '../access/helpers';
import { CREATE_CAMPAIGN, IMPORT, createList, createTemplate, rows, verifiedSender } from '../marketing/helpers';
import { SEND, mail, sendingDomain } from '../../e2e/products/helpers';

export async function apiKey(gw: TestGateway, owner: TestOwner): Promise<string> {
  return ok(
    await gw.gql(
      `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`,
      { input: { accountId: owner.accountId, name: 'events' } },
      owner.token,
    ),
  ).createApiKey.secret;
}

export async function postEvents(
  gw: TestGateway,
  accountId: string,
  key: string,
  body: unknown,
): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`${gw.url}/events/${accountId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`api:${key}`).toString('base64')}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text };
}

/** A domain that sent `n` transactional emails; returns its id and the email log ids. */
export async function domainWithSends(
  gw: TestGateway,
  owner: TestOwner,
  name: string,
  n: number,
): Promise<{ domainId: string; logs: string[] }> {
  const domainId = await sendingDomain(gw, owner, name);
  const logs: string[] = [];
  for (let i = 0; i < n; i++) {
    logs.push(ok(await gw.gql(SEND, { input: mail(domainId, name, { text: `Secret body ${i}` }) }, owner.token)).sendEmail.id);
  }
  return { domainId, logs };
}

/** A campaign sent to `n` contacts; returns its id and the email log ids. */
export async function sentCampaign(gw: TestGateway, owner: TestOwner, n: number): Promise<{ campaignId: string; logs: string[] }> {
  const listId = await createList(gw, owner, `List ${Math.random()}`);
  ok(await gw.gql(IMPORT, { input: { listId, contacts: rows(n, `r${Math.random().toString(36).slice(2, 6)}`) } }, owner.token));
  const templateId = await createTemplate(gw, owner);
  const campaignId = ok(
    await gw.gql(
      CREATE_CAMPAIGN,
      {
        input: {
          workspaceId: owner.workspaceId,
          name: 'Spring',
          subject: 'Hi',
          listId,
          templateId,
          fromEmail: await verifiedSender(gw, owner),
        },
      },
      owner.token,
    ),
  ).createCampaign.id;
  ok(await gw.gql(`mutation($id: ID!) { sendCampaign(id: $id) { status } }`, { id: campaignId }, owner.token));
  const logs = ok(
    await gw.gql(
      `query($id: ID!) { campaign(id: $id) { emailLogs(first: 500) { edges { node { id } } } } }`,
      { id: campaignId },
      owner.token,
    ),
  );
  return { campaignId, logs: logs.campaign.emailLogs.edges.map((e: any) => e.node.id) };
}
