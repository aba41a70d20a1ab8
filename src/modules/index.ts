// Every module's resolvers. A module is a folder per area of the tree: *.model.ts (mongoose, with
// its indexes), *.service.ts (validation and the rules beyond a plain permission check, audit),
// *.resolvers.ts (thin: read through the request's loaders, call services). No permission logic
// here: the @requires/@sensitive directives on schema/*.graphql do that.
import { identityResolvers } from './identity/identity.resolvers';
import { twoFactorResolvers } from './identity/two-factor.resolvers';
import { accountsResolvers } from './accounts/accounts.resolvers';
import { accessResolvers } from './access';
import { sendingResolvers } from './sending';
import { marketingResolvers } from './marketing';
import { testingResolvers } from './testing';
import { billingResolvers } from './billing';
import { auditResolvers } from '../audit/resolvers';
import { catalogueResolvers } from './catalogue/catalogue.resolvers';
import { nodeResolvers } from '../graphql';
import { navigationResolvers } from './navigation/navigation.resolvers';
import { reportsResolvers } from './reports/reports.resolvers';
import { scimResolvers } from '../scim/scim.resolvers';
import { ssoResolvers } from '../sso/sso.resolvers';

export const moduleResolvers = [
  identityResolvers,
  twoFactorResolvers,
  accountsResolvers,
  ...accessResolvers,
  ...sendingResolvers,
  ...marketingResolvers,
  ...testingResolvers,
  ...billingResolvers,
  auditResolvers,
  catalogueResolvers,
  nodeResolvers,
  navigationResolvers,
  reportsResolvers,
  scimResolvers,
  ssoResolvers,
];

// What the layers above (the composition root, src/seed, src/docs) take of the modules (README.md).
export { accessDocumentJsonSchema } from './access/access-document';
export { Workspace, Account, Member } from './accounts/account.model';
export { createAccount } from './accounts/accounts.service';
export { Billing, SupportTicket, SupportTicketComment } from './billing/billing.model';
export { PLAN_LIMITS } from './billing/billing.service';
export { RESOURCES, permissionCatalogue } from './catalogue/permissions';
export { User, VerifiedEmail, EmailToken, Session, dropLegacyUniqueEmailIndex, sessionByHash } from './identity/user.model';
export { Automation } from './marketing/automation.model';
export { Campaign, type CampaignDoc, CampaignSend, type CampaignStatus } from './marketing/campaign.model';
export { placeContacts, pageAllLists } from './marketing/contact-pages.service';
export { Contact } from './marketing/contact.model';
export { Form } from './marketing/form.model';
export { MailingList } from './marketing/list.model';
export { Template } from './marketing/template.model';
export { ApiKey } from './sending/api-key.model';
export { AuthorizedRecipient, Route, Suppression, Webhook } from './sending/domain-children.model';
export { Domain } from './sending/domain.model';
export { verifiedNameKey } from './sending/domain.service';
export { EmailLog, type EmailStatus } from './sending/email-log.model';
export { SendingServer } from './sending/sending-server.model';
export { SmtpCredential } from './sending/smtp-credential.model';
export { Inbox, Message, Project } from './testing/testing.model';
export { placeEmailLogs, type LogParent } from './sending/email-log-pages.service';
export { accessDocumentSchemaHandler } from './access/access-code.http';
export { backfillAccessKeys } from './access/backfill';
export { accessRequestVisibility } from './access/requests.resolvers';
export { accessReviewExportHandler } from './access/review.http';
export { ApiToken, noteTokenUsed, tokenByHash } from './access/token.model';
export { backfillSsoRequiredMirror } from './accounts/sso-mirror';
export { setPlanMemberLimits } from './billing/seats.service';
export { setAppUrl } from './identity/email.service';
export { setSessionTtlHours } from './identity/session.service';
export { LoginChallenge } from './identity/two-factor.model';
export { assertEnrolledWhereRequired, assertEnrolledWhereRequiredRest, twoFactorEnabled } from './identity/two-factor.service';
export { setSendLeaseMs } from './marketing/campaign-delivery.service';
export { type Scheduler, createScheduler } from './marketing/scheduler';
export { emailLogExportHandler, eventsHandler } from './reports/reports.http';
export { setDnsServers } from './sending/dns-check';
