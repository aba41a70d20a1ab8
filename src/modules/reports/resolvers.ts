import type { Resolvers } from '../../graphql/generated';
import { buildReport, reportRange } from './report.service';
import { exportReport } from './export.service';

export const reportsResolvers: Resolvers = {
  Domain: {
    report: (d, { from, to }) => buildReport({ domainId: d._id }, reportRange(from, to)),
  },
  Campaign: {
    report: (c, { from, to }) => buildReport({ campaignId: c._id }, reportRange(from, to)),
  },
  Mutation: {
    exportReport: (_, { input }, ctx) => exportReport(ctx, input),
  },
};
