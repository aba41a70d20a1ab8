// Records audit events. Each event carries the hash of the previous one in its account's chain
// (src/audit/chain.ts appends in O(1), batching the events of concurrent requests). Writes are
// awaited by the caller: an event is never dropped silently.
//
// Reveals of @sensitive values are not written one by one: the directive notes each one here
// (synchronously) and the reveal-audit plugin writes ONE `secret.revealed` event per account at the
// end of the request, listing what was revealed (never the values).
import { chainWriter, type UnchainedEvent } from './chain';
import { diff } from './redact';
import { newId } from '../db';
import { currentRequest } from '../observability';

/** The client's X-Request-Id of the request being served, when it sent one (absent otherwise). */
function clientRequestId(): { clientRequestId?: string } {
  const id = currentRequest()?.clientRequestId;
  return id ? { clientRequestId: id } : {};
}

export { GENESIS_HASH, canonicalJson, eventHash, verifyChain } from './chain';

export interface AuditInput {
  accountId: string;
  workspaceId?: string | null;
  action: string;
  target: { type: string; id: string };
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  meta?: Record<string, unknown> | null;
}

export interface AuditActor {
  type: 'user' | 'token' | 'system';
  id: string;
  userId?: string | null;
}

/** One revealed value: which object, which field, where in the response. */
export interface Reveal {
  accountId: string;
  workspaceId: string | null;
  type: string;
  id: string;
  field: string;
  permission: string;
  /** The response path, e.g. `viewer.accounts.0.…password` (aliases as sent). */
  path: (string | number)[];
}

export class AuditRecorder {
  private readonly reveals: Reveal[] = [];

  constructor(
    private readonly actor: () => AuditActor,
    private readonly requestId: string | null,
    private readonly ip: string | null,
  ) {}

  /** Records one event; resolves once it is stored. */
  record(input: AuditInput): Promise<void> {
    return chainWriter.append(input.accountId, [this.event(input, new Date())]);
  }

  /** Records a change of a document: the diff keeps only changed fields, secrets redacted. */
  change(input: Omit<AuditInput, 'before' | 'after'> & { before?: object | null; after?: object | null }): Promise<void> {
    const d = diff(input.before as Record<string, unknown> | null, input.after as Record<string, unknown> | null);
    return this.record({ ...input, before: d.before, after: d.after });
  }

  /** Notes a value revealed by this request (no I/O); written by `writeReveals()` at the request's end. */
  revealed(r: Reveal): void {
    this.reveals.push(r);
  }

  /** What this request revealed so far (the response paths to withhold if the audit cannot be written). */
  get pendingReveals(): readonly Reveal[] {
    return this.reveals;
  }

  /**
   * Writes one `secret.revealed` event per account for everything this request revealed. Its target
   * is the object when the request revealed fields of one object only, else the account; its
   * workspace is the one all reveals share (null when they span several); `meta.revealed` lists
   * each { type, id, field, permission, path }.
   */
  async writeReveals(): Promise<void> {
    if (this.reveals.length === 0) return;
    const byAccount = new Map<string, Reveal[]>();
    for (const r of this.reveals.splice(0, this.reveals.length)) {
      const list = byAccount.get(r.accountId);
      if (list) list.push(r);
      else byAccount.set(r.accountId, [r]);
    }
    const at = new Date();
    await Promise.all(
      [...byAccount].map(([accountId, list]) => {
        const first = list[0]!;
        const oneObject = list.every((r) => r.type === first.type && r.id === first.id);
        const oneWorkspace = list.every((r) => r.workspaceId === first.workspaceId);
        const input: AuditInput = {
          accountId,
          workspaceId: oneWorkspace ? first.workspaceId : null,
          action: 'secret.revealed',
          target: oneObject ? { type: first.type, id: first.id } : { type: 'Account', id: accountId },
          meta: {
            count: list.length,
            revealed: list.map((r) => ({ type: r.type, id: r.id, field: r.field, permission: r.permission, path: r.path.join('.') })),
          },
        };
        return chainWriter.append(accountId, [this.event(input, at)]);
      }),
    );
  }

  private event(i: AuditInput, at: Date): UnchainedEvent {
    return {
      _id: newId(),
      accountId: i.accountId,
      workspaceId: i.workspaceId ?? null,
      at,
      actor: this.actor(),
      action: i.action,
      target: i.target,
      before: i.before ?? null,
      after: i.after ?? null,
      meta: i.meta ?? null,
      requestId: this.requestId,
      ...clientRequestId(),
      ip: this.ip,
    };
  }
}
