// The account gate: whether a principal may act in an account at all, decided wherever a principal
// touches an account (src/graphql/authz/request.ts, before any permission is compiled), from facts already in
// hand — the principal's (src/identity/principal.ts) and the account document the check loads anyway.
// No I/O of its own. The session gate (who gets a session) is src/modules/identity/gate.service.ts;
// docs/identity.md "Doors and gates" lists both.
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors';
import type { Principal } from './principal';

/** What the gate reads of an account. */
export interface GatedAccount {
  _id: string;
  ownerId: string;
  requireTwoFactor?: boolean;
  /** Mirror of the account's SSO setting `ssoRequired` (kept on the account so the gate needs no read). */
  ssoRequired?: boolean;
}

export type AccountGateReason =
  | 'SSO_SESSION_OF_OTHER_ACCOUNT'
  | 'SSO_REQUIRED'
  | 'TWO_FACTOR_ENROLMENT_REQUIRED'
  | 'TOKEN_MAKER_WITHOUT_TWO_FACTOR'
  | 'TOKEN_NOT_AUTHORIZED_FOR_SSO';

/** FORBIDDEN: the principal may not act in this account at all (no role changes that). */
export class AccountGateError extends GraphQLError {
  constructor(
    readonly reason: AccountGateReason,
    message: string,
    accountId: string,
  ) {
    super(message, { extensions: { code: ErrorCode.FORBIDDEN, reason, accountId, canRequestAccess: false } });
  }
}

/** FORBIDDEN: security settings (two-factor, SSO, SCIM) are changed by people, not partner tokens. */
export class PeopleOnlyError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { code: ErrorCode.FORBIDDEN, reason: 'PEOPLE_ONLY', canRequestAccess: false } });
  }
}

/**
 * Why `p` may not act in `account`, or null. People: a session minted by one account's identity
 * provider reaches that account only; an account requiring SSO takes only sessions its own provider
 * minted (its owner excepted: break-glass); an account requiring two-factor takes only people who have
 * one. Tokens act for their maker (GitHub's rule for organisation tokens): refused where the maker has
 * no second factor and the account requires one, and, where the account requires SSO, unless made in a
 * session of the account's provider (or by its owner).
 */
export function accountRefusal(p: Principal, account: GatedAccount): AccountGateError | null {
  const owner = account.ownerId === p.userId;
  const viaOwnIdp = !!p.ssoAccountId && p.ssoAccountId === account._id;
  if (p.kind === 'user') {
    if (p.ssoAccountId && !viaOwnIdp) {
      return new AccountGateError(
        'SSO_SESSION_OF_OTHER_ACCOUNT',
        "This session was started by another account's single sign-on and reaches that account only: sign in again (password or this account's SSO) to work here.",
        account._id,
      );
    }
    if (account.ssoRequired && !owner && !viaOwnIdp && p.twoFactorEnabled !== undefined) {
      return new AccountGateError(
        'SSO_REQUIRED',
        `This account requires single sign-on: sign in through its identity provider at /sso/${account._id}/oidc/login or /sso/${account._id}/saml/login.`,
        account._id,
      );
    }
    if (account.requireTwoFactor && p.twoFactorEnabled === false) {
      return new AccountGateError(
        'TWO_FACTOR_ENROLMENT_REQUIRED',
        'This account requires two-factor authentication: enrol with enableTwoFactor and confirmTwoFactor before anything else.',
        account._id,
      );
    }
    return null;
  }
  if (account.requireTwoFactor && p.twoFactorEnabled === false) {
    return new AccountGateError(
      'TOKEN_MAKER_WITHOUT_TWO_FACTOR',
      'This account requires two-factor authentication and the person who made this token has none: the token works again once they enrol.',
      account._id,
    );
  }
  if (account.ssoRequired && !owner && !viaOwnIdp && p.twoFactorEnabled !== undefined) {
    return new AccountGateError(
      'TOKEN_NOT_AUTHORIZED_FOR_SSO',
      'This account requires single sign-on: a token works there only when made in a session of its identity provider. Sign in through SSO and make a new token.',
      account._id,
    );
  }
  return null;
}
