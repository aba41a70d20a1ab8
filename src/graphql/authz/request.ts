// Per-request authorization state: the principal's compiled permissions for each account it touches,
// loaded at most once per request, and reused across requests while the account's
// permissionsVersion is unchanged (one indexed read — the account by id — keeps it fresh).
import type { Loaders } from '../loaders';
import { type Principal, AccountGateError, accountRefusal } from '../../identity';
import type { AccountFacts } from '../../store';
import { type CompiledPermissions, compileFor, type AccessStore } from '../../authz';

const MAX_CACHED = 20_000;
const processCache = new Map<string, CompiledPermissions>();

function cacheKey(p: Principal, accountId: string): string {
  return p.kind === 'token' ? `t:${p.tokenId}:${accountId}` : `u:${p.userId}:${accountId}`;
}

/** Forgets every compiled entry (tests and benchmarks). */
export function clearCompiledCache(): void {
  processCache.clear();
}

/** View-as (src/graphql/authz/view-as.ts): one account only, optionally compiled by the caller (a role at a scope). */
export interface AuthzRestriction {
  accountId: string;
  compile?: (accountId: string) => Promise<CompiledPermissions | null>;
}

export class RequestAuthz {
  private readonly compiled = new Map<string, CompiledPermissions | null>();
  private readonly pending = new Map<string, Promise<CompiledPermissions | null>>();
  private restriction: AuthzRestriction | null = null;

  /** `principal` is read on each load: signUp and login set it mid-request. `refused` hears each account gate refusal once (audit). */
  constructor(
    private readonly currentPrincipal: () => Principal | null,
    private readonly loaders: Loaders,
    private readonly access: AccessStore,
    private readonly refused: (err: AccountGateError) => Promise<void> = async () => undefined,
  ) {}

  get principal(): Principal | null {
    return this.currentPrincipal();
  }

  /**
   * From now on: permissions for the (new) principal, in `restriction.accountId` only (every other
   * account is not theirs). Forgets what was compiled for the principal before.
   */
  restrictTo(restriction: AuthzRestriction): void {
    this.restriction = restriction;
    this.compiled.clear();
    this.pending.clear();
  }

  /** Compiled permissions already loaded in this request: undefined when not loaded yet, null when not a member. */
  peek(accountId: string): CompiledPermissions | null | undefined {
    return this.compiled.get(accountId);
  }

  /** The principal's compiled permissions in `accountId`, or null when the account is not theirs. */
  load(accountId: string): Promise<CompiledPermissions | null> {
    const done = this.compiled.get(accountId);
    if (done !== undefined) return Promise.resolve(done);
    let p = this.pending.get(accountId);
    if (!p) {
      p = this.compile(accountId).then((c) => {
        this.compiled.set(accountId, c);
        this.pending.delete(accountId);
        return c;
      });
      this.pending.set(accountId, p);
    }
    return p;
  }

  /**
   * As load(), but an account whose gate refuses the principal (src/identity/gate.ts) is simply not
   * theirs: for lists across accounts, which show what may be reached rather than fail.
   */
  async loadReachable(accountId: string): Promise<CompiledPermissions | null> {
    try {
      return await this.load(accountId);
    } catch (err) {
      if (err instanceof AccountGateError) return null;
      throw err;
    }
  }

  /** Throws the account gate's refusal (FORBIDDEN, audited in the account once per request). */
  private async gate(principal: Principal, account: AccountFacts): Promise<void> {
    const refusal = accountRefusal(principal, account);
    if (!refusal) return;
    if (!this.gateRefusals.has(account._id)) {
      this.gateRefusals.add(account._id);
      await this.refused(refusal);
    }
    throw refusal;
  }
  private readonly gateRefusals = new Set<string>();

  /**
   * What the principal may grant onward in the account (rule 7): bindings without expiry only, and
   * nothing through a token. Compiled fresh for the access services; never on the read path.
   */
  async grantable(accountId: string): Promise<CompiledPermissions | null> {
    const principal = this.principal;
    if (!principal) return null;
    // A viewed role at a scope belongs to no one: it grants nothing onward.
    if (this.restriction && (this.restriction.accountId !== accountId || this.restriction.compile)) return null;
    const account = await this.loaders.load<AccountFacts>('Account', accountId);
    if (!account) return null;
    const c = await compileFor(this.access, {
      accountId,
      userId: principal.userId,
      ownerId: account.ownerId,
      version: account.permissionsVersion ?? 0,
      grantable: true,
      token: principal.kind === 'token' ? { scopes: principal.scopes, workspaceIds: principal.workspaceIds } : null,
    });
    if (c) await this.gate(principal, account);
    return c;
  }

  /** The acting principal as the rules see it (src/authz/rules.ts). */
  async actor(accountId: string): Promise<{ userId: string; grantable: CompiledPermissions | null; viaToken: boolean }> {
    const principal = this.principal;
    return {
      userId: principal?.userId ?? '',
      grantable: await this.grantable(accountId),
      viaToken: principal?.kind === 'token',
    };
  }

  private async compile(accountId: string): Promise<CompiledPermissions | null> {
    const principal = this.principal;
    if (!principal) return null;
    if (this.restriction) {
      if (this.restriction.accountId !== accountId) return null;
      if (this.restriction.compile) return this.restriction.compile(accountId);
    }
    if (principal.kind === 'token' && principal.accountId !== accountId) return null;
    const account = await this.loaders.load<AccountFacts>('Account', accountId);
    if (!account) return null;
    const compiled = await this.compileCached(principal, account);
    // Not a member: null as before (NOT_FOUND: ids cannot be probed); a member the gate refuses:
    // FORBIDDEN with the reason. Decided from the account document this read anyway: no I/O of its own.
    if (compiled) await this.gate(principal, account);
    return compiled;
  }

  private async compileCached(principal: Principal, account: AccountFacts): Promise<CompiledPermissions | null> {
    const accountId = account._id;
    const version = account.permissionsVersion ?? 0;
    const key = cacheKey(principal, accountId);
    const hit = processCache.get(key);
    const now = Date.now();
    if (hit && hit.version === version && now < hit.validUntil) return hit;

    const compiled = await compileFor(this.access, {
      accountId,
      userId: principal.userId,
      ownerId: account.ownerId,
      version,
      now,
      token: principal.kind === 'token' ? { scopes: principal.scopes, workspaceIds: principal.workspaceIds } : null,
    });
    if (!compiled) {
      processCache.delete(key);
      return null;
    }
    if (processCache.size >= MAX_CACHED) processCache.delete(processCache.keys().next().value!);
    processCache.set(key, compiled);
    return compiled;
  }
}
