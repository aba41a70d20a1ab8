// exportReport: a domain's or campaign's report as CSV (csv-stringify), audited.
import { csvText } from '../../csv';
import type { ExportReportInput } from '../../generated';
import type { Context } from '../../graphql';
import { BadInputError } from '../../errors';
import type { DomainDoc } from '../sending/domain.model';
import type { CampaignDoc } from '../marketing/campaign.model';
import { COUNT_KEYS, buildReport, reportRange } from './report.service';

export async function exportReport(ctx: Context, input: ExportReportInput): Promise<string> {
  const { type, id } = input.scope;
  if (type !== 'DOMAIN' && type !== 'CAMPAIGN') throw new BadInputError('Reports are of a DOMAIN or a CAMPAIGN', 'scope');
  const range = reportRange(input.from, input.to);
  const node =
    type === 'DOMAIN' ? await ctx.loaders.existing<DomainDoc>('Domain', id) : await ctx.loaders.existing<CampaignDoc>('Campaign', id);
  const report = await buildReport(type === 'DOMAIN' ? { domainId: id } : { campaignId: id }, range);
  const rows = [...report.days, { day: 'total', ...report.total }];
  const csv = csvText(rows, ['day', ...COUNT_KEYS]);
  await ctx.audit.record({
    accountId: node.accountId,
    workspaceId: node.workspaceId,
    action: 'report.exported',
    target: { type: type === 'DOMAIN' ? 'Domain' : 'Campaign', id },
    meta: { from: range.from.toISOString(), to: range.to.toISOString() },
  });
  return csv;
}
