// Where a binding, an invitation or an access request applies: a scope node and its ancestors' ids,
// stored on the document so that checks and list filters need no extra reads.
import type { ScopeType } from '../resources';

export interface ScopePlacement {
  scopeType: ScopeType;
  scopeId: string;
  workspaceId?: string | null;
  domainId?: string | null;
  projectId?: string | null;
  inboxId?: string | null;
}

export const scopePlacementFields = {
  scopeType: { type: String, required: true },
  scopeId: { type: String, required: true },
  workspaceId: { type: String, default: null },
  domainId: { type: String, default: null },
  projectId: { type: String, default: null },
  inboxId: { type: String, default: null },
} as const;
