// The per-request context: built once per HTTP request in src/app.ts, after the principal is
// resolved. Resolvers and directives reach loaders, authorization state and the audit recorder here.
//
// Apollo Server shallow-copies the context object per operation, so state that changes during a
// request (the principal, after signUp/login) lives in a shared holder behind a prototype getter.
import type { Logger } from 'pino';
import { AuditRecorder, type AuditActor } from '../audit/recorder';
import { RequestAuthz } from './authz/request';
import type { Principal } from '../identity';
import type { ViewAs } from './authz/view-as.types';
import type { Mailer } from '../mail';
import type { RateLimits } from '../limits';
import { Loaders } from './loaders';
import { UnauthenticatedError } from '../errors';
import type { AccessStore } from '../authz';

/** What the one request log line says about the operation (filled by src/graphql/plugins/logging.ts). */
export interface RequestSummary {
  operationName?: string | null;
  principalId?: string | null;
  outcome?: string;
  errorCodes?: string[];
}

export interface ContextInput {
  requestId: string;
  ip: string | null;
  principal: Principal | null;
  /** A bearer token was sent but not accepted. */
  authRejected: boolean;
  log: Logger;
  mailer: Mailer;
  limits: RateLimits;
  /** The access store (src/authz/store/types.ts), built by the composition root. */
  access: AccessStore;
}

export class Context {
  readonly requestId: string;
  readonly ip: string | null;
  readonly authRejected: boolean;
  readonly log: Logger;
  readonly mailer: Mailer;
  /** Rate limits shared by every replica (src/limits/rate-limit.ts). */
  readonly limits: RateLimits;
  /** The access store every service of this request reads and writes (built by the composition root). */
  readonly access: AccessStore;
  readonly loaders = new Loaders();
  readonly authz: RequestAuthz;
  readonly audit: AuditRecorder;
  /** Filled by the logging plugin for the request's one log line. */
  readonly summary: RequestSummary = {};
  private readonly session: { principal: Principal | null; viewAs: ViewAs | null };

  constructor(input: ContextInput) {
    this.requestId = input.requestId;
    this.ip = input.ip;
    this.authRejected = input.authRejected;
    this.log = input.log;
    this.mailer = input.mailer;
    this.limits = input.limits;
    this.access = input.access;
    const session: { principal: Principal | null; viewAs: ViewAs | null } = { principal: input.principal, viewAs: null };
    this.session = session;
    // Under view-as the audit log names who looked, never the principal looked through.
    this.audit = new AuditRecorder(() => actorOf(session.viewAs ? session.viewAs.by : session.principal), input.requestId, input.ip);
    // Every refusal of the account gate (src/identity/gate.ts) is audited in the account refused.
    this.authz = new RequestAuthz(
      () => session.principal,
      this.loaders,
      input.access,
      (refusal) =>
        this.audit.record({
          accountId: String(refusal.extensions.accountId),
          action: 'auth.refused',
          target: { type: 'Account', id: String(refusal.extensions.accountId) },
          meta: { reason: refusal.reason, method: session.principal?.method ?? null },
        }),
    );
  }

  /** Set while an admin views the API as someone else (src/graphql/authz/view-as.ts): read-only, nothing revealed. */
  get viewAs(): ViewAs | null {
    return this.session.viewAs;
  }

  /** From here on the request runs as `viewAs.principal`, in `viewAs.accountId` only. */
  beginViewAs(viewAs: ViewAs): void {
    this.session.viewAs = viewAs;
    this.session.principal = viewAs.principal;
    this.authz.restrictTo({ accountId: viewAs.accountId, compile: viewAs.compile });
  }

  get principal(): Principal | null {
    return this.session.principal;
  }

  set principal(p: Principal | null) {
    this.session.principal = p;
  }

  /** The user acting (a partner token acts for its creator), recorded as `createdBy`. */
  get actorId(): string {
    const p = this.session.principal;
    if (!p) throw new UnauthenticatedError();
    return p.userId;
  }
}

export function createContext(input: ContextInput): Context {
  return new Context(input);
}

export function actorOf(p: Principal | null): AuditActor {
  if (!p) return { type: 'system', id: 'anonymous', userId: null };
  return p.kind === 'token' ? { type: 'token', id: p.tokenId, userId: p.userId } : { type: 'user', id: p.userId, userId: p.userId };
}
