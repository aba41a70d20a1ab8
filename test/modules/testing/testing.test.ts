import { errorCode, startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { Inbox, Message, Project } from '../../../src/modules/testing/testing.model';
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { accessStore } from '../../helpers/access';

const RoleBinding = () => mongoose.model('RoleBinding');
import { addBinding, addMember } from './member';

let gw: TestGateway;
let owner: TestOwner;
beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

const CREATE_PROJECT = `mutation($input: CreateProjectInput!) { createProject(input: $input) { id name workspace { id } } }`;
const CREATE_INBOX = `mutation($input: CreateInboxInput!) { createInbox(input: $input) { id name project { id name } } }`;
const SEND = `mutation($input: SendTestEmailInput!) { sendTestEmail(input: $input) { id from to subject html text size inbox { id } } }`;
const PROJECTS = `query($id: ID!, $first: Int, $after: String) { workspace(id: $id) { projects(first: $first, after: $after) {
  edges { cursor node { id name } } pageInfo { hasNextPage endCursor } } } }`;
const MESSAGES = `query($id: ID!, $first: Int, $after: String) { inbox(id: $id) { id messageCount messages(first: $first, after: $after) {
  edges { node { id subject html text } } pageInfo { hasNextPage endCursor } } } }`;

async function project(name = 'QA', token = owner.token, workspaceId = owner.workspaceId): Promise<string> {
  const r = await gw.gql(CREATE_PROJECT, { input: { workspaceId, name } }, token);
  expect(r.body.errors).toBeUndefined();
  return r.body.data!.createProject.id;
}

async function inbox(projectId: string, name = 'Staging', token = owner.token): Promise<string> {
  const r = await gw.gql(CREATE_INBOX, { input: { projectId, name } }, token);
  expect(r.body.errors).toBeUndefined();
  return r.body.data!.createInbox.id;
}

async function send(inboxId: string, subject: string, token = owner.token) {
  return gw.gql(
    SEND,
    { input: { inboxId, from: 'app@example.com', to: 'qa@example.com', subject, text: `text of ${subject}`, html: `<p>${subject}</p>` } },
    token,
  );
}

describe('projects', () => {
  it('creates, reads, renames and lists projects in pages', async () => {
    const other = await gw.signUp();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await project(`Project ${i}`, other.token, other.workspaceId));

    const one = await gw.gql(`query($id: ID!) { project(id: $id) { id name workspace { id } } }`, { id: ids[0] }, other.token);
    expect(one.body.data!.project).toEqual({ id: ids[0], name: 'Project 0', workspace: { id: other.workspaceId } });

    const renamed = await gw.gql(
      `mutation($id: ID!) { updateProject(id: $id, input: { name: "  Renamed  " }) { id name } }`,
      { id: ids[1] },
      other.token,
    );
    expect(renamed.body.data!.updateProject).toEqual({ id: ids[1], name: 'Renamed' });

    const p1 = await gw.gql(PROJECTS, { id: other.workspaceId, first: 2 }, other.token);
    const c1 = p1.body.data!.workspace.projects;
    expect(c1.edges.map((e: any) => e.node.id)).toEqual(ids.slice(0, 2));
    expect(c1.pageInfo.hasNextPage).toBe(true);
    const p2 = await gw.gql(PROJECTS, { id: other.workspaceId, first: 10, after: c1.pageInfo.endCursor }, other.token);
    const c2 = p2.body.data!.workspace.projects;
    expect(c2.edges.map((e: any) => e.node.id)).toEqual(ids.slice(2));
    expect(c2.pageInfo.hasNextPage).toBe(false);
  });

  it('refuses bad names with the field, and another account sees NOT_FOUND', async () => {
    const long = await gw.gql(CREATE_PROJECT, { input: { workspaceId: owner.workspaceId, name: 'x'.repeat(101) } }, owner.token);
    expect(errorCode(long)).toBe('BAD_USER_INPUT');
    expect(long.body.errors![0]!.extensions!.field).toBe('name');
    const blank = await gw.gql(CREATE_PROJECT, { input: { workspaceId: owner.workspaceId, name: '   ' } }, owner.token);
    expect(errorCode(blank)).toBe('BAD_USER_INPUT');

    const id = await project('Private');
    const stranger = await gw.signUp();
    const read = await gw.gql(`query($id: ID!) { project(id: $id) { id } }`, { id }, stranger.token);
    expect(errorCode(read)).toBe('NOT_FOUND');
    expect(read.body.data!.project).toBeNull();
    const create = await gw.gql(CREATE_PROJECT, { input: { workspaceId: owner.workspaceId, name: 'Sneaky' } }, stranger.token);
    expect(errorCode(create)).toBe('NOT_FOUND');
    const del = await gw.gql(`mutation($id: ID!) { deleteProject(id: $id) }`, { id }, stranger.token);
    expect(errorCode(del)).toBe('NOT_FOUND');
    expect(await Project.exists({ _id: id })).toBeTruthy();
    const bogus = await gw.gql(`query { project(id: "nope") { id } }`, {}, owner.token);
    expect(errorCode(bogus)).toBe('NOT_FOUND');
  });

  it('deleting a project deletes its inboxes, their messages and bindings on them', async () => {
    const pid = await project('Doomed');
    const i1 = await inbox(pid, 'A');
    const i2 = await inbox(pid, 'B');
    await send(i1, 'one');
    await send(i2, 'two');
    const keep = await inbox(await project('Kept'), 'C');
    await send(keep, 'kept');
    const viewer = await addMember(gw, owner.accountId, ['inboxes:view'], {
      type: 'INBOX',
      id: i1,
      workspaceId: owner.workspaceId,
      projectId: pid,
    });
    expect(await RoleBinding().countDocuments({ userId: viewer.userId })).toBe(1);
    const invitation = await accessStore.createInvitation(
      {
        accountId: owner.accountId,
        email: 'invitee@example.com',
        roleId: null,
        scopeType: 'PROJECT',
        scopeId: pid,
        workspaceId: owner.workspaceId,
        projectId: pid,
        tokenHash: randomBytes(32).toString('hex'),
        expiresAt: new Date(Date.now() + 86_400_000),
        createdBy: owner.userId,
      },
      new Date(),
    );

    const r = await gw.gql(`mutation($id: ID!) { deleteProject(id: $id) }`, { id: pid }, owner.token);
    expect(r.body.data!.deleteProject).toBe(true);
    expect(await Project.exists({ _id: pid })).toBeNull();
    expect(await Inbox.countDocuments({ projectId: pid })).toBe(0);
    expect(await Message.countDocuments({ projectId: pid })).toBe(0);
    expect(await RoleBinding().countDocuments({ userId: viewer.userId })).toBe(0);
    expect((await accessStore.invitation(invitation._id))!.revokedAt).toBeInstanceOf(Date);
    expect(await Message.countDocuments({ inboxId: keep })).toBe(1);
    const gone = await gw.gql(`query($id: ID!) { inbox(id: $id) { id } }`, { id: i1 }, owner.token);
    expect(errorCode(gone)).toBe('NOT_FOUND');
  });
});

describe('inboxes and messages', () => {
  it('creates, renames, pages and deletes inboxes', async () => {
    const pid = await project('Inboxes');
    const ids = [await inbox(pid, 'one'), await inbox(pid, 'two'), await inbox(pid, 'three')];
    const upd = await gw.gql(
      `mutation($id: ID!) { updateInbox(id: $id, input: { name: "Uno" }) { name project { id } } }`,
      { id: ids[0] },
      owner.token,
    );
    expect(upd.body.data!.updateInbox).toEqual({ name: 'Uno', project: { id: pid } });
    const q = `query($id: ID!, $after: String) { project(id: $id) { inboxes(first: 2, after: $after) { edges { node { name } } pageInfo { hasNextPage endCursor } } } }`;
    const a = await gw.gql(q, { id: pid }, owner.token);
    expect(a.body.data!.project.inboxes.edges.map((e: any) => e.node.name)).toEqual(['Uno', 'two']);
    const b = await gw.gql(q, { id: pid, after: a.body.data!.project.inboxes.pageInfo.endCursor }, owner.token);
    expect(b.body.data!.project.inboxes.edges.map((e: any) => e.node.name)).toEqual(['three']);
    expect(b.body.data!.project.inboxes.pageInfo.hasNextPage).toBe(false);

    await send(ids[1]!, 'bye');
    const del = await gw.gql(`mutation($id: ID!) { deleteInbox(id: $id) }`, { id: ids[1] }, owner.token);
    expect(del.body.data!.deleteInbox).toBe(true);
    expect(await Message.countDocuments({ inboxId: ids[1] })).toBe(0);
    const after = await gw.gql(q, { id: pid }, owner.token);
    expect(after.body.data!.project.inboxes.edges.map((e: any) => e.node.name)).toEqual(['Uno', 'three']);
  });

  it('sendTestEmail stores the message (delivering nothing) and pages through messages', async () => {
    const iid = await inbox(await project('Messages'));
    const first = await send(iid, 'Welcome');
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data!.sendTestEmail).toMatchObject({
      from: 'app@example.com',
      to: 'qa@example.com',
      subject: 'Welcome',
      html: '<p>Welcome</p>',
      text: 'text of Welcome',
      inbox: { id: iid },
    });
    for (const s of ['Second', 'Third']) await send(iid, s);
    const p1 = await gw.gql(MESSAGES, { id: iid, first: 2 }, owner.token);
    expect(p1.body.data!.inbox.messageCount).toBe(3);
    expect(p1.body.data!.inbox.messages.edges.map((e: any) => e.node.subject)).toEqual(['Welcome', 'Second']);
    const p2 = await gw.gql(MESSAGES, { id: iid, first: 2, after: p1.body.data!.inbox.messages.pageInfo.endCursor }, owner.token);
    expect(p2.body.data!.inbox.messages.edges.map((e: any) => e.node.subject)).toEqual(['Third']);

    const victim = p1.body.data!.inbox.messages.edges[1].node.id;
    const del = await gw.gql(`mutation($id: ID!) { deleteMessage(id: $id) }`, { id: victim }, owner.token);
    expect(del.body.data!.deleteMessage).toBe(true);
    const again = await gw.gql(`query($id: ID!) { message(id: $id) { id } }`, { id: victim }, owner.token);
    expect(errorCode(again)).toBe('NOT_FOUND');

    const cleared = await gw.gql(`mutation($id: ID!) { clearInbox(inboxId: $id) }`, { id: iid }, owner.token);
    expect(cleared.body.data!.clearInbox).toBe(2);
    const empty = await gw.gql(MESSAGES, { id: iid }, owner.token);
    expect(empty.body.data!.inbox.messageCount).toBe(0);
  });

  it('searches messages by subject, from or to, literally and ignoring case', async () => {
    const iid = await inbox(await project('Search'));
    for (const s of ['Invoice #42 (paid)', 'Password reset', 'invoice reminder']) await send(iid, s);
    await gw.gql(SEND, { input: { inboxId: iid, from: 'billing@shop.example', to: 'qa@example.com', subject: 'Receipt' } }, owner.token);
    const q = `query($id: ID!, $s: String) { inbox(id: $id) { messages(search: $s) { edges { node { subject } } } } }`;
    const subjects = async (s: string) =>
      ((await gw.gql(q, { id: iid, s }, owner.token)).body.data!.inbox.messages.edges as any[]).map((e) => e.node.subject);
    expect(await subjects('INVOICE')).toEqual(['Invoice #42 (paid)', 'invoice reminder']);
    expect(await subjects('#42 (paid)')).toEqual(['Invoice #42 (paid)']);
    expect(await subjects('.*')).toEqual([]);
    expect(await subjects('shop.example')).toEqual(['Receipt']);
    expect(await subjects('  ')).toHaveLength(4);
    const long = await gw.gql(q, { id: iid, s: 'x'.repeat(101) }, owner.token);
    expect(long.body.errors![0]!.extensions!.field).toBe('search');
  });

  it('bounds subject and body sizes with the field named', async () => {
    const iid = await inbox(await project('Bounds'));
    const base = { inboxId: iid, from: 'a@example.com', to: 'b@example.com', subject: 'ok' };
    const cases: [Record<string, unknown>, string][] = [
      [{ subject: 's'.repeat(999) }, 'subject'],
      [{ subject: 'two\nlines' }, 'subject'],
      [{ html: 'h'.repeat(256 * 1024 + 1) }, 'html'],
      [{ text: 't'.repeat(256 * 1024 + 1) }, 'text'],
    ];
    for (const [patch, field] of cases) {
      const r = await gw.gql(SEND, { input: { ...base, ...patch } }, owner.token);
      expect(errorCode(r)).toBe('BAD_USER_INPUT');
      expect(r.body.errors![0]!.extensions!.field).toBe(field);
    }
    const badAddress = await gw.gql(SEND, { input: { ...base, to: 'not an address' } }, owner.token);
    expect(errorCode(badAddress)).toBe('BAD_USER_INPUT');
    expect(await Message.countDocuments({ inboxId: iid })).toBe(0);
  });

  it('masks bodies (null) for a member without emailContent:view, shows them with it', async () => {
    const pid = await project('Masking');
    const iid = await inbox(pid);
    const perms = ['workspaces:view', 'projects:view', 'inboxes:view', 'messages:view', 'messages:create'];
    const member = await addMember(gw, owner.accountId, perms);
    const sent = await send(iid, 'Secret plans', member.token);
    expect(sent.body.errors).toBeUndefined();
    expect(sent.body.data!.sendTestEmail.html).toBeNull();
    expect(sent.body.data!.sendTestEmail.text).toBeNull();
    expect(sent.text).not.toContain('<p>Secret plans</p>');

    const listed = await gw.gql(MESSAGES, { id: iid }, member.token);
    expect(listed.body.errors).toBeUndefined();
    expect(listed.body.data!.inbox.messages.edges).toEqual([
      { node: expect.objectContaining({ subject: 'Secret plans', html: null, text: null }) },
    ]);
    expect(listed.text).not.toContain('text of Secret plans');

    // The bodies were stored all the same: those with emailContent:view see them.
    const reader = await addMember(gw, owner.accountId, [...perms, 'emailContent:view']);
    const read = await gw.gql(MESSAGES, { id: iid }, reader.token);
    expect(read.body.data!.inbox.messages.edges[0].node).toMatchObject({ html: '<p>Secret plans</p>', text: 'text of Secret plans' });
  });

  it('a member without messages:create is FORBIDDEN to send; one bound to one project sees only it', async () => {
    const pVisible = await project('Visible');
    await project('Hidden');
    const iid = await inbox(pVisible);
    const m = await addMember(gw, owner.accountId, ['projects:view', 'inboxes:view', 'messages:view'], {
      type: 'PROJECT',
      id: pVisible,
      workspaceId: owner.workspaceId,
    });
    const r = await send(iid, 'nope', m.token);
    expect(errorCode(r)).toBe('FORBIDDEN');
    expect(r.body.errors![0]!.extensions!.permission).toBe('messages:create');
    const list = await gw.gql(PROJECTS, { id: owner.workspaceId }, m.token);
    // Without workspaces:view the workspace itself is out of reach; the project is readable.
    expect(errorCode(list)).toBe('FORBIDDEN');
    await addBinding(owner.accountId, m.userId, ['workspaces:view'], { type: 'WORKSPACE', id: owner.workspaceId });
    const narrowed = await gw.gql(PROJECTS, { id: owner.workspaceId }, m.token);
    expect(narrowed.body.errors).toBeUndefined();
    expect(narrowed.body.data!.workspace.projects.edges.map((e: any) => e.node.name)).toEqual(['Visible']);
    const own = await gw.gql(`query($id: ID!) { project(id: $id) { name inboxes { edges { node { id } } } } }`, { id: pVisible }, m.token);
    expect(own.body.data!.project).toEqual({ name: 'Visible', inboxes: { edges: [{ node: { id: iid } }] } });
  });

  it('drops the oldest messages beyond the inbox cap', async () => {
    const { trimInbox } = await import('../../../src/modules/testing/testing.service');
    const iid = await inbox(await project('Cap'));
    for (const s of ['m1', 'm2', 'm3', 'm4']) await send(iid, s);
    expect(await trimInbox(iid, 2)).toBe(2);
    const left = await Message.find({ inboxId: iid }).sort({ _id: 1 }).lean();
    expect(left.map((m) => m.subject)).toEqual(['m3', 'm4']);
  });
});
