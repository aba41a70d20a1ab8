// What the modules give the mechanism (src/authz): one explicit list instead of import side effects.
// src/authz and src/graphql/plugins import no module (eslint.config.mjs, "Layers"); a module whose
// documents or list types authorization needs registers them here. Called by the schema build
// (src/graphql/schema.ts) and by the entry points that use the access store without a schema.
import { registerStoreModels } from '../authz/store/registered';
import { registerVisibility } from '../authz/visibility';
import { Account, Member } from '../modules/accounts/account.model';
import { ApiToken } from '../modules/access/token.model';
import { accessRequestVisibility } from '../modules/access/requests.resolvers';
import { auditEventVisibility } from '../audit/resolvers';
import { assertEnrolledWhereRequired } from '../modules/identity/two-factor.service';

export function registerModules(): void {
  // The access store keeps owners, permission versions, memberships and partner tokens in them.
  registerStoreModels({ Account, Member, ApiToken });
  // List types whose visibility is not the default scope-node rule (src/authz/visibility.ts).
  registerVisibility('AccessRequest', accessRequestVisibility);
  registerVisibility('AuditEvent', auditEventVisibility);
}

/** Module rules the request plugins apply before any resolver (src/http/app.ts hands them over). */
export const requestPolicies = {
  /** Accounts requiring two-factor: src/graphql/plugins/two-factor-gate.ts. */
  secondFactor: assertEnrolledWhereRequired,
};
