// Access as code (docs/access-as-code.md): the record of each applied change set, written before the
// first step and carrying the undo of every step before that step is made, so a failure — or a
// replica dying mid-way — is rolled back to exactly what the account held; and the approvals that let
// a partner token apply a plan a person reviewed.
import { model, Schema, type Model } from 'mongoose';
import { docSchema, type BaseDoc, type InAccount } from '../../db';
import type { AccessDelta } from '../../authz';

export type ChangeSetStatus = 'APPLYING' | 'APPLIED' | 'ROLLED_BACK';

/** How to undo one write; each is idempotent (undoing a write that never happened changes nothing). */
export type UndoOp =
  | { op: 'deleteRoles'; ids: string[] }
  | { op: 'restoreRole'; role: Record<string, unknown> }
  | { op: 'updateRole'; id: string; set: { name: string; description: string; permissions: string[] } }
  | { op: 'deleteBinding'; id: string }
  | { op: 'restoreBinding'; binding: Record<string, unknown> }
  | { op: 'setOverrides'; id: string; grant: string[]; revoke: string[] }
  | { op: 'accountSettings'; set: { defaultRoleId?: string | null; accessRequestRecipients?: 'OWNER' | 'RESOLVERS' } }
  | { op: 'auditRetention'; days: number | null };

export interface AccessChangeSetDoc extends BaseDoc, InAccount {
  planHash: string;
  status: ChangeSetStatus;
  /** The person whose rights the steps were checked against (the approver, when a token applies). */
  actorUserId: string;
  /** The token that applied it, if any. */
  tokenId: string | null;
  steps: { kind: string; summary: string }[];
  /** Undo operations in the order their writes were made (rolled back last to first). */
  undo: UndoOp[];
  /** A replica that stops renewing this is presumed dead: the next apply on the account rolls the set back. */
  leaseUntil: Date;
  error: string | null;
  finishedAt: Date | null;
}

const changeSetSchema = docSchema<AccessChangeSetDoc>({
  accountId: { type: String, required: true },
  planHash: { type: String, required: true },
  status: { type: String, enum: ['APPLYING', 'APPLIED', 'ROLLED_BACK'], required: true },
  actorUserId: { type: String, required: true },
  tokenId: { type: String, default: null },
  steps: { type: [new Schema({ kind: String, summary: String }, { _id: false })], default: [] },
  undo: { type: [Schema.Types.Mixed], default: [] },
  leaseUntil: { type: Date, required: true },
  error: { type: String, default: null },
  finishedAt: { type: Date, default: null },
  createdBy: { type: String, required: true },
});
changeSetSchema.index({ accountId: 1, _id: 1 });
changeSetSchema.index({ accountId: 1, status: 1 });

export const AccessChangeSet: Model<AccessChangeSetDoc> = model<AccessChangeSetDoc>('AccessChangeSet', changeSetSchema);

/** A person's approval of one plan (`_id` = `<accountId>:<planHash>`), so that a token may apply it. */
export interface AccessPlanApprovalDoc {
  _id: string;
  accountId: string;
  planHash: string;
  approvedBy: string;
  expiresAt: Date;
}

const approvalSchema = new Schema<AccessPlanApprovalDoc>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    planHash: { type: String, required: true },
    approvedBy: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, timestamps: true },
);
approvalSchema.index({ accountId: 1 });

export const AccessPlanApproval: Model<AccessPlanApprovalDoc> = model<AccessPlanApprovalDoc>('AccessPlanApproval', approvalSchema);

/** A plan (planAccess): not stored, but what the GraphQL AccessPlan type resolves from. */
export interface PlannedStep {
  index: number;
  kind: string;
  summary: string;
  detail: Record<string, unknown>;
  deltas: AccessDelta[];
  refusedBy: string | null;
}

export interface AccessPlan {
  accountId: string;
  planHash: string;
  permissionsVersion: number;
  steps: PlannedStep[];
  /** Everyone's gains and losses once every step is made. */
  deltas: AccessDelta[];
  refused: boolean;
  notes: string[];
}
