// Mautic's dashboard: each user's own widgets in an account. What a widget shows is computed per
// request from the viewer's permissions at that moment, never stored.
import { model, type Model } from 'mongoose';
import { docSchema, inAccount, type BaseDoc, type InAccount } from '../../db';

export const WIDGET_KINDS = ['EMAIL_STATS', 'CAMPAIGNS', 'CONTACTS', 'TEMPLATES', 'FORMS', 'AUTOMATIONS'] as const;
export type WidgetKind = (typeof WIDGET_KINDS)[number];

export interface DashboardWidgetDoc extends BaseDoc, InAccount {
  userId: string;
  kind: WidgetKind;
  title: string;
}

const schema = docSchema<DashboardWidgetDoc>({
  ...inAccount(),
  userId: { type: String, required: true },
  kind: { type: String, required: true, enum: WIDGET_KINDS },
  title: { type: String, required: true },
});
schema.index({ userId: 1, accountId: 1, _id: 1 });
schema.index({ accountId: 1 });

export const DashboardWidget: Model<DashboardWidgetDoc> = model<DashboardWidgetDoc>('DashboardWidget', schema);
