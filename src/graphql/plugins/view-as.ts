// `X-Postern-View-As` (src/graphql/authz/view-as.ts): decided once the operation is known, before anything
// runs. A mutation is refused (view-as is read-only); the admin's right to view as is checked and
// the use audited (`access.viewedAs`, actor: the admin); then, as execution starts, the request's
// principal becomes the one viewed — after the gates (sign-in, two-factor, the explorer's
// explorer:use) have been passed by the admin themself.
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Context } from '../context';
import { resolveViewAs, VIEW_AS_PERMISSION, type ViewAs } from '../authz';
import { ErrorCode, UnauthenticatedError } from '../../errors';

export const VIEW_AS_HEADER = 'x-postern-view-as';

export function viewAsPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ request }) {
      const raw = request.http?.headers.get(VIEW_AS_HEADER);
      if (!raw) return {};
      let viewAs: ViewAs | null = null;
      return {
        async didResolveOperation({ contextValue, operation, operationName }) {
          if (!contextValue.principal) throw new UnauthenticatedError();
          if (operation?.operation !== 'query') {
            throw new GraphQLError(
              `View as is read-only: a ${operation?.operation ?? 'mutation'} is refused while viewing as ${raw.trim().slice(0, 120)} (send it without X-Postern-View-As)`,
              { extensions: { code: ErrorCode.FORBIDDEN, permission: VIEW_AS_PERMISSION, readOnly: true, canRequestAccess: false } },
            );
          }
          viewAs = await resolveViewAs(contextValue, raw);
          await contextValue.audit.record({
            accountId: viewAs.accountId,
            action: 'access.viewedAs',
            target: { type: 'Account', id: viewAs.accountId },
            meta: { viewedAs: viewAs.label, operationName: operationName ?? null },
          });
        },
        async executionDidStart({ contextValue }) {
          if (viewAs) contextValue.beginViewAs(viewAs);
        },
      };
    },
  };
}
