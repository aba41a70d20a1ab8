// Webhooks, suppressions and authorized recipients of a domain; routes of a workspace.
import { errorCode, startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { auditEvents, badInput, createDomain, memberWithRole, ok, rawCount, uniqueDomain } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
let stranger: TestOwner;
let domainId: string;

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  stranger = await gw.signUp();
  domainId = await createDomain(gw, owner, uniqueDomain('kids'));
});
afterAll(() => gw.stop());

describe('webhooks', () => {
  const CREATE = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { id event url domain { id } } }`;
  const UPDATE = `mutation($id: ID!, $input: UpdateWebhookInput!) { updateWebhook(id: $id, input: $input) { id event url } }`;
  const DELETE = `mutation($id: ID!) { deleteWebhook(id: $id) }`;
  const LIST = `query($id: ID!, $first: Int, $after: String) { domain(id: $id) {
    webhooks(first: $first, after: $after) { edges { node { id event url } } pageInfo { hasNextPage endCursor } } } }`;

  it('creates, pages, updates and deletes webhooks (audited)', async () => {
    const h1 = ok(
      await gw.gql(CREATE, { input: { domainId, event: 'DELIVERED', url: 'https://hooks.example.com/delivered' } }, owner.token),
    ).createWebhook;
    expect(h1).toMatchObject({ event: 'DELIVERED', url: 'https://hooks.example.com/delivered', domain: { id: domainId } });
    const h2 = ok(
      await gw.gql(CREATE, { input: { domainId, event: 'OPENED', url: 'http://hooks.example.com/o' } }, owner.token),
    ).createWebhook;
    const p1 = ok(await gw.gql(LIST, { id: domainId, first: 1 }, owner.token)).domain.webhooks;
    const p2 = ok(await gw.gql(LIST, { id: domainId, first: 1, after: p1.pageInfo.endCursor }, owner.token)).domain.webhooks;
    expect([p1.pageInfo.hasNextPage, p2.pageInfo.hasNextPage]).toEqual([true, false]);
    expect([p1.edges[0].node.id, p2.edges[0].node.id]).toEqual([h1.id, h2.id]);

    const u = ok(
      await gw.gql(UPDATE, { id: h2.id, input: { event: 'CLICKED', url: 'https://hooks.example.com/c' } }, owner.token),
    ).updateWebhook;
    expect(u).toMatchObject({ event: 'CLICKED', url: 'https://hooks.example.com/c' });
    // Moving onto an existing (event, url) pair is refused and changes nothing.
    const dup = await gw.gql(UPDATE, { id: h2.id, input: { event: 'DELIVERED', url: 'https://hooks.example.com/delivered' } }, owner.token);
    expect(badInput(dup)).toEqual({ code: 'BAD_USER_INPUT', field: 'url' });
    expect(ok(await gw.gql(LIST, { id: domainId }, owner.token)).domain.webhooks.edges[1].node.event).toBe('CLICKED');

    expect(errorCode(await gw.gql(DELETE, { id: h1.id }, stranger.token))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(UPDATE, { id: h1.id, input: { event: 'OPENED' } }, stranger.token))).toBe('NOT_FOUND');
    expect(ok(await gw.gql(DELETE, { id: h1.id }, owner.token)).deleteWebhook).toBe(true);
    expect(errorCode(await gw.gql(DELETE, { id: h1.id }, owner.token))).toBe('NOT_FOUND');
    const actions = (await auditEvents(owner.accountId)).filter((e) => e.target.id === h1.id).map((e) => e.action);
    expect(actions).toEqual(['webhook.created', 'webhook.deleted']);
  });

  it.each([
    ['ftp scheme', 'ftp://hooks.example.com/x'],
    ['javascript', 'javascript:alert(1)'],
    ['relative', '/hooks'],
    ['credentials', 'https://user:pw@hooks.example.com/'],
    ['too long', `https://hooks.example.com/${'a'.repeat(2100)}`],
  ])('refuses a bad url (%s) and creates nothing', async (_why, url) => {
    const before = await rawCount('Webhook', { domainId });
    expect(badInput(await gw.gql(CREATE, { input: { domainId, event: 'ACCEPTED', url } }, owner.token))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'url',
    });
    expect(await rawCount('Webhook', { domainId })).toBe(before);
  });

  it('refuses an unknown event and another account creating on this domain', async () => {
    expect(errorCode(await gw.gql(CREATE, { input: { domainId, event: 'EXPLODED', url: 'https://x.example.com' } }, owner.token))).toBe(
      'BAD_USER_INPUT',
    );
    expect(errorCode(await gw.gql(CREATE, { input: { domainId, event: 'OPENED', url: 'https://x.example.com' } }, stranger.token))).toBe(
      'NOT_FOUND',
    );
  });
});

describe('routes', () => {
  const CREATE = `mutation($input: CreateRouteInput!) { createRoute(input: $input) { id expression actions priority description workspace { id } } }`;
  const UPDATE = `mutation($id: ID!, $input: UpdateRouteInput!) { updateRoute(id: $id, input: $input) { id expression actions priority description } }`;
  const DELETE = `mutation($id: ID!) { deleteRoute(id: $id) }`;
  const LIST = `query($id: ID!, $first: Int, $after: String) { workspace(id: $id) {
    routes(first: $first, after: $after) { edges { node { id priority } } pageInfo { hasNextPage endCursor } } } }`;
  const valid = () => ({
    workspaceId: owner.workspaceId,
    expression: 'match_recipient(".*@support.example.com") and match_header("subject", "urgent")',
    actions: ['forward("oncall@example.com")', 'store(notify="https://hooks.example.com/in")', 'stop()'],
    priority: 0,
    description: 'Urgent support',
  });

  it('creates, pages, updates and deletes routes (audited)', async () => {
    const r1 = ok(await gw.gql(CREATE, { input: valid() }, owner.token)).createRoute;
    expect(r1).toMatchObject({ priority: 0, description: 'Urgent support', workspace: { id: owner.workspaceId } });
    expect(r1.actions).toHaveLength(3);
    const r2 = ok(
      await gw.gql(CREATE, { input: { ...valid(), expression: 'catch_all()', actions: ['stop()'], priority: 10 } }, owner.token),
    ).createRoute;
    const p1 = ok(await gw.gql(LIST, { id: owner.workspaceId, first: 1 }, owner.token)).workspace.routes;
    const p2 = ok(await gw.gql(LIST, { id: owner.workspaceId, first: 1, after: p1.pageInfo.endCursor }, owner.token)).workspace.routes;
    expect([p1.edges[0].node.id, p2.edges[0].node.id]).toEqual([r1.id, r2.id]);

    const u = ok(
      await gw.gql(
        UPDATE,
        { id: r2.id, input: { priority: 5, actions: ['forward("https://in.example.com/mail")'], description: '' } },
        owner.token,
      ),
    ).updateRoute;
    expect(u).toMatchObject({
      priority: 5,
      actions: ['forward("https://in.example.com/mail")'],
      description: null,
      expression: 'catch_all()',
    });
    expect(badInput(await gw.gql(UPDATE, { id: r2.id, input: { priority: -1 } }, owner.token))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'priority',
    });

    expect(errorCode(await gw.gql(DELETE, { id: r1.id }, stranger.token))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(CREATE, { input: valid() }, stranger.token))).toBe('NOT_FOUND');
    expect(ok(await gw.gql(DELETE, { id: r1.id }, owner.token)).deleteRoute).toBe(true);
    expect(errorCode(await gw.gql(UPDATE, { id: r1.id, input: { priority: 1 } }, owner.token))).toBe('NOT_FOUND');
    const actions = (await auditEvents(owner.accountId)).filter((e) => e.target.type === 'Route').map((e) => e.action);
    expect(actions).toEqual(['route.created', 'route.created', 'route.updated', 'route.deleted']);
  });

  it.each([
    ['expression', { expression: 'drop table routes' }],
    ['expression', { expression: '' }],
    ['actions', { actions: [] }],
    ['actions', { actions: ['delete()'] }],
    ['actions', { actions: ['forward("not an address")'] }],
    ['actions', { actions: Array(11).fill('stop()') }],
    ['priority', { priority: -1 }],
    ['priority', { priority: 40000 }],
    ['description', { description: 'd'.repeat(501) }],
  ])('refuses bad input (%s) and creates nothing', async (field, bad) => {
    const before = await rawCount('Route', { workspaceId: owner.workspaceId });
    expect(badInput(await gw.gql(CREATE, { input: { ...valid(), ...bad } }, owner.token))).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(await rawCount('Route', { workspaceId: owner.workspaceId })).toBe(before);
  });
});

describe('suppressions and authorized recipients', () => {
  const ADD = `mutation($input: AddSuppressionInput!) { addSuppression(input: $input) { id type address reason } }`;
  const REMOVE = `mutation($id: ID!) { removeSuppression(id: $id) }`;
  const ADD_R = `mutation($input: AddAuthorizedRecipientInput!) { addAuthorizedRecipient(input: $input) { id email } }`;
  const REMOVE_R = `mutation($id: ID!) { removeAuthorizedRecipient(id: $id) }`;
  const LIST = `query($id: ID!, $first: Int, $after: String) { domain(id: $id) {
    suppressions(first: $first, after: $after) { edges { node { id type address } } pageInfo { hasNextPage endCursor } }
    authorizedRecipients(first: $first, after: $after) { edges { node { id email } } pageInfo { hasNextPage endCursor } } } }`;

  it('adds, pages and removes suppressions: unique per domain and type', async () => {
    const s1 = ok(
      await gw.gql(ADD, { input: { domainId, type: 'BOUNCE', address: ' Bounced@Example.ORG ', reason: '550 no such user' } }, owner.token),
    ).addSuppression;
    expect(s1).toMatchObject({ type: 'BOUNCE', address: 'bounced@example.org', reason: '550 no such user' });
    // Same address, another type: fine. Same type again (any case): refused.
    const s2 = ok(
      await gw.gql(ADD, { input: { domainId, type: 'UNSUBSCRIBE', address: 'bounced@example.org' } }, owner.token),
    ).addSuppression;
    const dup = await gw.gql(ADD, { input: { domainId, type: 'BOUNCE', address: 'BOUNCED@example.org' } }, owner.token);
    expect(badInput(dup)).toEqual({ code: 'BAD_USER_INPUT', field: 'address' });
    expect(await rawCount('Suppression', { domainId })).toBe(2);
    expect(badInput(await gw.gql(ADD, { input: { domainId, type: 'COMPLAINT', address: 'no-at-sign' } }, owner.token))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'address',
    });
    expect(
      badInput(
        await gw.gql(ADD, { input: { domainId, type: 'COMPLAINT', address: 'a@example.org', reason: 'r'.repeat(501) } }, owner.token),
      ),
    ).toEqual({ code: 'BAD_USER_INPUT', field: 'reason' });
    expect(await rawCount('Suppression', { domainId })).toBe(2);

    const p1 = ok(await gw.gql(LIST, { id: domainId, first: 1 }, owner.token)).domain.suppressions;
    const p2 = ok(await gw.gql(LIST, { id: domainId, first: 1, after: p1.pageInfo.endCursor }, owner.token)).domain.suppressions;
    expect([p1.edges[0].node.id, p2.edges[0].node.id]).toEqual([s1.id, s2.id]);

    expect(errorCode(await gw.gql(REMOVE, { id: s1.id }, stranger.token))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(ADD, { input: { domainId, type: 'BOUNCE', address: 'x@example.org' } }, stranger.token))).toBe(
      'NOT_FOUND',
    );
    expect(ok(await gw.gql(REMOVE, { id: s1.id }, owner.token)).removeSuppression).toBe(true);
    expect(errorCode(await gw.gql(REMOVE, { id: s1.id }, owner.token))).toBe('NOT_FOUND');
    const actions = (await auditEvents(owner.accountId)).filter((e) => e.target.id === s1.id).map((e) => e.action);
    expect(actions).toEqual(['suppression.added', 'suppression.removed']);
  });

  it('adds, pages and removes authorized recipients: unique per domain', async () => {
    const a1 = ok(await gw.gql(ADD_R, { input: { domainId, email: 'Tester@Example.org' } }, owner.token)).addAuthorizedRecipient;
    expect(a1.email).toBe('tester@example.org');
    const a2 = ok(await gw.gql(ADD_R, { input: { domainId, email: 'qa@example.org' } }, owner.token)).addAuthorizedRecipient;
    expect(badInput(await gw.gql(ADD_R, { input: { domainId, email: 'TESTER@example.org' } }, owner.token))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'email',
    });
    expect(badInput(await gw.gql(ADD_R, { input: { domainId, email: 'x@y' } }, owner.token))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'email',
    });
    expect(await rawCount('AuthorizedRecipient', { domainId })).toBe(2);
    // The same address on another domain is fine.
    const other = await createDomain(gw, owner, uniqueDomain('other'));
    ok(await gw.gql(ADD_R, { input: { domainId: other, email: 'tester@example.org' } }, owner.token));

    const p1 = ok(await gw.gql(LIST, { id: domainId, first: 1 }, owner.token)).domain.authorizedRecipients;
    const p2 = ok(await gw.gql(LIST, { id: domainId, first: 1, after: p1.pageInfo.endCursor }, owner.token)).domain.authorizedRecipients;
    expect([p1.edges[0].node.id, p2.edges[0].node.id]).toEqual([a1.id, a2.id]);

    expect(errorCode(await gw.gql(REMOVE_R, { id: a1.id }, stranger.token))).toBe('NOT_FOUND');
    expect(ok(await gw.gql(REMOVE_R, { id: a1.id }, owner.token)).removeAuthorizedRecipient).toBe(true);
    expect(errorCode(await gw.gql(REMOVE_R, { id: a1.id }, owner.token))).toBe('NOT_FOUND');
  });

  it('a viewer role without the permission gets FORBIDDEN with the missing permission', async () => {
    const viewer = await memberWithRole(gw, owner, 'viewer');
    const r = await gw.gql(ADD, { input: { domainId, type: 'BOUNCE', address: 'v@example.org' } }, viewer.token);
    expect(errorCode(r)).toBe('FORBIDDEN');
    expect(r.body.errors![0]!.extensions).toMatchObject({ permission: 'suppressions:create', scope: { type: 'DOMAIN', id: domainId } });
  });
});
