// Issue #7: reveals are audited off the hot path. One request that reveals N secrets writes one
// `secret.revealed` event per account (what was revealed, never the values), appended to the hash
// chain in O(1); concurrent requests and a second writer (another replica) keep the chain gapless;
// when the audit cannot be written, the secrets are withheld.
import mongoose from 'mongoose';
import { verifyChain } from '../../src/audit/recorder';
import { ChainWriter, chainWriter } from '../../src/audit/chain';
import { AuditEvent, AuditHead } from '../../src/audit/model';
import { newId } from '../../src/db/ids';
import { startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { commandsDuring } from '../helpers/commands';
import { DASHBOARD, fillWorkspace, type Filled } from '../helpers/dashboard';
import { auditEvents, ok, rawJson } from '../modules/sending/helpers';

let gw: TestGateway;
let owner: TestOwner;
let filled: Filled;
beforeAll(async () => {
  gw = await startTestGateway({ monitorCommands: true });
  owner = await gw.signUp();
  filled = await fillWorkspace(owner, { domains: 15, perDomain: 2, campaigns: 0 });
});
afterAll(() => gw.stop());

const passwordsIn = (r: any): string[] =>
  r.viewer.accounts[0].workspaces.edges[0].node.domains.edges.flatMap((d: any) =>
    d.node.smtpCredentials.edges.map((c: any) => c.node.password),
  );

it('one request revealing 30 SMTP passwords writes one event listing all 30, with a constant number of commands', async () => {
  const before = (await auditEvents(owner.accountId, 'secret.revealed')).length;
  let text = '';
  const cmds = await commandsDuring(async () => {
    const r = await gw.gql(DASHBOARD, {}, owner.token);
    text = r.text;
    expect(passwordsIn(ok(r)).sort()).toEqual([...filled.passwords].sort());
  });
  // The same request revealing 2 passwords costs the same: the reveals add one insert and one head update.
  const small = await gw.signUp();
  await fillWorkspace(small, { domains: 1, perDomain: 2, campaigns: 0 });
  ok(await gw.gql(DASHBOARD, {}, small.token));
  const smallCmds = await commandsDuring(async () => expect(passwordsIn(ok(await gw.gql(DASHBOARD, {}, small.token)))).toHaveLength(2));
  expect(cmds.sort()).toEqual(smallCmds.sort());
  expect(cmds.filter((c) => c.endsWith(':auditevents'))).toEqual(['insert:auditevents']);
  expect(cmds.length).toBeLessThanOrEqual(15);

  const events = await auditEvents(owner.accountId, 'secret.revealed');
  expect(events).toHaveLength(before + 1);
  const e = events[events.length - 1]!;
  expect(e.target).toEqual({ type: 'Account', id: owner.accountId });
  expect(e.workspaceId).toBe(owner.workspaceId);
  expect(e.actor.id).toBe(owner.userId);
  const revealed = e.meta!.revealed as { type: string; id: string; field: string; permission: string; path: string }[];
  expect(e.meta!.count).toBe(30);
  expect(revealed.map((x) => x.id).sort()).toEqual([...filled.credentialIds].sort());
  for (const x of revealed) {
    expect(x).toMatchObject({ type: 'SmtpCredential', field: 'password', permission: 'smtpCredentials:reveal' });
    expect(x.path).toMatch(
      /^viewer\.accounts\.0\.workspaces\.edges\.0\.node\.domains\.edges\.\d+\.node\.smtpCredentials\.edges\.[01]\.node\.password$/,
    );
  }
  const audit = await rawJson('AuditEvent');
  for (const p of filled.passwords) {
    expect(text).toContain(p);
    expect(audit).not.toContain(p);
  }
  expect(await verifyChain(owner.accountId)).toBeNull();
});

it('50 concurrent revealing requests, with another replica appending meanwhile, all complete and the chain has no gaps', async () => {
  const before = await AuditEvent.countDocuments({ accountId: owner.accountId });
  const replica = new ChainWriter(); // a second process's writer: its own queue and cached head
  const other = (i: number) => ({
    _id: newId(),
    accountId: owner.accountId,
    workspaceId: null,
    at: new Date(),
    actor: { type: 'system' as const, id: 'other-replica', userId: null },
    action: 'test.replica',
    target: { type: 'Account', id: owner.accountId },
    meta: { i },
    requestId: `replica-${i}`,
  });
  const [responses] = await Promise.all([
    Promise.all(Array.from({ length: 50 }, () => gw.gql(DASHBOARD, {}, owner.token))),
    Promise.all(Array.from({ length: 10 }, (_, i) => replica.append(owner.accountId, [other(i)]))),
  ]);
  for (const r of responses) expect(passwordsIn(ok(r))).toHaveLength(30);
  expect(await AuditEvent.countDocuments({ accountId: owner.accountId })).toBe(before + 60);
  expect(await AuditEvent.countDocuments({ accountId: owner.accountId, action: 'test.replica' })).toBe(10);
  expect(await verifyChain(owner.accountId)).toBeNull();
  const head = await AuditHead.findById(owner.accountId).lean();
  const last = await AuditEvent.findOne({ accountId: owner.accountId }).sort({ seq: -1 }).lean();
  expect(head).toMatchObject({ seq: last!.seq, hash: last!.hash });
});

it('a chain without a head document (written before heads existed) continues after its last event', async () => {
  await AuditHead.deleteOne({ _id: owner.accountId });
  chainWriter.forgetHeads();
  const last = await AuditEvent.findOne({ accountId: owner.accountId }).sort({ seq: -1 }).lean();
  ok(await gw.gql(DASHBOARD, {}, owner.token));
  const next = await AuditEvent.findOne({ accountId: owner.accountId }).sort({ seq: -1 }).lean();
  expect(next).toMatchObject({ seq: last!.seq + 1, prevHash: last!.hash, action: 'secret.revealed' });
  expect(await AuditHead.findById(owner.accountId).lean()).toMatchObject({ seq: next!.seq, hash: next!.hash });
  expect(await verifyChain(owner.accountId)).toBeNull();
});

it('withholds every revealed secret (null, SERVICE_UNAVAILABLE at its path) when the reveal cannot be audited', async () => {
  // A real refusal by the database: a unique index that this request's reveal event collides with.
  const raw = mongoose.connection.db!.collection('auditevents');
  // The client's X-Request-Id is stored (apart from the gateway's request id) only when sent: a sparse
  // unique index on it refuses this request's reveal event.
  const requestId = `audit-down-${newId()}`;
  await raw.createIndex({ clientRequestId: 1 }, { unique: true, sparse: true, name: 'test_reveal_unique' });
  await raw.insertOne({
    _id: newId() as never,
    accountId: newId(),
    seq: 1,
    clientRequestId: requestId,
    actor: { id: owner.userId },
    action: 'secret.revealed',
    target: { id: owner.accountId },
  });
  try {
    const before = await AuditEvent.countDocuments({ accountId: owner.accountId });
    const r = await gw.gql(DASHBOARD, {}, owner.token, { 'x-request-id': requestId });
    expect(r.status).toBe(503); // a query: retry it
    const domains = r.body.data!.viewer.accounts[0].workspaces.edges[0].node.domains.edges;
    expect(domains).toHaveLength(15);
    for (const d of domains) {
      expect(d.node.name).toMatch(/\.example\.com$/);
      for (const c of d.node.smtpCredentials.edges) expect(c.node).toMatchObject({ login: expect.any(String), password: null });
    }
    const withheld = r.body.errors!.filter((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE');
    expect(withheld).toHaveLength(30);
    expect(withheld[0]!.path!.slice(-1)).toEqual(['password']);
    for (const p of filled.passwords) expect(r.text).not.toContain(p);
    expect(await AuditEvent.countDocuments({ accountId: owner.accountId })).toBe(before);
    expect(gw.logs.join('')).toMatch(/reveal audit failed/);
  } finally {
    await raw.deleteOne({ clientRequestId: requestId });
    await raw.dropIndex('test_reveal_unique');
  }
  // The next request reveals and audits again, on an intact chain.
  expect(passwordsIn(ok(await gw.gql(DASHBOARD, {}, owner.token)))).toHaveLength(30);
  expect(await verifyChain(owner.accountId)).toBeNull();
});

it('a principal without the reveal permission gets the mask, and nothing is audited', async () => {
  const { memberWithRole } = await import('../modules/sending/helpers');
  const analyst = await memberWithRole(gw, owner, 'analyst');
  const before = await AuditEvent.countDocuments({ accountId: owner.accountId, action: 'secret.revealed' });
  const r = await gw.gql(DASHBOARD, {}, analyst.token);
  expect(new Set(passwordsIn(ok(r)))).toEqual(new Set(['••••••••']));
  for (const p of filled.passwords) expect(r.text).not.toContain(p);
  expect(await AuditEvent.countDocuments({ accountId: owner.accountId, action: 'secret.revealed' })).toBe(before);
});

it('the mask is decided without decrypting: a secret that no longer opens still lists masked, and only a reveal fails', async () => {
  const { memberWithRole } = await import('../modules/sending/helpers');
  const analyst = await memberWithRole(gw, owner, 'analyst');
  const { SmtpCredential } = await import('../../src/modules/sending/smtp-credential.model');
  const id = filled.credentialIds[0]!;
  const sealed = (await SmtpCredential.findById(id).lean())!.passwordEnc;
  await SmtpCredential.updateOne({ _id: id }, { $set: { passwordEnc: 'v1:broken:seal:data' } });
  try {
    const masked = await gw.gql(DASHBOARD, {}, analyst.token);
    expect(masked.body.errors).toBeUndefined();
    expect(passwordsIn(masked.body.data)).toEqual(Array(30).fill('••••••••'));
    const revealed = await gw.gql(DASHBOARD, {}, owner.token);
    expect(revealed.body.errors!.map((e) => e.extensions!.code)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(revealed.body.errors![0]!.path!.slice(-1)).toEqual(['password']);
  } finally {
    await SmtpCredential.updateOne({ _id: id }, { $set: { passwordEnc: sealed } });
  }
});

it('an API key is masked from its stored hint (never decrypted); a key made before hints still masks the same', async () => {
  const { memberWithRole } = await import('../modules/sending/helpers');
  const { ApiKey } = await import('../../src/modules/sending/api-key.model');
  const analyst = await memberWithRole(gw, owner, 'analyst');
  const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { id secret } }`;
  const key = ok(await gw.gql(CREATE, { input: { accountId: owner.accountId, name: 'Hinted' } }, owner.token)).createApiKey;
  const LIST = `query($id: ID!) { account(id: $id) { apiKeys { edges { node { id secret } } } } }`;
  const maskedOf = async () =>
    ok(await gw.gql(LIST, { id: owner.accountId }, analyst.token)).account.apiKeys.edges.find((e: any) => e.node.id === key.id).node.secret;
  expect(await maskedOf()).toBe(`••••${key.secret.slice(-4)}`);
  const sealed = (await ApiKey.findById(key.id).lean())!.secretEnc;
  await ApiKey.updateOne({ _id: key.id }, { $set: { secretEnc: 'v1:broken:seal:data' } });
  expect(await maskedOf()).toBe(`••••${key.secret.slice(-4)}`); // the seal is not opened to mask
  await ApiKey.updateOne({ _id: key.id }, { $set: { secretEnc: sealed, secretHint: null } });
  expect(await maskedOf()).toBe(`••••${key.secret.slice(-4)}`); // no hint: the value is opened and masked
  expect(await rawJson('AuditEvent')).not.toContain(key.secret);
});
