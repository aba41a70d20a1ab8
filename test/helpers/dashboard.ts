// The dashboard query (the benchmark uses the same one) and a fixture that fills an
// account's Default workspace with domains, SMTP credentials and campaigns straight in the database.
import { newId } from '../../src/db/ids';
import { secretBox } from '../../src/crypto/secrets';
import { Domain } from '../../src/modules/sending/domain.model';
import { SmtpCredential } from '../../src/modules/sending/smtp-credential.model';
import { Campaign } from '../../src/modules/marketing/campaign.model';
import { MailingList } from '../../src/modules/marketing/list.model';
import { Template } from '../../src/modules/marketing/template.model';
import { User } from '../../src/modules/identity/user.model';
import { Member } from '../../src/modules/accounts/account.model';
import type { TestOwner } from './gateway';

export const DASHBOARD = `query Dashboard { viewer { accounts { id name workspaces { edges { node { id name
  domains(first: 20) { edges { node { id name smtpCredentials { edges { node { id login password } } } } } }
  campaigns(first: 20) { edges { node { id name status list { id name } template { id name } createdBy { id email } } } }
} } } } } }`;

export interface Filled {
  /** Every SMTP password created, in clear (search responses and the audit log for them). */
  passwords: string[];
  credentialIds: string[];
}

/** `domains` domains with `perDomain` SMTP credentials each, and `campaigns` campaigns (own list, template, one of 5 authors). */
export async function fillWorkspace(owner: TestOwner, counts: { domains: number; perDomain: number; campaigns: number }): Promise<Filled> {
  const base = { accountId: owner.accountId, workspaceId: owner.workspaceId, createdBy: owner.userId };
  const box = secretBox();
  const domains = Array.from({ length: counts.domains }, (_, i) => ({
    ...base,
    _id: newId(),
    name: `d${i}-${newId()}.example.com`,
    dkimSelector: 'pst1',
    dkimPublicKey: 'fixture',
    secretEnc: box.seal('fixture private key'),
  }));
  await Domain.insertMany(domains);
  const passwords: string[] = [];
  const creds = domains.flatMap((d) =>
    Array.from({ length: counts.perDomain }, (_, j) => {
      const password = `Pw-${newId()}`;
      passwords.push(password);
      return { ...base, _id: newId(), domainId: d._id, localPart: `user${j}`, passwordEnc: box.seal(password) };
    }),
  );
  if (creds.length) await SmtpCredential.insertMany(creds);

  const authors = Array.from({ length: 5 }, (_, i) => ({
    _id: newId(),
    email: `author${i}-${newId()}@example.com`,
    passwordHash: 'fixture',
    name: `Author ${i}`,
  }));
  await User.insertMany(authors);
  // Authors are members of the account (contact data shows to those who may see its members).
  await Member.insertMany(authors.map((u) => ({ accountId: owner.accountId, userId: u._id, createdBy: owner.userId })));
  const lists = Array.from({ length: counts.campaigns }, (_, i) => ({ ...base, _id: newId(), name: `List ${i}` }));
  const templates = Array.from({ length: counts.campaigns }, (_, i) => ({ ...base, _id: newId(), name: `Template ${i}`, html: '<p/>' }));
  if (counts.campaigns) {
    await MailingList.insertMany(lists);
    await Template.insertMany(templates);
    await Campaign.insertMany(
      lists.map((l, i) => ({
        ...base,
        name: `Campaign ${i}`,
        subject: 'S',
        listId: l._id,
        templateId: templates[i]!._id,
        createdBy: authors[i % 5]!._id,
      })),
    );
  }
  return { passwords, credentialIds: creds.map((c) => c._id) };
}
