// Workspaces: rename, and delete with everything inside (every area), leaving other workspaces and
// the audit trail alone.
import mongoose from 'mongoose';
import { AuditEvent } from '../../../src/audit/model';
import { errorCode, startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { addMember } from '../../authz/fixtures';

let gw: TestGateway;
let owner: TestOwner;
beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

function ok(r: { body: { data?: Record<string, any> | null; errors?: unknown[] } }): Record<string, any> {
  if (r.body.errors || !r.body.data) throw new Error(JSON.stringify(r.body.errors));
  return r.body.data;
}

const CREATE = `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id name } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateWorkspaceInput!) { updateWorkspace(id: $id, input: $input) { id name } }`;
const DELETE = `mutation($id: ID!) { deleteWorkspace(id: $id) }`;
const GET = `query($id: ID!) { workspace(id: $id) { id name } }`;

async function workspace(name: string): Promise<string> {
  return ok(await gw.gql(CREATE, { input: { accountId: owner.accountId, name } }, owner.token)).createWorkspace.id;
}

/** Fills a workspace with something of every area, through the API. */
async function fill(ws: string): Promise<void> {
  const d = ok(
    await gw.gql(
      `mutation($w: ID!) { createDomain(input: { workspaceId: $w, name: "mail-${ws}.example.com" }) { id } }`,
      { w: ws },
      owner.token,
    ),
  ).createDomain.id;
  ok(
    await gw.gql(
      `mutation($d: ID!, $w: ID!) {
        createSmtpCredential(input: { domainId: $d, login: "app" }) { id }
        addSuppression(input: { domainId: $d, type: BOUNCE, address: "gone@example.org" }) { id }
        createSendingServer(input: { workspaceId: $w, name: "S", provider: SMTP, host: "smtp.example.com", port: 587, username: "u", password: "p-secret-1" }) { id }
      }`,
      { d, w: ws },
      owner.token,
    ),
  );
  const list = ok(await gw.gql(`mutation($w: ID!) { createList(input: { workspaceId: $w, name: "L" }) { id } }`, { w: ws }, owner.token))
    .createList.id;
  ok(
    await gw.gql(
      `mutation($l: ID!) { importContacts(input: { listId: $l, contacts: [{ email: "a@example.org" }, { email: "b@example.org" }] }) { imported } }`,
      { l: list },
      owner.token,
    ),
  );
  ok(
    await gw.gql(
      `mutation($w: ID!, $l: ID!) { createCampaign(input: { workspaceId: $w, name: "C", subject: "Hi", listId: $l }) { id } }`,
      { w: ws, l: list },
      owner.token,
    ),
  );
  const project = ok(
    await gw.gql(`mutation($w: ID!) { createProject(input: { workspaceId: $w, name: "P" }) { id } }`, { w: ws }, owner.token),
  ).createProject.id;
  const inbox = ok(
    await gw.gql(`mutation($p: ID!) { createInbox(input: { projectId: $p, name: "I" }) { id } }`, { p: project }, owner.token),
  ).createInbox.id;
  ok(
    await gw.gql(
      `mutation($i: ID!) { sendTestEmail(input: { inboxId: $i, from: "a@example.org", to: "b@example.org", subject: "T", text: "body" }) { id } }`,
      { i: inbox },
      owner.token,
    ),
  );
}

/** Documents carrying `workspaceId: ws`, per collection (audit events excluded). */
async function leftIn(ws: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of mongoose.modelNames()) {
    const M = mongoose.model(name);
    if (name === 'AuditEvent' || !M.schema.path('workspaceId')) continue;
    const n = await M.countDocuments({ workspaceId: ws });
    if (n) out[name] = n;
  }
  return out;
}

describe('updateWorkspace', () => {
  it('renames, refuses a blank or over-long name, and is audited', async () => {
    const ws = await workspace('Old name');
    expect(ok(await gw.gql(UPDATE, { id: ws, input: { name: '  New name ' } }, owner.token)).updateWorkspace.name).toBe('New name');
    const long = await gw.gql(UPDATE, { id: ws, input: { name: 'x'.repeat(101) } }, owner.token);
    expect(errorCode(long)).toBe('BAD_USER_INPUT');
    expect(long.body.errors![0]!.extensions!.field).toBe('name');
    expect(ok(await gw.gql(GET, { id: ws }, owner.token)).workspace.name).toBe('New name');
    expect(await AuditEvent.countDocuments({ accountId: owner.accountId, action: 'workspace.updated', 'target.id': ws })).toBe(1);
  });
});

describe('deleteWorkspace', () => {
  it('deletes everything inside it in every area, and nothing of another workspace', async () => {
    const doomed = await workspace('Doomed');
    const kept = await workspace('Kept');
    await fill(doomed);
    await fill(kept);
    const before = await leftIn(kept);
    expect(Object.keys(await leftIn(doomed)).sort()).toEqual(
      expect.arrayContaining([
        'Domain',
        'SmtpCredential',
        'Suppression',
        'SendingServer',
        'MailingList',
        'Contact',
        'Campaign',
        'Project',
        'Inbox',
        'Message',
      ]),
    );

    expect(ok(await gw.gql(DELETE, { id: doomed }, owner.token)).deleteWorkspace).toBe(true);
    expect(await leftIn(doomed)).toEqual({});
    expect(await leftIn(kept)).toEqual(before);
    expect(errorCode(await gw.gql(GET, { id: doomed }, owner.token))).toBe('NOT_FOUND');
    const event = await AuditEvent.findOne({ accountId: owner.accountId, action: 'workspace.deleted', 'target.id': doomed }).lean();
    expect(event?.meta).toMatchObject({ deleted: expect.objectContaining({ Domain: 1, Contact: 2, Message: 1 }) });
    // The audit trail of the deleted workspace stays.
    expect(await AuditEvent.countDocuments({ accountId: owner.accountId, workspaceId: doomed })).toBeGreaterThan(0);
  });

  it('removes bindings inside it: a member bound there loses access on the next request', async () => {
    const ws = await workspace('Team space');
    const m = await addMember(owner.accountId, owner.userId, ['workspaces:view'], { type: 'WORKSPACE', id: ws });
    expect(ok(await gw.gql(GET, { id: ws }, m.token)).workspace.id).toBe(ws);
    ok(await gw.gql(DELETE, { id: ws }, owner.token));
    expect(errorCode(await gw.gql(GET, { id: ws }, m.token))).toBe('NOT_FOUND');
    expect(await mongoose.model('RoleBinding').countDocuments({ scopeId: ws })).toBe(0);
  });

  it('needs workspaces:delete, keeps the last workspace, and hides other accounts', async () => {
    const ws = await workspace('Guarded');
    const viewer = await addMember(owner.accountId, owner.userId, ['workspaces:view', 'workspaces:edit']);
    const denied = await gw.gql(DELETE, { id: ws }, viewer.token);
    expect(denied.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'workspaces:delete' });
    expect(ok(await gw.gql(GET, { id: ws }, owner.token)).workspace.id).toBe(ws);

    const solo = await gw.signUp();
    const last = await gw.gql(DELETE, { id: solo.workspaceId }, solo.token);
    expect(errorCode(last)).toBe('BAD_USER_INPUT');
    expect(ok(await gw.gql(GET, { id: solo.workspaceId }, solo.token)).workspace.id).toBe(solo.workspaceId);

    expect(errorCode(await gw.gql(DELETE, { id: solo.workspaceId }, owner.token))).toBe('NOT_FOUND');
  });
});
