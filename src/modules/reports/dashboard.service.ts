// Dashboard widgets (Mautic MA7): a user adds a widget only for data they may view somewhere in the
// account, and a widget's data covers only what the viewer may view now (it shrinks, or is
// unavailable, when their permissions do).
import mongoose from 'mongoose';
import type { AddDashboardWidgetInput } from '../../generated';
import type { Context } from '../../graphql';
import { permissionBit, heldAnywhere, RESOURCE_TYPES } from '../../authz';
import { BadInputError, ForbiddenError, NotFoundError } from '../../errors';
import { compiledAccounts, heldFilter } from '../navigation/reachable.service';
import { buildReport, reportRange, type Counts } from './report.service';
import { DashboardWidget, WIDGET_KINDS, type DashboardWidgetDoc, type WidgetKind } from './dashboard.model';

const MAX_WIDGETS = 50;
const TITLE_MAX = 100;

/** Each kind: the permission its data needs, and the type it counts. */
const KIND: Record<WidgetKind, { permission: string; model: string; byStatus?: boolean }> = {
  EMAIL_STATS: { permission: 'reports:view', model: '' },
  CAMPAIGNS: { permission: 'campaigns:view', model: 'Campaign', byStatus: true },
  CONTACTS: { permission: 'contacts:view', model: 'Contact' },
  TEMPLATES: { permission: 'templates:view', model: 'Template' },
  FORMS: { permission: 'forms:view', model: 'Form' },
  AUTOMATIONS: { permission: 'automations:view', model: 'Automation' },
};

/** Report subjects: logs and events under a node where reports:view is held. */
const REPORT_CHAIN = ['campaignId', 'domainId', 'workspaceId', 'accountId'];

export async function addDashboardWidget(ctx: Context, input: AddDashboardWidgetInput): Promise<DashboardWidgetDoc> {
  if (!WIDGET_KINDS.includes(input.kind)) throw new BadInputError(`kind must be one of ${WIDGET_KINDS.join(', ')}`, 'kind');
  const title = (input.title ?? '').trim() || input.kind.replace('_', ' ').toLowerCase();
  if (title.length > TITLE_MAX) throw new BadInputError(`title is at most ${TITLE_MAX} characters`, 'title');
  const [compiled] = await compiledAccounts(ctx, input.accountId);
  if (!compiled) throw new NotFoundError('Account', input.accountId);
  const permission = KIND[input.kind].permission;
  // No widget for data the user may not see anywhere in the account (Mautic: no asset widgets without asset permissions).
  if (!heldAnywhere(compiled, permissionBit(permission))) throw new ForbiddenError(permission, { type: 'ACCOUNT', id: input.accountId });
  const count = await DashboardWidget.countDocuments({ userId: ctx.actorId, accountId: input.accountId });
  if (count >= MAX_WIDGETS) throw new BadInputError(`A dashboard holds at most ${MAX_WIDGETS} widgets`, 'kind');
  return (
    await DashboardWidget.create({ accountId: input.accountId, userId: ctx.actorId, kind: input.kind, title, createdBy: ctx.actorId })
  ).toObject();
}

export async function removeDashboardWidget(ctx: Context, id: string): Promise<boolean> {
  const res = await DashboardWidget.deleteOne({ _id: id, userId: ctx.actorId });
  if (res.deletedCount === 0) throw new NotFoundError('DashboardWidget', id);
  return true;
}

export async function dashboard(ctx: Context, accountId: string): Promise<DashboardWidgetDoc[]> {
  const [compiled] = await compiledAccounts(ctx, accountId);
  if (!compiled) return [];
  return DashboardWidget.find({ userId: ctx.actorId, accountId }).sort({ _id: 1 }).lean();
}

export interface WidgetData {
  available: boolean;
  total: number | null;
  byStatus: { status: string; count: number }[] | null;
  counts: Counts | null;
}

const UNAVAILABLE: WidgetData = { available: false, total: null, byStatus: null, counts: null };

/** The widget's data as far as the viewer may see it now. */
export async function widgetData(ctx: Context, w: DashboardWidgetDoc): Promise<WidgetData> {
  const compiled = await compiledAccounts(ctx, w.accountId);
  const kind = KIND[w.kind];
  const bit = permissionBit(kind.permission);
  if (w.kind === 'EMAIL_STATS') {
    const filter = heldFilter(compiled, bit, REPORT_CHAIN);
    if (!filter) return UNAVAILABLE;
    const report = await buildReport(filter, reportRange(null, null));
    return { available: true, total: report.total.sent, byStatus: null, counts: report.total };
  }
  const filter = heldFilter(compiled, bit, RESOURCE_TYPES[kind.model]!.chain);
  if (!filter) return UNAVAILABLE;
  const Model = mongoose.model(kind.model);
  if (kind.byStatus) {
    const groups = await Model.aggregate<{ _id: string; n: number }>([
      { $match: filter },
      { $group: { _id: '$status', n: { $sum: 1 } } },
      { $sort: { _id: 1 } },
    ]);
    return {
      available: true,
      total: groups.reduce((t, g) => t + g.n, 0),
      byStatus: groups.map((g) => ({ status: g._id, count: g.n })),
      counts: null,
    };
  }
  const [row] = await Model.aggregate<{ n: number }>([{ $match: filter }, { $count: 'n' }]);
  return { available: true, total: row?.n ?? 0, byStatus: null, counts: null };
}
