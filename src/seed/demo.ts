// Demo data for the embedded default: seeded on first start (an empty database), and by
// `npm run seed:demo`. One believable account: two workspaces, sending domains with SMTP credentials
// and email logs, lists with 1,000 contacts, templates, campaigns in every state, email-testing
// projects with captured messages, billing, support tickets, and a few members with different roles.
// Documents are written straight through the models (insertMany for bulk), so it takes a second or two.
import { generateKeyPair, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import {
  User,
  VerifiedEmail,
  createAccount,
  Workspace,
  Domain,
  verifiedNameKey,
  SmtpCredential,
  SendingServer,
  ApiKey,
  AuthorizedRecipient,
  Route,
  Suppression,
  Webhook,
  EmailLog,
  type EmailStatus,
  MailingList,
  Contact,
  placeContacts,
  Template,
  Campaign,
  CampaignSend,
  type CampaignDoc,
  type CampaignStatus,
  Automation,
  Form,
  Inbox,
  Message,
  Project,
  Billing,
  SupportTicket,
  SupportTicketComment,
  PLAN_LIMITS,
  placeEmailLogs,
} from '../modules';
import { hashPassword, randomSecret, secretBox } from '../crypto';
import { newId, Claim } from '../db';
import { type NewBinding, ROLE_PACKS, type AccessStore } from '../authz';
import { AuditRecorder, type AuditInput } from '../audit';

export const DEMO_OWNER = { email: 'owner@demo.postern.dev', password: 'Demo-Owner-2026!', name: 'Dana Demo' };

/** Other demo logins (same password as the owner), each showing a different role model. */
export const DEMO_MEMBERS = [
  { email: 'analyst@demo.postern.dev', name: 'Avery Analyst', role: 'analyst', scope: 'ACCOUNT' },
  { email: 'marketer@demo.postern.dev', name: 'Morgan Marketer', role: 'manager', scope: 'MARKETING_WORKSPACE' },
  { email: 'qa@demo.postern.dev', name: 'Quinn Tester', role: 'qa-tester', scope: 'WEB_PROJECT' },
  { email: 'billing@demo.postern.dev', name: 'Blair Billing', role: 'mailtrap-billing-admin', scope: 'ACCOUNT' },
] as const;

export const DEMO_CONTACTS = 1000;

export interface DemoSummary {
  accountId: string;
  ownerId: string;
  workspaces: number;
  domains: number;
  smtpCredentials: number;
  emailLogs: number;
  lists: number;
  contacts: number;
  templates: number;
  campaigns: number;
  projects: number;
  inboxes: number;
  messages: number;
  members: number;
}

export async function seedDemoIfEmpty(log: Logger, access: AccessStore): Promise<boolean> {
  if (await User.exists({})) return false;
  await seedDemo(log, access);
  return true;
}

/** Whether the demo owner exists (its logins work): told on every start, not only the first. */
export async function hasDemoOwner(): Promise<boolean> {
  return !!(await User.exists({ email: DEMO_OWNER.email }));
}

/** A small deterministic generator, so every demo looks the same. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An id whose time part is `at`: connections (ordered by id) then list history in time order. */
function idAt(at: Date): string {
  const secs = Math.floor(at.getTime() / 1000)
    .toString(16)
    .padStart(8, '0');
  return secs + randomBytes(8).toString('hex');
}

const DAY = 24 * 3600 * 1000;

const FIRST = [
  'Ava',
  'Ben',
  'Chloe',
  'Diego',
  'Emma',
  'Farah',
  'Gabriel',
  'Hana',
  'Ivan',
  'Julia',
  'Kenji',
  'Lena',
  'Mateo',
  'Nora',
  'Omar',
  'Priya',
  'Quentin',
  'Rosa',
  'Sam',
  'Tara',
  'Umar',
  'Vera',
  'Wei',
  'Ximena',
  'Yusuf',
  'Zoe',
];
const LAST = [
  'Andersen',
  'Brown',
  'Costa',
  'Dubois',
  'Evans',
  'Fischer',
  'Garcia',
  'Haddad',
  'Ito',
  'Jensen',
  'Kowalski',
  'Lopez',
  'Müller',
  'Nakamura',
  'Okafor',
  'Petrov',
  'Rossi',
  'Silva',
  'Tanaka',
  'Novak',
];
const MAIL_HOSTS = ['gmail.com', 'outlook.com', 'yahoo.com', 'proton.me', 'icloud.com', 'fastmail.com', 'example.org'];

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)]!;
}

async function dkim(): Promise<{ selector: string; publicKey: string; secretEnc: string }> {
  const { publicKey, privateKey } = await new Promise<{ publicKey: Buffer; privateKey: string }>((resolve, reject) =>
    generateKeyPair(
      'rsa',
      { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } },
      (err, publicKey, privateKey) => (err ? reject(err) : resolve({ publicKey, privateKey })),
    ),
  );
  return {
    selector: `pst${randomBytes(3).toString('hex')}`,
    publicKey: publicKey.toString('base64'),
    secretEnc: secretBox().seal(privateKey),
  };
}

function bodies(subject: string, greeting: string): { html: string; text: string } {
  return {
    text: `${greeting},\n\n${subject}.\n\nThanks,\nThe Demo Mail Co team`,
    html: `<html><body><p>${greeting},</p><p>${subject}.</p><p>Thanks,<br>The Demo Mail Co team</p></body></html>`,
  };
}

export async function seedDemo(log: Logger, access: AccessStore): Promise<DemoSummary> {
  const started = Date.now();
  const rand = prng(2026);
  const now = new Date();
  const ago = (days: number) => new Date(now.getTime() - days * DAY);
  const passwordHash = await hashPassword(DEMO_OWNER.password);

  // --- owner, account, workspaces ---------------------------------------------------------------
  const owner = (
    await User.create({
      email: DEMO_OWNER.email,
      name: DEMO_OWNER.name,
      firstName: 'Dana',
      lastName: 'Demo',
      passwordHash,
      position: 'Founder',
      timezone: 'Europe/Berlin',
      language: 'en',
      emailVerifiedAt: now, // set directly: the demo's addresses receive no mail
    })
  ).toObject();
  const { account, workspace: transactional } = await createAccount(access, owner._id, 'Demo Mail Co');
  const accountId = account._id;
  const by = owner._id;
  await Workspace.updateOne({ _id: transactional._id }, { $set: { name: 'Transactional' } });
  const marketing = (await Workspace.create({ accountId, name: 'Marketing', createdBy: by })).toObject();
  const wsT = transactional._id;
  const wsM = marketing._id;

  // --- sending: domains, credentials, servers, keys, webhooks, suppressions, routes --------------
  const domainSpecs = [
    { name: 'mail.demo-mail.co', workspaceId: wsT, verified: true, trackOpens: true, trackClicks: true },
    { name: 'news.demo-mail.co', workspaceId: wsM, verified: true, trackOpens: true, trackClicks: true },
    { name: 'staging.demo-mail.co', workspaceId: wsT, verified: false, trackOpens: false, trackClicks: false },
  ];
  const keys = await Promise.all(domainSpecs.map(() => dkim()));
  const domains = domainSpecs.map((d, i) => ({
    _id: newId(),
    accountId,
    workspaceId: d.workspaceId,
    name: d.name,
    dkimSelector: keys[i]!.selector,
    dkimPublicKey: keys[i]!.publicKey,
    secretEnc: keys[i]!.secretEnc,
    verificationToken: randomSecret(18),
    // Set directly: the demo has no DNS to look its records up in.
    publishedRecords: d.verified ? ['OWNERSHIP', 'SPF', 'DKIM', 'MX', 'TRACKING'] : ['SPF'],
    state: d.verified ? 'VERIFIED' : 'UNVERIFIED',
    verifiedAt: d.verified ? ago(60) : null,
    lastCheckedAt: ago(1),
    checkMessage: d.verified ? null : 'DKIM record not found yet: publish it at your DNS host, then verify again',
    trackOpens: d.trackOpens,
    trackClicks: d.trackClicks,
    unsubscribeFooter:
      d.workspaceId === wsM ? 'You receive this because you subscribed at demo-mail.co. Unsubscribe: %unsubscribe_url%' : null,
    createdBy: by,
  }));
  await Domain.insertMany(domains);
  // Verified names are held by one account at a time (the claim verifyDomain takes).
  await Claim.insertMany(domains.filter((d) => d.state === 'VERIFIED').map((d) => ({ _id: verifiedNameKey(d.name), accountId })));
  const [dMail, dNews, dStaging] = domains as [(typeof domains)[0], (typeof domains)[0], (typeof domains)[0]];
  const onDomain = (d: (typeof domains)[0]) => ({ accountId, workspaceId: d.workspaceId, domainId: d._id, createdBy: by });

  const smtp = [
    { d: dMail, localPart: 'postmaster' },
    { d: dMail, localPart: 'app' },
    { d: dNews, localPart: 'newsletter' },
    { d: dStaging, localPart: 'ci' },
  ].map(({ d, localPart }) => ({ _id: newId(), ...onDomain(d), localPart, passwordEnc: secretBox().seal(randomSecret(24)) }));
  await SmtpCredential.insertMany(smtp);

  await SendingServer.insertMany([
    {
      accountId,
      workspaceId: wsM,
      name: 'Amazon SES (eu-west-1)',
      provider: 'AMAZON_SES',
      host: 'email-smtp.eu-west-1.amazonaws.com',
      port: 587,
      username: 'AKIADEMO7EXAMPLE',
      passwordEnc: secretBox().seal(randomSecret(30)),
      createdBy: by,
    },
    {
      accountId,
      workspaceId: wsT,
      name: 'Fallback relay',
      provider: 'SMTP',
      host: 'relay.demo-mail.co',
      port: 465,
      username: 'relay-user',
      passwordEnc: secretBox().seal(randomSecret(20)),
      createdBy: by,
    },
  ]);
  await ApiKey.insertMany([
    {
      accountId,
      name: 'Production backend',
      secretEnc: secretBox().seal(`key-${randomSecret(32)}`),
      expiresAt: null,
      rotatedAt: null,
      createdBy: by,
    },
    {
      accountId,
      name: 'Analytics export',
      secretEnc: secretBox().seal(`key-${randomSecret(32)}`),
      expiresAt: new Date(now.getTime() + 180 * DAY),
      rotatedAt: null,
      createdBy: by,
    },
  ]);
  await Webhook.insertMany([
    { ...onDomain(dMail), event: 'PERMANENT_FAIL', url: 'https://hooks.demo-mail.co/postern/bounces' },
    { ...onDomain(dMail), event: 'DELIVERED', url: 'https://hooks.demo-mail.co/postern/delivered' },
    { ...onDomain(dNews), event: 'UNSUBSCRIBED', url: 'https://crm.demo-mail.co/webhooks/unsubscribe' },
    { ...onDomain(dNews), event: 'COMPLAINED', url: 'https://crm.demo-mail.co/webhooks/complaint' },
  ]);
  await Suppression.insertMany([
    { ...onDomain(dMail), type: 'BOUNCE', address: 'nobody@invalid-domain.example', reason: '550 5.1.1 mailbox unavailable' },
    { ...onDomain(dNews), type: 'UNSUBSCRIBE', address: 'no.more.news@example.org', reason: 'Clicked unsubscribe' },
    { ...onDomain(dNews), type: 'COMPLAINT', address: 'angry.reader@example.org', reason: 'Marked as spam' },
  ]);
  await AuthorizedRecipient.insertMany([
    { ...onDomain(dStaging), email: 'qa-team@demo-mail.co' },
    { ...onDomain(dStaging), email: 'dana@demo-mail.co' },
  ]);
  await Route.insertMany([
    {
      accountId,
      workspaceId: wsT,
      expression: 'match_recipient("support@mail.demo-mail.co")',
      actions: ['forward("https://helpdesk.demo-mail.co/inbound")', 'stop()'],
      priority: 10,
      description: 'Support inbox to the helpdesk',
      createdBy: by,
    },
  ]);

  // --- marketing: lists, contacts, templates, campaigns, automations, forms ---------------------
  const newsletter = { _id: idAt(ago(120)), accountId, workspaceId: wsM, name: 'Newsletter subscribers', createdBy: by };
  const beta = { _id: idAt(ago(45)), accountId, workspaceId: wsM, name: 'Beta testers', createdBy: by };
  await MailingList.insertMany([newsletter, beta]);
  const contactsOf = (listId: string, count: number, tag: string) =>
    Array.from({ length: count }, (_, i) => {
      const firstName = pick(rand, FIRST);
      const lastName = pick(rand, LAST);
      const local = `${firstName}.${lastName}`
        .toLowerCase()
        .normalize('NFD')
        .replace(/[^a-z.]/g, '');
      return {
        _id: idAt(ago(120 - (i * 100) / count)),
        accountId,
        workspaceId: wsM,
        listId,
        email: `${local}.${tag}${i + 1}@${pick(rand, MAIL_HOSTS)}`,
        firstName,
        lastName,
        createdBy: by,
      };
    });
  const contacts = [...contactsOf(newsletter._id, DEMO_CONTACTS, 'n'), ...contactsOf(beta._id, 60, 'b')];
  await Contact.insertMany(contacts, { ordered: false });
  // Their places in the lists' page directories, in the order they joined.
  for (const list of [newsletter, beta]) {
    await placeContacts(
      list,
      contacts
        .filter((c) => c.listId === list._id)
        .map((c) => c._id)
        .sort(),
    );
  }

  const tpl = (name: string, days: number, html: string) => ({
    _id: idAt(ago(days)),
    accountId,
    workspaceId: wsM,
    name,
    html,
    createdBy: by,
  });
  const templates = [
    tpl('Welcome', 110, '<h1>Welcome to Demo Mail Co, {{firstName}}!</h1><p>Here is how to get started.</p>'),
    tpl('Monthly newsletter', 90, '<h1>{{month}} at Demo Mail Co</h1><p>What we shipped, what we learned.</p><p>{{unsubscribe}}</p>'),
    tpl('Product launch', 30, '<h1>Meet Postern Inbox</h1><p>Catch every test email before your customers do.</p>'),
    tpl('Win-back', 10, '<p>We miss you, {{firstName}}. Here is 20% off your next month.</p>'),
  ];
  await Template.insertMany(templates);
  const [tWelcome, tMonthly, tLaunch, tWinBack] = templates as [
    (typeof templates)[0],
    (typeof templates)[0],
    (typeof templates)[0],
    (typeof templates)[0],
  ];

  const campaign = (
    name: string,
    subject: string,
    status: CampaignStatus,
    days: number,
    extra: Partial<Pick<CampaignDoc, 'listId' | 'templateId' | 'sentAt' | 'scheduledAt' | 'recipientCount'>>,
  ): Omit<CampaignDoc, 'createdAt' | 'updatedAt'> => ({
    _id: idAt(ago(days)),
    accountId,
    workspaceId: wsM,
    name,
    subject,
    status,
    listId: null,
    templateId: null,
    fromEmail: 'hello@news.demo-mail.co',
    fromName: 'Demo Mail Co',
    scheduledAt: null,
    sentAt: null,
    recipientCount: 0,
    createdBy: by,
    ...extra,
  });
  const campaigns = [
    campaign('September newsletter', 'September at Demo Mail Co', 'SENT', 60, {
      listId: newsletter._id,
      templateId: tMonthly._id,
      sentAt: ago(59),
      recipientCount: DEMO_CONTACTS,
    }),
    campaign('October newsletter', 'October at Demo Mail Co', 'SENT', 30, {
      listId: newsletter._id,
      templateId: tMonthly._id,
      sentAt: ago(29),
      recipientCount: DEMO_CONTACTS,
    }),
    campaign('Beta launch', 'Meet Postern Inbox', 'SENDING', 1, { listId: beta._id, templateId: tLaunch._id, recipientCount: 60 }),
    campaign('November newsletter', 'November at Demo Mail Co', 'SCHEDULED', 2, {
      listId: newsletter._id,
      templateId: tMonthly._id,
      scheduledAt: new Date(now.getTime() + 3 * DAY),
    }),
    campaign('Win-back offer', 'We miss you', 'DRAFT', 1, { templateId: tWinBack._id }),
    campaign('Holiday greetings', '', 'DRAFT', 0, {}),
  ];
  await Campaign.insertMany(campaigns);
  // The send claims of the campaigns that went out (one per campaign, keyed by its id).
  await CampaignSend.insertMany(
    campaigns
      .filter((c) => c.status === 'SENT' || c.status === 'SENDING')
      .map((c) => ({ _id: c._id, accountId, workspaceId: wsM, createdBy: by })),
  );
  await Automation.insertMany([
    { accountId, workspaceId: wsM, name: 'Welcome series', published: true, publishedAt: ago(100), createdBy: by },
    { accountId, workspaceId: wsM, name: 'Re-engagement after 90 days', published: false, publishedAt: null, createdBy: by },
  ]);
  await Form.insertMany([
    { accountId, workspaceId: wsM, name: 'Footer newsletter signup', published: true, publishedAt: ago(115), createdBy: by },
    { accountId, workspaceId: wsM, name: 'Beta waitlist', published: false, publishedAt: null, createdBy: by },
  ]);
  void tWelcome;

  // --- email logs: transactional sends and the sent campaigns' recipients ------------------------
  const TRANSACTIONAL = [
    'Your password reset link',
    'Confirm your email address',
    'Your receipt #%n',
    'New sign-in from Chrome on macOS',
    'Your export is ready',
    'Invitation to join a team',
  ];
  const statuses: EmailStatus[] = ['DELIVERED', 'DELIVERED', 'DELIVERED', 'DELIVERED', 'DELIVERED', 'DELIVERED', 'QUEUED', 'FAILED'];
  const logs: Record<string, unknown>[] = [];
  for (let i = 0; i < 240; i++) {
    const d = i % 8 === 7 ? dStaging : dMail;
    const at = ago(30 - (i * 30) / 240);
    const c = contacts[Math.floor(rand() * DEMO_CONTACTS)]!;
    const subject = pick(rand, TRANSACTIONAL).replace('%n', String(10_400 + i));
    const status = d === dStaging ? 'RECORDED' : pick(rand, statuses);
    logs.push({
      _id: idAt(at),
      accountId,
      workspaceId: d.workspaceId,
      domainId: d._id,
      campaignId: null,
      from: `no-reply@${d.name}`,
      to: c.email,
      subject,
      status,
      ...bodies(subject, `Hi ${c.firstName}`),
      messageId: `<${newId()}@${d.name}>`,
      error: status === 'FAILED' ? '550 5.1.1 The email account that you tried to reach does not exist' : null,
      createdBy: by,
    });
  }
  for (const c of campaigns.filter((x) => x.status === 'SENT')) {
    for (let i = 0; i < 100; i++) {
      const to = contacts[i]!;
      logs.push({
        _id: idAt(new Date(c.sentAt!.getTime() + i * 1000)),
        accountId,
        workspaceId: wsM,
        domainId: dNews._id,
        campaignId: c._id,
        from: 'hello@news.demo-mail.co',
        to: to.email,
        subject: c.subject,
        status: i % 25 === 24 ? 'FAILED' : 'DELIVERED',
        ...bodies(c.subject, `Hi ${to.firstName}`),
        messageId: `<${newId()}@news.demo-mail.co>`,
        error: i % 25 === 24 ? '552 5.2.2 Mailbox full' : null,
        createdBy: by,
      });
    }
  }
  await EmailLog.insertMany(logs);
  // Numbered in their campaigns' lists, as sends number theirs (email-log-pages.service.ts).
  await placeEmailLogs({ domainId: Domain, campaignId: Campaign } as unknown as Parameters<typeof placeEmailLogs>[0]);

  // --- email testing: projects, inboxes, captured messages ---------------------------------------
  const project = (name: string, workspaceId: string, days: number) => ({
    _id: idAt(ago(days)),
    accountId,
    workspaceId,
    name,
    createdBy: by,
  });
  const projects = [project('Web app', wsT, 90), project('Mobile app', wsT, 70), project('Newsletter previews', wsM, 50)];
  await Project.insertMany(projects);
  const inbox = (p: (typeof projects)[0], name: string, days: number) => ({
    _id: idAt(ago(days)),
    accountId,
    workspaceId: p.workspaceId,
    projectId: p._id,
    name,
    createdBy: by,
  });
  const [pWeb, pMobile, pNews] = projects as [(typeof projects)[0], (typeof projects)[0], (typeof projects)[0]];
  const inboxes = [
    inbox(pWeb, 'Staging', 89),
    inbox(pWeb, 'CI', 88),
    inbox(pMobile, 'Release candidates', 69),
    inbox(pNews, 'Rendering checks', 49),
  ];
  await Inbox.insertMany(inboxes);
  const TEST_SUBJECTS = [
    'Welcome aboard!',
    'Reset your password',
    'Your order has shipped',
    'Weekly digest',
    'You have 3 new notifications',
    'Invoice available',
  ];
  const messages = inboxes.flatMap((ib, n) =>
    Array.from({ length: 12 }, (_, i) => {
      const subject = TEST_SUBJECTS[(i + n) % TEST_SUBJECTS.length]!;
      const b = bodies(subject, 'Hello tester');
      return {
        _id: idAt(ago(14 - i)),
        accountId,
        workspaceId: ib.workspaceId,
        projectId: ib.projectId,
        inboxId: ib._id,
        from: 'no-reply@staging.demo-mail.co',
        to: `qa+${i}@demo-mail.co`,
        subject,
        ...b,
        size: Buffer.byteLength(b.html) + Buffer.byteLength(b.text),
        createdBy: by,
      };
    }),
  );
  await Message.insertMany(messages);

  // --- billing and support ------------------------------------------------------------------------
  const billing = await Billing.create({
    accountId,
    plan: 'GROWTH',
    card: { brand: 'VISA', last4: '4242', expMonth: 8, expYear: now.getUTCFullYear() + 2 },
    sendLimit: 200_000,
    verificationLimit: PLAN_LIMITS.GROWTH.verification,
    createdBy: by,
  });
  const t1 = {
    _id: idAt(ago(12)),
    accountId,
    subject: 'Bounce rate jumped on mail.demo-mail.co',
    body: 'Since Tuesday about 4% of password resets bounce with 550 5.1.1. Is something wrong on your side?',
    status: 'CLOSED',
    createdBy: by,
  };
  const t2 = {
    _id: idAt(ago(2)),
    accountId,
    subject: 'Raise our verification limit',
    body: 'We are importing a new list next week and need 20,000 verifications this month.',
    status: 'OPEN',
    createdBy: by,
  };
  await SupportTicket.insertMany([t1, t2]);
  await SupportTicketComment.insertMany([
    {
      _id: idAt(ago(11)),
      accountId,
      ticketId: t1._id,
      body: 'The bounces come from an old import: we added them to your suppressions.',
      createdBy: by,
    },
    { _id: idAt(ago(10)), accountId, ticketId: t1._id, body: 'Confirmed, thanks! Closing.', createdBy: by },
  ]);

  // --- members with different roles (and the Mailtrap role pack installed) ----------------------
  await access.createRoles(
    ROLE_PACKS.mailtrap.roles.map((r) => ({
      accountId,
      key: r.key,
      name: r.name,
      description: r.description,
      permissions: [...r.permissions],
      system: false,
      customisable: true,
      pack: 'mailtrap',
      createdBy: by,
    })),
  );
  const roles = await access.rolesOf(accountId);
  const roleId = (key: string) => roles.find((r) => r.key === key)!._id;
  const [qaRole] = await access.createRoles([
    {
      accountId,
      key: 'qa-tester',
      name: 'QA tester',
      description: 'Reads and sends test emails, with their content, in the projects it is bound to.',
      permissions: ['projects:view', 'inboxes:view', 'messages:view', 'messages:create', 'messages:delete', 'emailContent:view'],
      system: false,
      customisable: true,
      pack: null,
      createdBy: by,
    },
  ]);
  const memberUsers = await User.insertMany(
    DEMO_MEMBERS.map((m) => ({
      email: m.email,
      name: m.name,
      firstName: m.name.split(' ')[0],
      lastName: m.name.split(' ')[1],
      passwordHash,
      language: 'en',
      timezone: 'UTC',
      emailVerifiedAt: now,
    })),
  );
  // Verified addresses hold their unique key (src/modules/identity/email.service.ts).
  await VerifiedEmail.insertMany([owner, ...memberUsers].map((u) => ({ _id: u.email, userId: u._id })));
  await Promise.all(memberUsers.map((u) => access.addMember({ accountId, userId: u._id, createdBy: by })));
  const bindings = DEMO_MEMBERS.map((m, i): NewBinding => {
    const userId = memberUsers[i]!._id;
    if (m.scope === 'ACCOUNT')
      return { accountId, userId, roleId: roleId(m.role), scopeType: 'ACCOUNT', scopeId: accountId, createdBy: by };
    if (m.scope === 'MARKETING_WORKSPACE')
      return { accountId, userId, roleId: roleId(m.role), scopeType: 'WORKSPACE', scopeId: wsM, workspaceId: wsM, createdBy: by };
    return {
      accountId,
      userId,
      roleId: qaRole!._id,
      scopeType: 'PROJECT',
      scopeId: pWeb._id,
      workspaceId: wsT,
      projectId: pWeb._id,
      createdBy: by,
    };
  });
  await Promise.all(bindings.map((b) => access.createBinding(b, new Date())));

  // --- an audit trail of how the account was set up (a chained log, as the gateway writes it) -----
  const audit = new AuditRecorder(() => ({ type: 'user', id: by, userId: by }), 'demo-seed', null);
  const events: AuditInput[] = [
    { accountId, action: 'account.created', target: { type: 'Account', id: accountId }, after: { name: account.name, ownerId: by } },
    { accountId, workspaceId: wsM, action: 'workspace.created', target: { type: 'Workspace', id: wsM }, after: { name: 'Marketing' } },
    ...domains.map((d) => ({
      accountId,
      workspaceId: d.workspaceId,
      action: 'domain.created',
      target: { type: 'Domain', id: d._id },
      after: { name: d.name },
    })),
    ...smtp.map((c) => ({
      accountId,
      workspaceId: c.workspaceId,
      action: 'smtpCredential.created',
      target: { type: 'SmtpCredential', id: c._id },
      after: { localPart: c.localPart, domainId: c.domainId },
    })),
    ...projects.map((p) => ({
      accountId,
      workspaceId: p.workspaceId,
      action: 'project.created',
      target: { type: 'Project', id: p._id },
      after: { name: p.name },
    })),
    {
      accountId,
      action: 'billing.updated',
      target: { type: 'Billing', id: billing._id },
      before: { plan: 'FREE', card: null },
      after: { plan: 'GROWTH', card: { brand: 'VISA', last4: '4242' } },
    },
    {
      accountId,
      action: 'role.created',
      target: { type: 'Role', id: qaRole!._id },
      after: { name: qaRole!.name, permissions: qaRole!.permissions },
    },
    ...memberUsers.map((u) => ({ accountId, action: 'member.created', target: { type: 'User', id: u._id }, after: { email: u.email } })),
  ];
  await Promise.all(events.map((e) => audit.record(e)));

  const summary: DemoSummary = {
    accountId,
    ownerId: owner._id,
    workspaces: 2,
    domains: domains.length,
    smtpCredentials: smtp.length,
    emailLogs: logs.length,
    lists: 2,
    contacts: contacts.length,
    templates: templates.length,
    campaigns: campaigns.length,
    projects: projects.length,
    inboxes: inboxes.length,
    messages: messages.length,
    members: 1 + DEMO_MEMBERS.length,
  };
  log.info({ ...summary, ms: Date.now() - started }, 'seeded demo account');
  return summary;
}

/** What to tell whoever started the seed: the logins. */
export function demoLogins(): string {
  const lines = [`  Demo owner login: ${DEMO_OWNER.email} / ${DEMO_OWNER.password}`];
  for (const m of DEMO_MEMBERS) lines.push(`  ${m.name} (${m.role}): ${m.email} / ${DEMO_OWNER.password}`);
  return `\n${lines.join('\n')}\n`;
}
