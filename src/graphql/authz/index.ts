// The permission core at the GraphQL edge (src/graphql/authz/README.md): the directives, the request's
// authorization state and the request-shaped halves of the core's concepts.
export { applyAuthzDirectives, decideRoot, directiveUses, locateTarget, mask, rootPermission, SchemaDirectiveError } from './directives';
export type { AuthzOptions, DirectiveUse, MaskStyle, TargetRef } from './directives';
export { clearCompiledCache, RequestAuthz, type AuthzRestriction } from './request';
export { can, effectivePermissions, loadScopeNode, visibleBindings } from './scope';
export { accountIdsOf, mayReadContact } from './people';
export { performChange, type AccessChange, type PreparedChange } from './changes';
export { previewChange, type PreviewedMutation } from './preview';
export { parseViewAs, resolveViewAs, VIEW_AS_PERMISSION, type ViewAs, type ViewAsTarget } from './view-as';
export { invitationsPage, rolesPage } from './connections';
