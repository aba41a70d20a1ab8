// Account.auditLog (schema/audit.graphql). The @requires(auditLog:view) directive guards it and, for
// a viewer holding it only on some workspaces, narrows the items to those workspaces.
import type { Resolvers } from '../generated';
import { nodesHolding, type VisibilityStrategy } from '../authz';
import { auditLogPage } from './pages';
import { oldestKept, retentionWindow, setRetentionWindow } from './retention-window';
import { AuditSink, type AuditSinkDoc } from './sink-model';
import { createAuditSink, deleteAuditSink, sinkSecret } from './sinks';

// Held only on some workspaces (a workspace admin): the events of those workspaces. Registered in
// src/composition/registry.ts.
export const auditEventVisibility: VisibilityStrategy = ({ compiled, bit }) => {
  const nodes = nodesHolding(compiled, bit);
  return nodes.length ? [{ in: { workspaceId: nodes } }] : null;
};

export const auditResolvers: Resolvers = {
  Account: {
    auditLog: (account, args) => auditLogPage(account._id, args.filter, args),
    auditRetention: (account) => retentionWindow(account._id),
    auditSinks: (account) => AuditSink.find({ accountId: account._id }).sort({ _id: 1 }).lean<AuditSinkDoc[]>().exec(),
  },
  Mutation: {
    setAuditRetention: (_, { input }, ctx) => setRetentionWindow(ctx, input.accountId, input.days),
    createAuditSink: (_, { input }, ctx) => createAuditSink(ctx, input),
    deleteAuditSink: (_, { input }, ctx) => deleteAuditSink(ctx, input),
  },
  AuditSink: {
    secret: (s) => sinkSecret(s),
    delivery: (s) => s,
  },
  AuditSinkDelivery: {
    lastDeliveredAt: (s) => s.lastDeliveredAt ?? null,
    lastError: (s) => s.lastError ?? null,
    nextAttemptAt: (s) => s.nextAttemptAt ?? null,
  },
  AuditRetention: {
    oldestEvent: (w) => oldestKept(w),
  },
  AuditEvent: {
    at: (e) => e.at,
    workspaceId: (e) => e.workspaceId ?? null,
  },
  AuditActor: {
    type: (a) => (a.type === 'token' ? 'TOKEN' : a.type === 'user' ? 'USER' : 'SYSTEM'),
    userId: (a) => a.userId ?? null,
  },
};
