import type { Resolvers } from '../../generated';
import { buildReport, reportRange } from './report.service';
import { exportReport } from './export.service';
import { addDashboardWidget, dashboard, removeDashboardWidget, widgetData } from './dashboard.service';

export const reportsResolvers: Resolvers = {
  Domain: {
    report: (d, { from, to }) => buildReport({ domainId: d._id }, reportRange(from, to)),
  },
  Campaign: {
    report: (c, { from, to }) => buildReport({ campaignId: c._id }, reportRange(from, to)),
  },
  Mutation: {
    exportReport: (_, { input }, ctx) => exportReport(ctx, input),
    addDashboardWidget: (_, { input }, ctx) => addDashboardWidget(ctx, input),
    removeDashboardWidget: (_, { id }, ctx) => removeDashboardWidget(ctx, id),
  },
  Viewer: {
    dashboard: (_, { accountId }, ctx) => dashboard(ctx, accountId),
  },
  DashboardWidget: {
    id: (w) => w._id,
    data: (w, _, ctx) => widgetData(ctx, w),
  },
};
