// Rate limits counted before any resolver runs (the per-principal request budget,
// RATE_LIMIT_REQUESTS_PER_MINUTE, is the request gate's: src/http/gate.ts): per client IP, each use of the root fields that create
// things or send mail without a session (RATE_LIMIT_ACTIONS_PER_IP_HOUR). Failed logins are
// counted by the login service, which alone knows whether the password was right.
import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../context';
import type { LimitedAction } from '../../limits';
import { operationRootFields } from './authentication';

const LIMITED: ReadonlySet<string> = new Set<LimitedAction>([
  'signUp',
  'acceptInvitation',
  'requestAccess',
  'requestPasswordReset',
  'resetPassword',
  'verifyEmail',
]);

export function rateLimitPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, document }) {
          // The per-principal budget was spent by the request gate (src/http/gate.ts), before Apollo.
          if (operation?.operation !== 'mutation') return;
          for (const name of operationRootFields(document, operation)) {
            if (LIMITED.has(name)) await contextValue.limits.action(name as LimitedAction, contextValue.ip);
          }
        },
      };
    },
  };
}
