// In-process figures: one query listing 1000 SMTP credentials with their masked `password`,
// executed with graphql's execute() and a real per-request Context against three schemas made from
// the same SDL and resolvers — Postern's (directives applied), bare (no authorization) and
// graphql-shield + graphql-middleware (the same rules, bench/shield.ts) — on the same data.
// Operations of the three alternate one by one, so drift and background load hit all alike; the
// gateway CPU of each (this process only, not the database) is what the ratios are made of.
import { createAccessStore } from '../src/composition/registry';
import { execute, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import mongoose from 'mongoose';
import { allowed, permissionBit, compilePermissions, RESOURCE_TYPES, ANALYST_ROLE, MANAGER_ROLE } from '../src/authz';
import { secretBox } from '../src/crypto/secrets';
import { randomSecret } from '../src/crypto/tokens';
import { newId } from '../src/db/ids';
import { encodeCursor } from '../src/graphql/connection';
import { createContext } from '../src/graphql/context';
import { DEFAULT_RATE_LIMITS, RateLimits } from '../src/limits/rate-limit';
import { buildBareSchema, buildSchema } from '../src/composition/schema';
import { createLogger } from '../src/logger';
import { createMailer } from '../src/mail/mailer';
import { createAccount } from '../src/modules/accounts/accounts.service';
import { User } from '../src/modules/identity/user.model';
import { Domain } from '../src/modules/sending/domain.model';
import { SmtpCredential } from '../src/modules/sending/smtp-credential.model';
import { dataInMemory } from './memory';
import { buildShieldSchema } from './shield';

/** The benchmark's access store, built as the composition root builds the gateway's. */
const accessStore = createAccessStore();

export const ROWS = 1000;

export const CREDENTIALS_QUERY = `
  fragment S on SmtpCredentialConnection {
    edges { cursor node { id login localPart password createdAt } }
    pageInfo { hasNextPage endCursor }
  }
  query Credentials($d: ID!, $after: String!) {
    domain(id: $d) {
      id
      name
      first: smtpCredentials(first: 500) { ...S }
      second: smtpCredentials(first: 500, after: $after) { ...S }
    }
  }`;

interface Setup {
  userId: string;
  ownerId: string;
  domainId: string;
  after: string;
}

/** One account; an Analyst bound at the account (smtpCredentials:view, not :reveal); one domain with 1000 credentials. */
async function seed(): Promise<Setup> {
  const ownerId = newId();
  await User.create({ _id: ownerId, email: `owner-${ownerId}@bench.example.com`, name: 'Owner', passwordHash: 'x' });
  const { account, workspace } = await createAccount(accessStore, ownerId, 'Bench');
  const userId = newId();
  await User.create({ _id: userId, email: `analyst-${userId}@bench.example.com`, name: 'Analyst', passwordHash: 'x' });
  await accessStore.addMember({ accountId: account._id, userId, createdBy: ownerId });
  const role = await accessStore.roleByKey(account._id, ANALYST_ROLE.key);
  await accessStore.createBinding(
    { accountId: account._id, userId, roleId: role!._id, scopeType: 'ACCOUNT', scopeId: account._id, createdBy: ownerId },
    new Date(),
  );
  const domainId = newId();
  const base = { accountId: account._id, workspaceId: workspace._id, createdBy: ownerId };
  const box = secretBox();
  await Domain.create({
    _id: domainId,
    ...base,
    name: 'mail.bench.example.com',
    dkimSelector: 'pst',
    dkimPublicKey: 'x',
    secretEnc: box.seal('x'),
  });
  const ids: string[] = [];
  const docs = Array.from({ length: ROWS }, (_, i) => {
    const _id = newId();
    ids.push(_id);
    return { _id, ...base, domainId, localPart: `sender${i}`, passwordEnc: box.seal(randomSecret(24)) };
  });
  for (let i = 0; i < docs.length; i += 250) await SmtpCredential.insertMany(docs.slice(i, i + 250));
  ids.sort();
  return { userId, ownerId, domainId, after: encodeCursor(ids[499]!) };
}

type Variant = 'postern' | 'bare' | 'shield';
const VARIANTS: readonly Variant[] = ['postern', 'bare', 'shield'];

export interface InProcessResult {
  rows: number;
  rounds: number;
  roundMs: number;
  ops: Record<Variant, number>;
  opsPerSec: Record<Variant, number>;
  cpuMsPerOp: Record<Variant, number>;
  commandsPerOp: Record<Variant, number>;
  /** guarded ÷ bare: bare CPU per operation ÷ guarded CPU per operation (throughput per CPU). */
  guardedVsBareCpu: number;
  guardedVsBareWall: number;
  /** Postern ÷ graphql-shield: shield CPU per operation ÷ Postern CPU per operation. */
  posternVsShieldCpu: number;
  posternVsShieldWall: number;
  masked: string;
  /** Every read answered from memory (bench/memory.ts): commandsPerOp is then what reached the database. */
  inMemory: boolean;
}

async function countCommands(op: () => Promise<void>): Promise<number> {
  let n = 0;
  const client = mongoose.connection.getClient();
  const listener = () => {
    n++;
  };
  client.on('commandStarted', listener);
  try {
    await op();
  } finally {
    client.off('commandStarted', listener);
  }
  return n;
}

/**
 * `principal`: the Analyst (passwords masked: Postern skips the decryption the bare schema does) or
 * the owner (every schema decrypts every password: what authorization itself costs).
 */
export async function runInProcess(opts: {
  rounds: number;
  roundMs: number;
  log: (line: string) => void;
  principal?: 'analyst' | 'owner';
  setup?: Setup;
  /** Every read answered from memory after its first execution (bench/memory.ts): the authorization layers alone. */
  inMemory?: boolean;
}): Promise<InProcessResult & { setup: Setup }> {
  const memory = opts.inMemory ? dataInMemory() : null;
  try {
    return await measure(opts);
  } finally {
    memory?.uninstall();
  }
}

async function measure(opts: Parameters<typeof runInProcess>[0]): Promise<InProcessResult & { setup: Setup }> {
  const s = opts.setup ?? (await seed());
  const owner = opts.principal === 'owner';
  const viewerId = owner ? s.ownerId : s.userId;
  // The owner's run compares Postern with bare only: graphql-shield's reveal audit writes one event per value.
  const variants: readonly Variant[] = owner ? ['postern', 'bare'] : VARIANTS;
  const schemas: Record<Variant, GraphQLSchema> = { postern: buildSchema(), bare: buildBareSchema(), shield: buildShieldSchema() };
  const document: DocumentNode = parse(CREDENTIALS_QUERY);
  for (const v of variants) {
    const errors = validate(schemas[v], document);
    if (errors.length) throw new Error(`invalid benchmark query: ${errors.map((e) => e.message).join('; ')}`);
  }
  const log = createLogger('silent');
  const mailer = createMailer(undefined);
  // Resolvers run directly (no HTTP, no plugins): the limits are never consulted.
  const limits = new RateLimits(DEFAULT_RATE_LIMITS);
  let masked = '';
  const run = async (v: Variant): Promise<void> => {
    const contextValue = createContext({
      requestId: 'bench',
      ip: null,
      principal: { kind: 'user', id: viewerId, userId: viewerId, sessionId: 'bench' },
      authRejected: false,
      log,
      mailer,
      limits,
      access: accessStore,
    });
    const r = await execute({ schema: schemas[v], document, variableValues: { d: s.domainId, after: s.after }, contextValue });
    if (r.errors?.length) throw new Error(`${v}: query failed: ${r.errors.map((e) => e.message).join('; ')}`);
    type Page = { edges: { node: { password: string | null } }[] };
    const d = (r.data as { domain: { first: Page; second: Page } }).domain;
    const nodes = [...d.first.edges, ...d.second.edges].map((e) => e.node);
    if (nodes.length !== ROWS) throw new Error(`${v}: the query did not list every credential`);
    if (owner) {
      if (nodes.some((n) => !n.password || n.password.length !== 32)) throw new Error(`${v}: a password was not revealed to the owner`);
      masked = 'revealed';
    } else if (v !== 'bare') {
      if (nodes.some((n) => n.password !== nodes[0]!.password || (n.password ?? '').length > 8))
        throw new Error(`${v}: a password was not masked`);
      masked = nodes[0]!.password ?? 'null';
    }
  };

  for (let i = 0; i < 3; i++) for (const v of variants) await run(v); // warm-up: JIT, pool, compiled permissions

  const ops = { postern: 0, bare: 0, shield: 0 };
  const wallMs = { postern: 0, bare: 0, shield: 0 };
  const cpuMs = { postern: 0, bare: 0, shield: 0 };
  for (let round = 0; round < opts.rounds; round++) {
    const start = performance.now();
    for (let k = 0; performance.now() - start < opts.roundMs; k++) {
      // Rotate the order (P B S, B S P, S P B) so that none always runs first or last.
      for (let j = 0; j < variants.length; j++) {
        const v = variants[(k + j) % variants.length]!;
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        await run(v);
        const c = process.cpuUsage(c0);
        cpuMs[v] += (c.user + c.system) / 1000;
        wallMs[v] += performance.now() - t0;
        ops[v]++;
      }
    }
    opts.log(
      `  round ${round + 1}/${opts.rounds}${owner ? ' (owner)' : ''}${opts.inMemory ? ' (data in memory)' : ''}: ` +
        variants.map((v) => `${v} ${((ops[v] / cpuMs[v]) * 1000).toFixed(1)} ops/CPU-s`).join(', '),
    );
  }
  const commandsPerOp = {
    postern: await countCommands(() => run('postern')),
    bare: await countCommands(() => run('bare')),
    shield: owner ? 0 : await countCommands(() => run('shield')),
  };
  const per = (m: Record<Variant, number>) =>
    Object.fromEntries(VARIANTS.map((v) => [v, round2(m[v] / ops[v])])) as Record<Variant, number>;
  const cpuMsPerOp = per(cpuMs);
  const wallPerOp = per(wallMs);
  return {
    setup: s,
    rows: ROWS,
    rounds: opts.rounds,
    roundMs: opts.roundMs,
    ops,
    opsPerSec: Object.fromEntries(VARIANTS.map((v) => [v, round2((ops[v] / wallMs[v]) * 1000)])) as Record<Variant, number>,
    cpuMsPerOp,
    commandsPerOp,
    guardedVsBareCpu: round3(cpuMs.bare / ops.bare / (cpuMs.postern / ops.postern)),
    guardedVsBareWall: round3(wallPerOp.bare / wallPerOp.postern),
    posternVsShieldCpu: round3(cpuMs.shield / ops.shield / (cpuMs.postern / ops.postern)),
    posternVsShieldWall: round3(wallPerOp.shield / wallPerOp.postern),
    masked,
    inMemory: !!opts.inMemory,
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

export interface ChecksResult {
  perSecond: number;
  perCpuSecond: number;
  byCase: Record<string, number>;
}

/** allowed() in a tight loop on a compiled set (Manager at the account, a grant on a workspace), three cases. */
export function checksPerSecond(checks: number): ChecksResult {
  const accountId = newId();
  const workspaceId = newId();
  const compiled = compilePermissions({
    userId: newId(),
    accountId,
    version: 1,
    isOwner: false,
    bindings: [
      { _id: newId(), roleId: 'manager', scopeType: 'ACCOUNT', scopeId: accountId },
      { _id: newId(), roleId: null, scopeType: 'WORKSPACE', scopeId: workspaceId, workspaceId, grant: ['reports:export'] },
    ],
    roles: new Map([['manager', { _id: 'manager', permissions: MANAGER_ROLE.permissions }]]),
  });
  const docs = Array.from({ length: 1024 }, () => ({ _id: newId(), workspaceId, accountId, createdBy: 'someone' }));
  const chain = RESOURCE_TYPES.Campaign!.chain;
  const cases: [string, number][] = [
    ['campaigns:view, held at the account (3 nodes walked)', permissionBit('campaigns:view')],
    ['reports:export, held at the workspace (2 nodes walked)', permissionBit('reports:export')],
    ['billing:view, denied (whole chain walked)', permissionBit('billing:view')],
  ];
  const byCase: Record<string, number> = {};
  let yes = 0;
  let totalMs = 0;
  let totalCpuMs = 0;
  const warm = Math.min(checks, 2_000_000);
  for (const [name, bit] of cases) {
    for (let i = 0; i < warm; i++) if (allowed(compiled, bit, docs[i & 1023]!, chain, false)) yes++;
    const start = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let i = 0; i < checks; i++) if (allowed(compiled, bit, docs[i & 1023]!, chain, false)) yes++;
    const c = process.cpuUsage(c0);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    totalMs += ms;
    totalCpuMs += (c.user + c.system) / 1000;
    byCase[name] = Math.round(checks / (ms / 1000));
  }
  if (yes !== (warm + checks) * 2) throw new Error(`unexpected check results: ${yes}`);
  return {
    perSecond: Math.round((checks * cases.length) / (totalMs / 1000)),
    perCpuSecond: Math.round((checks * cases.length) / (totalCpuMs / 1000)),
    byCase,
  };
}

/** Database commands one execution of `query` sends for `userId` (the gateway's schema, in process). */
export async function commandsOf(query: string, userId: string): Promise<number> {
  const schema = buildSchema();
  const document = parse(query);
  const contextValue = () =>
    createContext({
      requestId: 'bench',
      ip: null,
      principal: { kind: 'user', id: userId, userId, sessionId: 'bench' },
      authRejected: false,
      log: createLogger('silent'),
      mailer: createMailer(undefined),
      limits: new RateLimits(DEFAULT_RATE_LIMITS),
      access: accessStore,
    });
  const once = async () => {
    const r = await execute({ schema, document, contextValue: contextValue() });
    if (r.errors?.length) throw new Error(`query failed: ${r.errors.map((e) => e.message).join('; ')}`);
  };
  await once(); // compiled permissions cached, as on a warm gateway
  return countCommands(once);
}
