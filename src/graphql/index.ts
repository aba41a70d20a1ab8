// The public face of src/graphql (README.md): what the other folders of src/ import from it.
export {
  type AnyConnection,
  type Connection,
  type ConnectionArgs,
  VISIBILITY,
  connectionOf,
  decodeCursor,
  emptyConnection,
  pageSize,
  paginate,
} from './connection';
export { Context, type RequestSummary, createContext } from './context';
export { formatError } from './format-error';
export { type ViewerParent } from './mappers';
export { nodeResolvers } from './node';
export { authenticationPlugin } from './plugins/authentication';
export { complexityPlugin } from './plugins/complexity';
export { explorerPlugin } from './plugins/explorer';
export { inputErrorsPlugin } from './plugins/input-errors';
export { loggingPlugin } from './plugins/logging';
export { metricsPlugin } from './plugins/metrics';
export { rateLimitPlugin } from './plugins/rate-limit';
export { twoFactorGatePlugin } from './plugins/two-factor-gate';
export { unavailablePlugin } from './plugins/unavailable';
export { viewAsPlugin } from './plugins/view-as';
export {
  type AccessChange,
  type PreparedChange,
  accountIdsOf,
  can,
  directiveUses,
  effectivePermissions,
  invitationsPage,
  loadScopeNode,
  mayReadContact,
  performChange,
  previewChange,
  rolesPage,
  visibleBindings,
  applyAuthzDirectives,
} from './authz';
export { describePermissions } from './permission-docs';
