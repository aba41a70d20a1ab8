// Mautic's dashboard (seed: mautic-users-and-roles, MA7): a user limited by their role sees, and may
// create, dashboard widgets only for the data their role lets them view.
import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { UNASSIGN, err, memberWith, ok } from '../access/helpers';
import { installPacks, mutate } from '../../e2e/products/helpers';
import { apiKey, postEvents, sentCampaign } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
let roles: Record<string, string>;

const ADD = `mutation($input: AddDashboardWidgetInput!) { addDashboardWidget(input: $input) { id kind title } }`;
const DASHBOARD = `query($a: ID!) { viewer { dashboard(accountId: $a) { id kind title data { available total byStatus { status count } counts { sent delivered opened } } } } }`;

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  roles = await installPacks(gw, owner, ['MAUTIC', 'MAILTRAP']);
});
afterAll(() => gw.stop());

const add = (token: string, kind: string, title?: string) => gw.gql(ADD, { input: { accountId: owner.accountId, kind, title } }, token);
const board = async (token: string) => ok(await gw.gql(DASHBOARD, { a: owner.accountId }, token)).viewer.dashboard;

describe('dashboard widgets', () => {
  it('MA7: a user whose role lacks a category cannot create widgets for it; their widgets show only what they may view', async () => {
    const m = await memberWith(gw, owner, roles['mautic-campaigns-create']!, { type: 'WORKSPACE', id: owner.workspaceId }, 'mautic');
    // Campaigns the user made, and one the owner made (not theirs to view: "view own").
    await mutate(gw, m.token, 'createCampaign', 'CreateCampaignInput', { workspaceId: owner.workspaceId, name: 'Mine 1' });
    await mutate(gw, m.token, 'createCampaign', 'CreateCampaignInput', { workspaceId: owner.workspaceId, name: 'Mine 2' });
    await mutate(gw, owner.token, 'createCampaign', 'CreateCampaignInput', { workspaceId: owner.workspaceId, name: 'Owner’s' });

    expect(ok(await add(m.token, 'CAMPAIGNS', 'My campaigns')).addDashboardWidget).toMatchObject({
      kind: 'CAMPAIGNS',
      title: 'My campaigns',
    });
    expect(err(await add(m.token, 'CONTACTS'))).toMatchObject({ code: 'FORBIDDEN', permission: 'contacts:view' });
    expect(err(await add(m.token, 'EMAIL_STATS'))).toMatchObject({ code: 'FORBIDDEN', permission: 'reports:view' });
    const [w] = await board(m.token);
    expect(w.data).toEqual({ available: true, total: 2, byStatus: [{ status: 'DRAFT', count: 2 }], counts: null });

    // The owner's widget of the same kind covers all three.
    ok(await add(owner.token, 'CAMPAIGNS'));
    expect((await board(owner.token))[0].data.total).toBe(3);
    // Each user sees only their own dashboard.
    expect(await board(m.token)).toHaveLength(1);
  });

  it("MA7: a widget follows the viewer's permissions: once the role is removed its data is unavailable", async () => {
    const m = await memberWith(gw, owner, roles['mautic-templates-view-others']!, { type: 'WORKSPACE', id: owner.workspaceId }, 'tviewer');
    await mutate(gw, owner.token, 'createTemplate', 'CreateTemplateInput', { workspaceId: owner.workspaceId, name: 'T', html: '<p>x</p>' });
    ok(await add(m.token, 'TEMPLATES'));
    expect((await board(m.token))[0].data).toMatchObject({ available: true, total: 1 });
    ok(await gw.gql(UNASSIGN, { id: m.bindingId }, owner.token));
    expect((await board(m.token))[0].data).toEqual({ available: false, total: null, byStatus: null, counts: null });
  });

  it('an email statistics widget counts only the campaigns the viewer may report on', async () => {
    const key = await apiKey(gw, owner);
    const a = await sentCampaign(gw, owner, 2);
    const b = await sentCampaign(gw, owner, 3);
    const events = [...a.logs, ...b.logs].map((l, i) => ({ id: `d${i}`, type: 'DELIVERED', emailLogId: l }));
    expect((await postEvents(gw, owner.accountId, key, { events })).body.accepted).toBe(5);
    const cv = await memberWith(gw, owner, roles['mailtrap-email-campaign-viewer']!, { type: 'CAMPAIGN', id: a.campaignId }, 'cviewer');
    ok(await add(cv.token, 'EMAIL_STATS'));
    expect((await board(cv.token))[0].data.counts).toEqual({ sent: 2, delivered: 2, opened: 0 });
  });

  it("refuses bad input and other people's widgets", async () => {
    const m = await memberWith(gw, owner, roles['mautic-forms-full']!, { type: 'WORKSPACE', id: owner.workspaceId }, 'forms');
    expect(err(await add(m.token, 'FORMS', 'x'.repeat(101)))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'title' });
    const id = ok(await add(m.token, 'FORMS')).addDashboardWidget.id;
    const other = await gw.signUp();
    expect(err(await gw.gql(`mutation($id: ID!) { removeDashboardWidget(id: $id) }`, { id }, other.token)).code).toBe('NOT_FOUND');
    expect(err(await gw.gql(ADD, { input: { accountId: owner.accountId, kind: 'FORMS' } }, other.token)).code).toBe('NOT_FOUND');
    expect(ok(await gw.gql(`mutation($id: ID!) { removeDashboardWidget(id: $id) }`, { id }, m.token)).removeDashboardWidget).toBe(true);
    expect(await board(m.token)).toEqual([]);
  });
});
