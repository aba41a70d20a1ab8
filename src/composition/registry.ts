// The composition root: what the modules give the rest of the gateway, in one explicit list instead
// of import side effects. Outside src/modules only this file (and the demo seed, the SCIM/SSO
// adapters, the audit trail and the generated resolver types) imports a module
// (eslint.config.mjs, "Layers"): authorization, the request plugins, authentication, the database
// connection, HTTP and the server start get what they need of the modules from here, as values the
// entry points hand down: the access store (createAccessStore), the visibility strategies of module
// lists (moduleVisibility, for the schema build), the data upgrades (dataUpgrades, for openDatabase).
// registerModules() — now only authentication's credential lookups — is called by the schema build
// (src/composition/schema.ts) and by the entry points that use the database without a schema.
import express, { type RequestHandler } from 'express';
import type { Model } from 'mongoose';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Mailer } from '../mail';
import type { RateLimits } from '../limits';
import { startSweeper, type DataUpgrade, type Expiring, type Sweeper } from '../db';
import {
  moduleResolvers,
  Account,
  Member,
  ApiToken,
  noteTokenUsed,
  tokenByHash,
  accessRequestVisibility,
  assertEnrolledWhereRequired,
  assertEnrolledWhereRequiredRest,
  twoFactorEnabled,
  backfillAccessKeys,
  backfillSsoRequiredMirror,
  pageAllLists,
  placeEmailLogs,
  type LogParent,
  Domain,
  Campaign,
  dropLegacyUniqueEmailIndex,
  EmailToken,
  Session,
  sessionByHash,
  LoginChallenge,
  setSessionTtlHours,
  setAppUrl,
  setSendLeaseMs,
  createScheduler,
  type Scheduler,
  setDnsServers,
  setPlanMemberLimits,
  emailLogExportHandler,
  eventsHandler,
  accessReviewExportHandler,
  accessDocumentSchemaHandler,
} from '../modules';
import { createMongoAccessStore, type MongoAccessStore } from '../store';
import type { AccessStore, VisibilityStrategy } from '../authz';
import { registerCredentialLookup } from '../identity';
import { auditEventVisibility, configureAuditSinks, startSinkDelivery, type SinkDelivery, placeAuditEvents } from '../audit';
import { SsoAttempt, SsoLinkClaim, SsoPendingChange, setAllowHttpIdp } from '../sso';

/** Every module's resolvers (listed in src/modules/index.ts), merged by the schema build. */
export { moduleResolvers };

/**
 * The process's access store: the MongoDB store (src/store/access) over the modules' account, member
 * and token documents, where it keeps owners, permission versions, memberships and partner tokens.
 * Built by the entry points (src/server.ts, src/cluster.ts, src/seed/cli.ts) and handed down: to the
 * request context (`ctx.access`), the REST routes and the demo seed. No module holds one of its own.
 */
export function createAccessStore(): MongoAccessStore {
  return createMongoAccessStore({ Account, Member, ApiToken });
}

/** List types of modules whose visibility is not the default scope-node rule (src/authz/visibility.ts), for the schema build. */
export const moduleVisibility: Readonly<Record<string, VisibilityStrategy>> = {
  AccessRequest: accessRequestVisibility,
  AuditEvent: auditEventVisibility,
};

const logParents = { domainId: Domain, campaignId: Campaign } as unknown as Record<'domainId' | 'campaignId', Model<LogParent>>;

/**
 * Upgrades of older databases, run by src/db/connect.ts before the indexes are built (the entry points
 * hand them to openDatabase): the access store's unique keys, the unique index on User.email of the days
 * before unverified addresses, the ssoRequired mirror on accounts, the page directory of mailing lists
 * written before it (src/modules/marketing/contact-pages.service.ts), the places of audit events
 * (src/audit/pages.ts) and of email logs (src/modules/sending/email-log-pages.service.ts).
 */
export const dataUpgrades: readonly DataUpgrade[] = [
  backfillAccessKeys,
  dropLegacyUniqueEmailIndex,
  backfillSsoRequiredMirror,
  pageAllLists,
  placeAuditEvents,
  () => placeEmailLogs(logParents),
];

export function registerModules(): void {
  // Authentication finds sessions and partner tokens by the hash of the token sent (src/identity/principal.ts).
  registerCredentialLookup({ session: sessionByHash, token: tokenByHash, twoFactorEnabled, tokenUsed: noteTokenUsed });
}

/** The settings modules take from the configuration, once at start (src/server.ts). */
export function configureModules(config: Config): void {
  setSessionTtlHours(config.sessionTtlHours);
  setSendLeaseMs(config.sendLeaseMs);
  setDnsServers(config.dnsServers);
  setAllowHttpIdp(config.ssoAllowHttpIdp);
  setPlanMemberLimits(config.planMemberLimits);
  setAppUrl(config.appUrl);
  configureAuditSinks(config.auditSinks);
}

/** What lapses (`expiresAt`) and is swept away a day after (src/db/sweep.ts). */
export const expiringModels: readonly Expiring[] = [Session, EmailToken, LoginChallenge, SsoAttempt, SsoLinkClaim, SsoPendingChange];

/**
 * The modules' background jobs of one replica: scheduled and stalled campaign sends, audit retention,
 * audit sinks, and the hourly sweep of lapsed sessions, links and sign-in attempts.
 */
export type BackgroundJobs = Scheduler & { auditSinks: SinkDelivery; expired: Sweeper };
export function startBackgroundJobs(deps: { log: Logger; mailer: Mailer; intervalMs: number }): BackgroundJobs {
  const scheduler = createScheduler(deps);
  const auditSinks = startSinkDelivery(deps.log);
  // No background pass where the scheduler has none (tests drive them): the sweep is then called by hand.
  const expired = startSweeper(expiringModels, deps.log, deps.intervalMs > 0 ? undefined : 0);
  return {
    tick: () => scheduler.tick(),
    auditSinks,
    expired,
    async stop() {
      expired.stop();
      await Promise.all([scheduler.stop(), auditSinks.stop()]);
    },
  };
}

/** The REST endpoints of modules, mounted by src/app.ts beside /graphql. */
export interface ModuleRoute {
  method: 'get' | 'post';
  path: string;
  /** Authenticated by a session or partner token: src/app.ts mounts the request gate (src/http/gate.ts) first. */
  gated: boolean;
  handlers(deps: { log: Logger; mailer: Mailer; limits: RateLimits; access: AccessStore }): RequestHandler[];
}
export const moduleRoutes: readonly ModuleRoute[] = [
  { method: 'get', path: '/email-logs/export', gated: true, handlers: (deps) => [emailLogExportHandler(deps)] },
  { method: 'get', path: '/access/review.csv', gated: true, handlers: (deps) => [accessReviewExportHandler(deps)] },
  // A published format, not account data: open to all, like any JSON Schema.
  { method: 'get', path: '/access/document.schema.json', gated: false, handlers: () => [accessDocumentSchemaHandler()] },
  // Authenticated by the account's API key (Basic), not a person's session: no request gate.
  { method: 'post', path: '/events/:accountId', gated: false, handlers: (deps) => [express.json({ limit: '2mb' }), eventsHandler(deps)] },
];

/** Module rules the request plugins apply before any resolver (src/app.ts hands them over). */
export const requestPolicies = {
  /** Accounts requiring two-factor: src/graphql/plugins/two-factor-gate.ts. */
  secondFactor: assertEnrolledWhereRequired,
  /** The same rule for REST routes (src/http/gate.ts), which have no GraphQL context. */
  secondFactorRest: assertEnrolledWhereRequiredRest,
};
