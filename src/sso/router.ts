// /sso/…: browser-facing single sign-on endpoints. A sign-in ends with a JSON body holding the
// session token (as login's AuthPayload: token, user, account), never cached.
import express, { type Request, type Response, type Router } from 'express';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { isId } from '../db';
import { createContext, type Context } from '../graphql';
import type { RateLimits } from '../limits';
import type { Mailer } from '../mail';
import type { AuthResult } from '../modules/identity/session.service';
import { finishOidcSignIn, startOidcSignIn } from './oidc';
import { finishSamlSignIn, samlMetadata, startSamlSignIn } from './saml';
import { SsoRefusedError, type SsoLinkOffer } from './sso.service';
import { randomSecret } from '../crypto';
import { ErrorCode } from '../errors';
import type { AccessStore } from '../authz';

/** A service's refusal (not a crash) while single sign-on adds someone to an account: answered as FORBIDDEN. */
const REFUSALS = new Set<string>([ErrorCode.BAD_USER_INPUT, ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND]);
/** What the one session gate (completeLogin) may answer instead of a session: UNAUTHENTICATED with a challenge, RATE_LIMITED. */
const GATE_ANSWERS = new Set<string>([ErrorCode.UNAUTHENTICATED, ErrorCode.RATE_LIMITED]);

function origin(req: Request): string {
  return `${req.protocol}://${req.get('host')}`;
}

/**
 * The browser binding: a random value in an HttpOnly cookie, set when a sign-in starts; its hash is
 * kept with the sign-in, and the answer counts only when the same browser brings it back. SameSite=None
 * (the IdP posts SAML answers from its own site), hence Secure over https; over http (development) Lax.
 */
const BROWSER_COOKIE = 'postern_sso_browser';

function browserOf(req: Request): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === BROWSER_COOKIE) {
      const v = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{20,100}$/.test(v) ? v : undefined;
    }
  }
  return undefined;
}

function bindBrowser(req: Request, res: Response): string {
  const value = browserOf(req) ?? randomSecret(32);
  const attrs = req.secure ? 'SameSite=None; Secure' : 'SameSite=Lax';
  res.append('set-cookie', `${BROWSER_COOKIE}=${value}; Path=/sso; HttpOnly; ${attrs}; Max-Age=3600`);
  return value;
}

export function ssoRouter(deps: { log: Logger; mailer: Mailer; limits: RateLimits; access: AccessStore }): Router {
  const router = express.Router();
  const context = (req: Request, res: Response): Context =>
    createContext({
      requestId: res.locals.requestId as string,
      ip: req.ip ?? null,
      principal: null,
      authRejected: false,
      log: deps.log,
      mailer: deps.mailer,
      limits: deps.limits,
      access: deps.access,
    });

  const fail = (res: Response, err: unknown) => {
    res.setHeader('cache-control', 'no-store');
    if (err instanceof SsoRefusedError) {
      const code =
        err.status === 404
          ? ErrorCode.NOT_FOUND
          : err.status === 400
            ? ErrorCode.BAD_REQUEST
            : err.status === 401
              ? ErrorCode.UNAUTHENTICATED
              : ErrorCode.FORBIDDEN;
      res.status(err.status).json({ errors: [{ message: err.message, extensions: { code } }] });
      return;
    }
    if (err instanceof GraphQLError && GATE_ANSWERS.has(String(err.extensions?.code))) {
      // The session gate's answer (a second-factor challenge, a lockout, an enrolment the account requires):
      // passed on as the password door gives it, with its extensions (challenge, retryAfter, …).
      const code = String(err.extensions.code);
      const status = code === ErrorCode.RATE_LIMITED ? 429 : code === ErrorCode.FORBIDDEN ? 403 : 401;
      const { http: _http, ...extensions } = err.extensions as Record<string, unknown>;
      if (extensions.retryAfter !== undefined) res.setHeader('retry-after', String(extensions.retryAfter));
      res.status(status).json({ errors: [{ message: err.message, extensions }] });
      return;
    }
    if (err instanceof GraphQLError && REFUSALS.has(String(err.extensions?.code))) {
      // The access rules refused the just-in-time membership (e.g. whoever configured SSO lost the right to bind the default role).
      res.status(403).json({
        errors: [{ message: `Single sign-on cannot add you to this account: ${err.message}`, extensions: { code: ErrorCode.FORBIDDEN } }],
      });
      return;
    }
    deps.log.error({ requestId: res.locals.requestId, err }, 'SSO request failed');
    res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] });
  };
  const signedIn = (res: Response, result: AuthResult | SsoLinkOffer) => {
    res.setHeader('cache-control', 'no-store');
    if ('linkRequired' in result) {
      // An existing login: no session until it confirms the link with its own credentials.
      res.status(202).json({
        linkRequired: true,
        claim: result.claim,
        expiresAt: result.expiresAt.toISOString(),
        user: { email: result.email },
        account: { id: result.account._id, name: result.account.name },
        message:
          'You already have a Postern login. To let this identity provider sign you in, sign in with your password ' +
          '(and second factor), then confirm within 10 minutes with the mutation confirmSsoLink(input: {claim, password}).',
      });
      return;
    }
    res.json({
      token: result.token,
      user: { id: result.user._id, email: result.user.email },
      account: result.account ? { id: result.account._id, name: result.account.name } : null,
    });
  };

  router.get('/:accountId/oidc/login', async (req, res) => {
    try {
      if (!isId(req.params.accountId)) throw new SsoRefusedError('This account has no OpenID Connect sign-in', 404);
      res.redirect(302, await startOidcSignIn(req.params.accountId, `${origin(req)}/sso/oidc/callback`, bindBrowser(req, res)));
    } catch (err) {
      fail(res, err);
    }
  });

  router.get('/oidc/callback', async (req, res) => {
    try {
      const query = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
      signedIn(res, await finishOidcSignIn(context(req, res), query, browserOf(req)));
    } catch (err) {
      fail(res, err);
    }
  });

  router.get('/:accountId/saml/login', async (req, res) => {
    try {
      if (!isId(req.params.accountId)) throw new SsoRefusedError('This account has no SAML sign-in', 404);
      res.redirect(302, await startSamlSignIn(req.params.accountId, origin(req), bindBrowser(req, res)));
    } catch (err) {
      fail(res, err);
    }
  });

  router.get('/:accountId/saml/metadata', async (req, res) => {
    try {
      if (!isId(req.params.accountId)) throw new SsoRefusedError('This account has no SAML sign-in', 404);
      res.type('application/samlmetadata+xml').send(await samlMetadata(req.params.accountId, origin(req)));
    } catch (err) {
      fail(res, err);
    }
  });

  router.post('/saml/acs', express.urlencoded({ extended: false, limit: '1mb' }), async (req, res) => {
    try {
      signedIn(res, await finishSamlSignIn(context(req, res), (req.body ?? {}) as Record<string, unknown>, origin(req), browserOf(req)));
    } catch (err) {
      fail(res, err);
    }
  });

  return router;
}
