// Requests sent by the GraphQL explorer (/graphiql) carry `x-postern-client: explorer`. They need a
// principal holding `explorer:use` somewhere in at least one account it belongs to (docs/api.md
// "Endpoints"); others get FORBIDDEN naming that permission, before any resolver runs.
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Context } from '../context';
import { permissionBit, heldAnywhere } from '../../authz';
import { ForbiddenError, UnauthenticatedError, ErrorCode } from '../../errors';

export const EXPLORER_HEADER = 'x-postern-client';
export const EXPLORER_PERMISSION = 'explorer:use';
const EXPLORER_BIT = permissionBit(EXPLORER_PERMISSION);
/** Accounts looked at per request (a user in more accounts needs the permission in one of these). */
const MAX_ACCOUNTS = 200;

/** The accounts the principal may use the explorer in: the first one found is enough. */
async function explorerAccount(ctx: Context): Promise<{ allowed: boolean; firstAccountId: string | null }> {
  const principal = ctx.principal!;
  const accountIds =
    principal.kind === 'token'
      ? [principal.accountId]
      : (await ctx.access.accountsOf([principal.userId]))
          .map((m) => m.accountId)
          .sort()
          .slice(0, MAX_ACCOUNTS);
  for (const accountId of accountIds) {
    const compiled = await ctx.authz.load(accountId);
    if (compiled && heldAnywhere(compiled, EXPLORER_BIT)) return { allowed: true, firstAccountId: accountId };
  }
  return { allowed: false, firstAccountId: accountIds[0] ?? null };
}

export function explorerPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ request }) {
      const client = request.http?.headers.get(EXPLORER_HEADER);
      if (client?.toLowerCase() !== 'explorer') return {};
      return {
        async didResolveOperation({ contextValue }) {
          if (!contextValue.principal) {
            throw new UnauthenticatedError();
          }
          const { allowed, firstAccountId } = await explorerAccount(contextValue);
          if (allowed) return;
          if (firstAccountId) {
            const err = new ForbiddenError(EXPLORER_PERMISSION, { type: 'ACCOUNT', id: firstAccountId }, contextValue.principal);
            err.extensions.http = { status: 403 };
            throw err;
          }
          throw new GraphQLError(`Missing permission ${EXPLORER_PERMISSION}: the explorer is for members holding it`, {
            extensions: { code: ErrorCode.FORBIDDEN, permission: EXPLORER_PERMISSION, http: { status: 403 } },
          });
        },
      };
    },
  };
}
