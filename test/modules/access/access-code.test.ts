// Access as code (docs/access-as-code.md): export an account's access, edit the document, plan (who
// gains and loses what), apply as one audited change set; stale plans and failing steps change nothing.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify as toYaml } from 'yaml';
import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { acct, bind, err, memberWith, ok, roleIds, type TestMember } from './helpers';
import { AuditEvent } from '../../../src/audit/model';
import { AccessChangeSet } from '../../../src/modules/access/access-code.model';
import { accessDocumentJsonSchema } from '../../../src/modules/access/access-document';
import { projectRoot } from '../../../src/paths';

const run = promisify(execFile);

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.stop());

const EXPORT = `query($a: ID!) { exportAccess(accountId: $a) }`;
const PLAN = `query($a: ID!, $d: String!) { planAccess(accountId: $a, document: $d) {
  planHash permissionsVersion refused notes
  steps { index kind summary refusedBy deltas { kind principalId userId scope { type id } gained lost } }
  deltas { principalId gained lost scope { type id } } } }`;
const APPLY = `mutation($a: ID!, $d: String!, $h: String!) { applyAccess(accountId: $a, document: $d, planHash: $h) { id status planHash steps { kind summary } error } }`;

interface World {
  owner: TestOwner;
  roles: Record<string, string>;
  ann: TestMember & { bindingId: string };
  bob: TestMember & { bindingId: string };
}

/** An account with Ann (analyst on the account) and Bob (manager on the Default workspace). */
async function world(): Promise<World> {
  const owner = await gw.signUp();
  const roles = await roleIds(gw, owner);
  const ann = await memberWith(gw, owner, roles.analyst!, acct(owner), 'ann');
  const bob = await memberWith(gw, owner, roles.manager!, { type: 'WORKSPACE', id: owner.workspaceId }, 'bob');
  return { owner, roles, ann, bob };
}

const exportOf = async (w: World, token = w.owner.token) => ok(await gw.gql(EXPORT, { a: w.owner.accountId }, token)).exportAccess;
const planOf = async (w: World, doc: unknown, token = w.owner.token) =>
  ok(await gw.gql(PLAN, { a: w.owner.accountId, d: typeof doc === 'string' ? doc : JSON.stringify(doc) }, token)).planAccess;

/** The edit a reviewer would make: a QA role for Ann instead of analyst, Bob off the workspace, a 14-day audit window. */
function edited(doc: any, w: World): any {
  const next = structuredClone(doc);
  next.roles.push({
    key: 'custom-qa',
    name: 'QA',
    description: 'Reads reports and domains',
    permissions: ['account:view', 'reports:view', 'domains:view'],
  });
  next.bindings = next.bindings.filter((b: any) => b.member !== w.bob.email.toLowerCase());
  const annBinding = next.bindings.find((b: any) => b.member === w.ann.email.toLowerCase());
  annBinding.role = 'custom-qa';
  annBinding.revoke = ['domains:view'];
  next.settings.auditRetentionDays = 14;
  return next;
}

describe('access as code', () => {
  it('exports the access document: bindings by member email and scope path, settings, tokens without secrets', async () => {
    const w = await world();
    const TOKEN = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`;
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const secret = ok(
      await gw.gql(
        TOKEN,
        { input: { accountId: w.owner.accountId, name: 'ci', scopes: ['access:review'], workspaceIds: [w.owner.workspaceId], expiresAt } },
        w.owner.token,
      ),
    ).createApiToken.token;
    const doc = await exportOf(w);
    expect(doc).toMatchObject({ version: 1, account: { id: w.owner.accountId, owner: w.owner.email.toLowerCase() } });
    expect(doc.settings).toEqual({ defaultRole: 'viewer', accessRequestRecipients: 'RESOLVERS', auditRetentionDays: null });
    expect(doc.bindings).toEqual(
      expect.arrayContaining([
        { member: w.ann.email.toLowerCase(), role: 'analyst', scope: 'account', grant: [], revoke: [], expiresAt: null },
        { member: w.bob.email.toLowerCase(), role: 'manager', scope: 'workspace/Default', grant: [], revoke: [], expiresAt: null },
      ]),
    );
    expect(doc.bindings.some((b: any) => b.role === 'owner')).toBe(false);
    expect(doc.roles.map((r: any) => r.key)).toEqual(expect.arrayContaining(['analyst', 'manager', 'viewer']));
    expect(doc.roles.map((r: any) => r.key)).not.toContain('admin');
    expect(doc.tokens).toEqual([
      { name: 'ci', owner: w.owner.email.toLowerCase(), scopes: ['access:review'], workspaces: ['workspace/Default'], expiresAt },
    ]);
    expect(JSON.stringify(doc)).not.toContain(secret);
    // The document names members by email: reading it needs members:view too.
    const reviewOnly = ok(
      await gw.gql(TOKEN, { input: { accountId: w.owner.accountId, name: 'review', scopes: ['access:review'], expiresAt } }, w.owner.token),
    ).createApiToken.token;
    expect(err(await gw.gql(EXPORT, { a: w.owner.accountId }, reviewOnly))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'members:view',
    });
    // Unchanged, the document plans to nothing (exported again: a token was made since).
    const plan = await planOf(w, await exportOf(w));
    expect(plan).toMatchObject({ steps: [], refused: false, notes: [] });
  });

  it('export → edit → plan shows who gains and loses → apply → the audit log shows one change set', async () => {
    const w = await world();
    const before = await exportOf(w);
    const doc = edited(before, w);
    // YAML in, as a reviewer would keep it in the repository.
    const plan = await planOf(w, toYaml(doc));
    expect(plan.refused).toBe(false);
    expect(plan.steps.map((s: any) => s.kind)).toEqual([
      'createRole',
      'assignRole',
      'setOverrides',
      'unassignRole',
      'unassignRole',
      'setAuditRetention',
    ]);
    const bobLoses = plan.steps.find((s: any) => s.kind === 'unassignRole' && s.summary.includes(w.bob.email.toLowerCase()));
    expect(bobLoses.deltas).toEqual([
      expect.objectContaining({
        principalId: w.bob.userId,
        scope: { type: 'WORKSPACE', id: w.owner.workspaceId },
        gained: [],
        lost: expect.arrayContaining(['campaigns:create']),
      }),
    ]);
    const annGains = plan.steps.find((s: any) => s.kind === 'assignRole');
    expect(annGains.summary).toBe(`assign custom-qa to ${w.ann.email.toLowerCase()} on account`);
    const annOverall = plan.deltas.find((d: any) => d.principalId === w.ann.userId && d.scope.type === 'ACCOUNT');
    expect(annOverall.lost).toEqual(expect.arrayContaining(['reports:export', 'domains:view']));
    expect(annOverall.gained).toEqual([]);

    const auditBefore = await AuditEvent.countDocuments({ accountId: w.owner.accountId });
    const applied = ok(await gw.gql(APPLY, { a: w.owner.accountId, d: JSON.stringify(doc), h: plan.planHash }, w.owner.token)).applyAccess;
    expect(applied).toMatchObject({ status: 'APPLIED', planHash: plan.planHash, error: null });
    expect(applied.steps).toHaveLength(6);

    // The account now holds what the document says.
    const after = await exportOf(w);
    expect(after.bindings).toEqual(doc.bindings);
    expect(after.settings.auditRetentionDays).toBe(14);
    expect(await planOf(w, doc)).toMatchObject({ steps: [] });
    const perms = ok(await gw.gql(`query($s: ScopeInput!) { viewer { permissions(scope: $s) } }`, { s: acct(w.owner) }, w.ann.token)).viewer
      .permissions;
    expect(perms.sort()).toEqual(['account:view', 'reports:view']);

    // One audit event for the whole change set, naming every step.
    const events = await AuditEvent.find({ accountId: w.owner.accountId }).sort({ seq: 1 }).skip(auditBefore).lean();
    expect(events.map((e) => e.action)).toEqual(['access.applied']);
    expect(events[0]).toMatchObject({ target: { type: 'AccessChangeSet', id: applied.id }, meta: { planHash: plan.planHash } });
    expect((events[0]!.meta as any).steps).toHaveLength(6);
  });

  it('refuses a plan made stale by a concurrent change, and applies nothing of it', async () => {
    const w = await world();
    const doc = edited(await exportOf(w), w);
    const plan = await planOf(w, doc);
    // Meanwhile someone else changes the account's access.
    await bind(gw, w.owner, w.bob.userId, w.roles.viewer!, acct(w.owner));
    const r = await gw.gql(APPLY, { a: w.owner.accountId, d: JSON.stringify(doc), h: plan.planHash }, w.owner.token);
    expect(err(r)).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'planHash',
      message: expect.stringContaining('changed since this plan was made'),
    });
    const now = await exportOf(w);
    expect(now.roles.map((x: any) => x.key)).not.toContain('custom-qa');
    expect(now.bindings.find((b: any) => b.member === w.ann.email.toLowerCase()).role).toBe('analyst');
    // An edited document is another plan too.
    const fresh = await planOf(w, doc);
    const tampered = { ...doc, settings: { ...doc.settings, auditRetentionDays: 20 } };
    const t = await gw.gql(APPLY, { a: w.owner.accountId, d: JSON.stringify(tampered), h: fresh.planHash }, w.owner.token);
    expect(err(t)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'planHash' });
    // Of two applies of the same plan, one wins.
    const both = await Promise.all(
      [0, 1].map(() => gw.gql(APPLY, { a: w.owner.accountId, d: JSON.stringify(doc), h: fresh.planHash }, w.owner.token)),
    );
    expect(both.filter((x) => !x.body.errors).length).toBe(1);
  });

  it('leaves nothing half applied when a step fails: the change set is rolled back', async () => {
    const w = await world();
    const before = await exportOf(w);
    const doc = edited(before, w);
    const plan = await planOf(w, doc);
    // The database fails on the binding write, after the role was created.
    const spy = jest.spyOn(gw.server.access, 'createBinding').mockRejectedValueOnce(new Error('connection reset by peer'));
    try {
      const r = await gw.gql(APPLY, { a: w.owner.accountId, d: JSON.stringify(doc), h: plan.planHash }, w.owner.token);
      expect(err(r)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('nothing was applied') });
    } finally {
      spy.mockRestore();
    }
    const after = await exportOf(w);
    expect({ ...after, account: null }).toEqual({ ...before, account: null });
    const set = await AccessChangeSet.findOne({ accountId: w.owner.accountId }).lean();
    expect(set).toMatchObject({ status: 'ROLLED_BACK', error: expect.stringContaining('connection reset') });
    expect(await AuditEvent.countDocuments({ accountId: w.owner.accountId, action: 'access.applied' })).toBe(0);
    expect(await AuditEvent.countDocuments({ accountId: w.owner.accountId, action: 'access.rolledBack' })).toBe(1);
    // Planned again, the same document applies.
    const again = await planOf(w, doc);
    expect(
      ok(await gw.gql(APPLY, { a: w.owner.accountId, d: JSON.stringify(doc), h: again.planHash }, w.owner.token)).applyAccess.status,
    ).toBe('APPLIED');
  });

  it('reports the rule that would refuse a step, and applies nothing of a refused plan', async () => {
    const w = await world();
    // Bob may assign roles on his workspace, but cannot grant what he does not hold, nor read the account's access.
    const doc = await exportOf(w);
    doc.bindings.push({ member: w.ann.email.toLowerCase(), role: 'admin', scope: 'account', grant: [], revoke: [], expiresAt: null });
    expect(err(await gw.gql(PLAN, { a: w.owner.accountId, d: JSON.stringify(doc) }, w.bob.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'access:review',
    });
    const custom = ok(
      await gw.gql(
        `mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`,
        {
          input: {
            accountId: w.owner.accountId,
            name: 'Access reviewer',
            permissions: ['account:view', 'access:review', 'access:apply', 'members:view', 'roles:view', 'roles:assign', 'reports:view'],
          },
        },
        w.owner.token,
      ),
    ).createRole.id;
    const reviewer = await memberWith(gw, w.owner, custom, acct(w.owner), 'reviewer');
    doc.roles.push({
      key: 'custom-access-reviewer',
      name: 'Access reviewer',
      description: '',
      permissions: ['account:view', 'access:review', 'access:apply', 'members:view', 'roles:view', 'roles:assign', 'reports:view'],
    });
    doc.bindings.push({
      member: reviewer.email.toLowerCase(),
      role: 'custom-access-reviewer',
      scope: 'account',
      grant: [],
      revoke: [],
      expiresAt: null,
    });
    const plan = await planOf(w, doc, reviewer.token);
    expect(plan.refused).toBe(true);
    const step = plan.steps.find((s: any) => s.kind === 'assignRole');
    expect(step.refusedBy).toMatch(/Admins are bound, unbound and changed only by the owner and other admins/);
    expect(step.deltas[0]).toMatchObject({ principalId: w.ann.userId, gained: expect.arrayContaining(['roles:edit']) });
    const r = await gw.gql(APPLY, { a: w.owner.accountId, d: JSON.stringify(doc), h: plan.planHash }, reviewer.token);
    expect(err(r)).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('would be refused') });
    expect((await exportOf(w)).bindings.some((b: any) => b.role === 'admin')).toBe(false);
  });

  it('refuses documents that do not match the schema, naming the problem', async () => {
    const w = await world();
    const bad = [
      ['not: [valid', 'neither valid JSON nor YAML'],
      [JSON.stringify({ version: 2 }), 'version'],
      [JSON.stringify({ version: 1, bindings: [{ member: 'nobody@example.com', role: 'viewer', scope: 'account' }] }), 'not a member'],
      [
        JSON.stringify({
          version: 1,
          roles: (await exportOf(w)).roles,
          bindings: [{ member: w.ann.email, role: 'viewer', scope: 'workspace/Nope' }],
        }),
        'no workspace named "Nope"',
      ],
      [
        JSON.stringify({
          version: 1,
          roles: (await exportOf(w)).roles,
          bindings: [{ member: w.ann.email, role: 'viewer', scope: 'domain/x.example.com' }],
        }),
        'a domain sits under a workspace',
      ],
    ] as const;
    for (const [text, message] of bad) {
      expect(err(await gw.gql(PLAN, { a: w.owner.accountId, d: text }, w.owner.token))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'document',
        message: expect.stringContaining(message),
      });
    }
  });

  it('publishes the document JSON Schema in docs/ and serves it', async () => {
    const onDisk = JSON.parse(readFileSync(path.join(projectRoot, 'docs', 'access-document.schema.json'), 'utf8'));
    expect(onDisk).toEqual(accessDocumentJsonSchema());
    const res = await fetch(new URL('/access/document.schema.json', gw.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/schema+json');
    expect(await res.json()).toEqual(onDisk);
  });
});

describe('the postern CLI in a CI pipeline', () => {
  const CLI = path.join(projectRoot, 'bin', 'postern.mjs');
  const cli = async (args: string[], token: string) => {
    try {
      const r = await run(process.execPath, [CLI, ...args], { env: { ...process.env, POSTERN_URL: gw.url, POSTERN_TOKEN: token } });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e: any) {
      return { code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string };
    }
  };

  it('exports, plans, and applies a person-approved plan with a partner token, end to end', async () => {
    const w = await world();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'postern-access-'));
    const TOKEN = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`;
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const pst = ok(
      await gw.gql(
        TOKEN,
        { input: { accountId: w.owner.accountId, name: 'ci', scopes: ['access:review', 'access:apply', 'members:view'], expiresAt } },
        w.owner.token,
      ),
    ).createApiToken.token;

    const file = path.join(dir, 'access.json');
    const exported = await cli(['access', 'export', '--out', file], pst);
    expect(exported).toMatchObject({ code: 0 });
    const doc = edited(JSON.parse(readFileSync(file, 'utf8')), w);
    delete doc.settings.auditRetentionDays; // set by people only: left as it is
    writeFileSync(path.join(dir, 'access.yaml'), toYaml(doc));

    const planned = await cli(['access', 'plan', '--file', path.join(dir, 'access.yaml'), '--out', path.join(dir, 'plan.json')], pst);
    expect(planned.code).toBe(2); // changes
    expect(planned.stdout).toContain(`- user ${w.bob.userId} loses at WORKSPACE ${w.owner.workspaceId}:`);
    expect(planned.stdout).toContain(`assign custom-qa to ${w.ann.email.toLowerCase()} on account`);
    const hash = JSON.parse(readFileSync(path.join(dir, 'plan.json'), 'utf8')).planHash;
    expect(planned.stdout).toContain(`plan hash: ${hash}`);

    // A token grants nothing by itself (rule 7): without a person's approval the apply is refused.
    const unapproved = await cli(['access', 'apply', '--file', path.join(dir, 'access.yaml'), '--plan-hash', hash], pst);
    expect(unapproved.code).toBe(1);
    expect(unapproved.stderr).toContain('applies only a plan a person approved');
    // A token cannot approve either.
    expect((await cli(['access', 'approve', '--file', path.join(dir, 'access.yaml'), '--plan-hash', hash], pst)).stderr).toContain(
      'approved by people',
    );
    const approved = await cli(
      ['access', 'approve', '--account', w.owner.accountId, '--file', path.join(dir, 'access.yaml'), '--plan-hash', hash],
      w.owner.token,
    );
    expect(approved).toMatchObject({ code: 0 });

    const applied = await cli(['access', 'apply', '--file', path.join(dir, 'access.yaml'), '--plan-hash', hash], pst);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/change set [0-9a-f]{24}: APPLIED, 5 step\(s\)/);
    const event = await AuditEvent.findOne({ accountId: w.owner.accountId, action: 'access.applied' }).lean();
    expect(event).toMatchObject({ actor: { type: 'token' }, meta: { approvedBy: w.owner.userId } });
    // Applied once: the same plan again is stale.
    const twice = await cli(['access', 'apply', '--file', path.join(dir, 'access.yaml'), '--plan-hash', hash], pst);
    expect(twice.stderr).toContain('changed since this plan was made');
    const noChanges = await cli(['access', 'plan', '--file', path.join(dir, 'access.yaml')], pst);
    expect(noChanges.code).toBe(0);
    expect(noChanges.stdout).toContain('No changes');
  });

  it('tells what is missing rather than failing obscurely', async () => {
    const none = await run(process.execPath, [CLI, 'access', 'export'], {
      env: { ...process.env, POSTERN_URL: '', POSTERN_TOKEN: '' },
    }).catch((e) => e);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('POSTERN_URL is not set');
    const badToken = await cli(['access', 'export'], 'pst_not-a-token');
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toContain('UNAUTHENTICATED');
  });
});
