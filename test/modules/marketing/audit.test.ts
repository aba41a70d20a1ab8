// Every marketing write leaves exactly one audit event naming who did it and what changed — and never
// a template's body. Read back through the API (Account.auditLog), as an auditor would.
import { errorCode, startTestGateway, type GqlResponse, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { CREATE_CAMPAIGN, CREATE_LIST, CREATE_TEMPLATE, IMPORT, ok, verifiedSender } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
let sender: string;
beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  sender = await verifiedSender(gw, owner);
});
afterAll(() => gw.stop());

interface Event {
  action: string;
  actor: { type: string; id: string; userId: string | null };
  target: { type: string; id: string };
  workspaceId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  meta: Record<string, unknown> | null;
}

const AUDIT = `query($id: ID!, $targetId: ID) { account(id: $id) { auditLog(filter: { targetId: $targetId }, first: 100) {
  edges { node { action actor { type id userId } target { type id } workspaceId before after meta } } } } }`;

/** The audit events about one target, oldest first, and the raw response text they came in. */
async function eventsOf(targetId: string): Promise<{ events: Event[]; text: string }> {
  const r = await gw.gql(AUDIT, { id: owner.accountId, targetId }, owner.token);
  return { events: ok(r).account.auditLog.edges.map((e: { node: Event }) => e.node), text: r.text };
}

const actions = async (targetId: string) => (await eventsOf(targetId)).events.map((e) => e.action);
const field = (r: GqlResponse) => r.body.errors?.[0]?.extensions?.field;
const run = async (query: string, variables: Record<string, unknown>) => ok(await gw.gql(query, variables, owner.token));

/** Every event was written by the owner, about the owner's workspace. */
function expectByOwner(events: Event[]): void {
  for (const e of events) {
    expect(e.actor).toEqual({ type: 'USER', id: owner.userId, userId: owner.userId });
    expect(e.workspaceId).toBe(owner.workspaceId);
  }
}

describe('marketing writes are audited', () => {
  it('lists and contacts: create, rename, import, edit, delete — one event each, with the changed fields', async () => {
    const listId = (await run(CREATE_LIST, { input: { workspaceId: owner.workspaceId, name: 'Leads' } })).createList.id;
    await run(`mutation($id: ID!) { updateList(id: $id, input: { name: "Hot leads" }) { id } }`, { id: listId });
    await run(IMPORT, {
      input: {
        listId,
        contacts: [
          { email: 'ann@example.com', firstName: 'Ann' },
          { email: 'bob@example.com', firstName: 'Bob' },
        ],
      },
    });
    const contacts = (
      await run(`query($id: ID!) { list(id: $id) { contacts { edges { node { id email } } } } }`, { id: listId })
    ).list.contacts.edges.map((e: { node: { id: string; email: string } }) => e.node);
    const ann = contacts.find((c: { email: string }) => c.email === 'ann@example.com')!.id;
    const bob = contacts.find((c: { email: string }) => c.email === 'bob@example.com')!.id;

    const UPDATE_CONTACT = `mutation($id: ID!, $input: UpdateContactInput!) { updateContact(id: $id, input: $input) { id } }`;
    await run(UPDATE_CONTACT, { id: ann, input: { lastName: 'Archer' } });
    // Refused by the unique (list, email) key: BAD_USER_INPUT on email, and no event.
    const dup = await gw.gql(UPDATE_CONTACT, { id: ann, input: { email: 'bob@example.com' } }, owner.token);
    expect([errorCode(dup), field(dup)]).toEqual(['BAD_USER_INPUT', 'email']);
    await run(`mutation($id: ID!) { deleteContact(id: $id) }`, { id: bob });

    const list = (await eventsOf(listId)).events;
    expect(list.map((e) => e.action)).toEqual(['list.created', 'list.updated', 'contacts.imported']);
    expectByOwner(list);
    expect(list[0]!.after).toMatchObject({ name: 'Leads', createdBy: owner.userId });
    expect([list[1]!.before, list[1]!.after]).toEqual([{ name: 'Leads' }, { name: 'Hot leads' }]);
    expect(list[2]!.meta).toMatchObject({ imported: 2, skipped: 0, total: 2 });

    const annEvents = (await eventsOf(ann)).events;
    expect(annEvents.map((e) => e.action)).toEqual(['contact.updated']);
    expect([annEvents[0]!.before, annEvents[0]!.after]).toEqual([{ lastName: null }, { lastName: 'Archer' }]);
    const bobEvents = (await eventsOf(bob)).events;
    expect(bobEvents.map((e) => e.action)).toEqual(['contact.deleted']);
    expect(bobEvents[0]!.before).toMatchObject({ email: 'bob@example.com' });
    expectByOwner([...annEvents, ...bobEvents]);

    await run(`mutation($id: ID!) { deleteList(id: $id) }`, { id: listId });
    const deleted = (await eventsOf(listId)).events.at(-1)!;
    expect(deleted).toMatchObject({ action: 'list.deleted', before: { name: 'Hot leads' }, meta: { contactsDeleted: 1 } });
  });

  it('templates: create, edit, clone, delete — one event each, the HTML body never in the log', async () => {
    const body = '<p>Confidential launch plan 7f3a9c</p>';
    const edited = '<p>Confidential pricing 2b8e41</p>';
    const id = (await run(CREATE_TEMPLATE, { input: { workspaceId: owner.workspaceId, name: 'Launch', html: body } })).createTemplate.id;
    await run(`mutation($id: ID!, $html: String) { updateTemplate(id: $id, input: { name: "Launch v2", html: $html }) { id } }`, {
      id,
      html: edited,
    });
    const copy = (await run(`mutation($id: ID!) { cloneTemplate(id: $id) { id } }`, { id })).cloneTemplate.id;
    await run(`mutation($id: ID!) { deleteTemplate(id: $id) }`, { id });

    const { events, text } = await eventsOf(id);
    expect(events.map((e) => e.action)).toEqual(['template.created', 'template.updated', 'template.deleted']);
    expectByOwner(events);
    expect(events[0]!.after).toMatchObject({ name: 'Launch', html: '[REDACTED]' });
    // Both changed fields are recorded; the body only as changed.
    expect(events[1]!.before).toEqual({ name: 'Launch', html: '[REDACTED]' });
    expect(events[1]!.after).toEqual({ name: 'Launch v2', html: '[REDACTED]' });
    const clone = await eventsOf(copy);
    expect(clone.events).toMatchObject([
      { action: 'template.cloned', after: { name: 'Copy of Launch v2', html: '[REDACTED]' }, meta: { from: id } },
    ]);
    for (const t of [text, clone.text, gw.logs.join('\n')]) {
      expect(t).not.toContain('7f3a9c');
      expect(t).not.toContain('2b8e41');
    }
  });

  it('campaigns: create, edit, schedule, unschedule, send, delete — one event each; a refused edit records nothing', async () => {
    const listId = (await run(CREATE_LIST, { input: { workspaceId: owner.workspaceId, name: 'Audience' } })).createList.id;
    await run(IMPORT, { input: { listId, contacts: [{ email: 'c1@example.com' }, { email: 'c2@example.com' }] } });
    const templateId = (await run(CREATE_TEMPLATE, { input: { workspaceId: owner.workspaceId, name: 'T', html: '<p>Hi</p>' } }))
      .createTemplate.id;
    const id = (await run(CREATE_CAMPAIGN, { input: { workspaceId: owner.workspaceId, name: 'Autumn', listId, templateId } }))
      .createCampaign.id;
    const UPDATE = `mutation($id: ID!, $input: UpdateCampaignInput!) { updateCampaign(id: $id, input: $input) { id } }`;
    await run(UPDATE, { id, input: { subject: 'Autumn deals', fromEmail: sender } });
    const at = new Date(Date.now() + 86_400_000).toISOString();
    await run(`mutation($input: ScheduleCampaignInput!) { scheduleCampaign(input: $input) { id } }`, { input: { id, at } });
    await run(`mutation($id: ID!) { unscheduleCampaign(id: $id) { id } }`, { id });
    await run(`mutation($id: ID!) { sendCampaign(id: $id) { id } }`, { id });
    const late = await gw.gql(UPDATE, { id, input: { name: 'Too late' } }, owner.token);
    expect([errorCode(late), field(late)]).toEqual(['BAD_USER_INPUT', 'id']);
    await run(`mutation($id: ID!) { deleteCampaign(id: $id) }`, { id });

    const { events } = await eventsOf(id);
    expect(events.map((e) => e.action)).toEqual([
      'campaign.created',
      'campaign.updated',
      'campaign.scheduled',
      'campaign.unscheduled',
      'campaign.sent',
      'campaign.deleted',
    ]);
    expectByOwner(events);
    const [created, updated, scheduled, unscheduled, sent, deleted] = events;
    expect(created!.after).toMatchObject({ name: 'Autumn', status: 'DRAFT', listId, templateId });
    expect([updated!.before, updated!.after]).toEqual([
      { subject: '', fromEmail: null },
      { subject: 'Autumn deals', fromEmail: sender },
    ]);
    expect(scheduled!.after).toEqual({ status: 'SCHEDULED', scheduledAt: at });
    expect(unscheduled!.after).toEqual({ status: 'DRAFT', scheduledAt: null });
    expect(sent!.before).toMatchObject({ status: 'DRAFT', recipientCount: 0 });
    expect(sent!.after).toMatchObject({ status: 'SENT', recipientCount: 2 });
    expect(deleted!.before).toMatchObject({ name: 'Autumn', status: 'SENT' });
  });

  it.each([
    ['Automation', 'automation'],
    ['Form', 'form'],
  ])('%s: create, edit, publish, unpublish, delete — one event each; publishing twice records once', async (Type, subject) => {
    const id = (
      await run(`mutation($input: Create${Type}Input!) { create${Type}(input: $input) { id } }`, {
        input: { workspaceId: owner.workspaceId, name: 'Welcome flow' },
      })
    )[`create${Type}`].id;
    await run(`mutation($id: ID!) { update${Type}(id: $id, input: { name: "Onboarding" }) { id } }`, { id });
    await run(`mutation($id: ID!) { publish${Type}(id: $id) { id } }`, { id });
    const again = await run(`mutation($id: ID!) { publish${Type}(id: $id) { published } }`, { id });
    expect(again[`publish${Type}`].published).toBe(true);
    await run(`mutation($id: ID!) { unpublish${Type}(id: $id) { id } }`, { id });
    await run(`mutation($id: ID!) { delete${Type}(id: $id) }`, { id });

    const { events } = await eventsOf(id);
    expect(events.map((e) => e.action)).toEqual([
      `${subject}.created`,
      `${subject}.updated`,
      `${subject}.published`,
      `${subject}.unpublished`,
      `${subject}.deleted`,
    ]);
    expectByOwner(events);
    expect(events[0]!.target).toEqual({ type: Type, id });
    expect([events[1]!.before, events[1]!.after]).toEqual([{ name: 'Welcome flow' }, { name: 'Onboarding' }]);
    expect(events[2]!.after).toMatchObject({ published: true, publishedAt: expect.any(String) });
    expect(events[3]!.after).toEqual({ published: false, publishedAt: null });
  });

  it('the empty update of a list records nothing', async () => {
    const listId = (await run(CREATE_LIST, { input: { workspaceId: owner.workspaceId, name: 'Quiet' } })).createList.id;
    await run(`mutation($id: ID!) { updateList(id: $id, input: {}) { id } }`, { id: listId });
    expect(await actions(listId)).toEqual(['list.created']);
  });
});
