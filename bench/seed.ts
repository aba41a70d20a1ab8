// The dashboard's data: the demo account, grown to a fuller dashboard — in each of its workspaces,
// 5 sending domains with 3 SMTP credentials each (30 passwords per dashboard in all) and 20 campaigns,
// each with a list and a template.
import { secretBox } from '../src/crypto/secrets';
import { randomSecret } from '../src/crypto/tokens';
import { newId } from '../src/db/ids';
import { Workspace } from '../src/modules/accounts/account.model';
import { Domain } from '../src/modules/sending/domain.model';
import { SmtpCredential } from '../src/modules/sending/smtp-credential.model';
import { Campaign } from '../src/modules/marketing/campaign.model';
import { MailingList } from '../src/modules/marketing/list.model';
import { Template } from '../src/modules/marketing/template.model';

export const DOMAINS_PER_WORKSPACE = 5;
export const CREDENTIALS_PER_DOMAIN = 3;
export const CAMPAIGNS_PER_WORKSPACE = 20;

export async function growDashboard(accountId: string, ownerId: string): Promise<string> {
  const box = secretBox();
  const workspaces = await Workspace.find({ accountId }).lean();
  for (const ws of workspaces) {
    const base = { accountId, workspaceId: ws._id, createdBy: ownerId };
    const domains = await Domain.find({ workspaceId: ws._id }).lean();
    const newDomains = Array.from({ length: Math.max(0, DOMAINS_PER_WORKSPACE - domains.length) }, (_, i) => ({
      _id: newId(),
      ...base,
      name: `d${i}.${ws._id}.bench.example.com`,
      dkimSelector: 'pst',
      dkimPublicKey: 'MIIB',
      secretEnc: box.seal(randomSecret(32)),
    }));
    await Domain.insertMany(newDomains);
    for (const d of [...domains, ...newDomains]) {
      const have = await SmtpCredential.countDocuments({ domainId: d._id });
      const creds = Array.from({ length: Math.max(0, CREDENTIALS_PER_DOMAIN - have) }, (_, i) => ({
        ...base,
        domainId: d._id,
        localPart: `bench${i}`,
        passwordEnc: box.seal(randomSecret(24)),
      }));
      await SmtpCredential.insertMany(creds);
    }
    const campaigns = await Campaign.countDocuments({ workspaceId: ws._id });
    if (campaigns >= CAMPAIGNS_PER_WORKSPACE) continue;
    const list =
      (await MailingList.findOne({ workspaceId: ws._id }).lean()) ?? (await MailingList.create({ ...base, name: 'Bench list' })).toObject();
    const template =
      (await Template.findOne({ workspaceId: ws._id }).lean()) ??
      (await Template.create({ ...base, name: 'Bench template', html: '<p>Hi</p>' })).toObject();
    await Campaign.insertMany(
      Array.from({ length: CAMPAIGNS_PER_WORKSPACE - campaigns }, (_, i) => ({
        ...base,
        name: `Bench campaign ${i}`,
        subject: `Issue ${i}`,
        status: 'DRAFT',
        listId: list._id,
        templateId: template._id,
        fromEmail: 'news@example.com',
      })),
    );
  }
  return `${workspaces.length} workspaces, each with ${DOMAINS_PER_WORKSPACE} domains of ${CREDENTIALS_PER_DOMAIN} SMTP credentials and ${CAMPAIGNS_PER_WORKSPACE} campaigns with their list and template`;
}
