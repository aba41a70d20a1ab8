// Mailers.io custom roles (seed: mailers-io-custom-roles), the statements added by issue 9.
import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { err, memberWith, ok, wsScope } from '../../modules/access/helpers';
import { installPacks, mutate } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
let roles: Record<string, string>;

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  roles = await installPacks(gw, owner, ['MAILERS_IO']);
});
afterAll(() => gw.stop());

describe('Mailers.io', () => {
  it('MI5: the clone-only template operator clones shared templates and edits the copy, never the original', async () => {
    const shared = await mutate(gw, owner.token, 'createTemplate', 'CreateTemplateInput', {
      workspaceId: owner.workspaceId,
      name: 'Brand',
      html: '<p>Brand</p>',
    });
    const op = await memberWith(gw, owner, roles['mailersio-templates-clone']!, wsScope(owner), 'operator');
    const copy = ok(
      await gw.gql(`mutation($id: ID!) { cloneTemplate(id: $id) { id name html } }`, { id: shared.id }, op.token),
    ).cloneTemplate;
    expect(copy).toMatchObject({ name: 'Copy of Brand', html: '<p>Brand</p>' });
    const UPDATE = `mutation($id: ID!, $input: UpdateTemplateInput!) { updateTemplate(id: $id, input: $input) { id html } }`;
    expect(ok(await gw.gql(UPDATE, { id: copy.id, input: { html: '<p>Spring</p>' } }, op.token)).updateTemplate.html).toBe('<p>Spring</p>');
    expect(err(await gw.gql(UPDATE, { id: shared.id, input: { html: '<p>oops</p>' } }, op.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'templates:edit',
    });
    expect(err(await gw.gql(`mutation($id: ID!) { deleteTemplate(id: $id) }`, { id: shared.id }, op.token)).code).toBe('FORBIDDEN');
  });

  it('MI6: pools and quotas of sending servers are editable only by infrastructure owners', async () => {
    const server = await mutate(gw, owner.token, 'createSendingServer', 'CreateSendingServerInput', {
      workspaceId: owner.workspaceId,
      name: 'Relay',
      provider: 'SMTP',
      host: 'smtp.relay.example.com',
      port: 587,
      username: 'relay',
      password: 'relay-secret-1',
    });
    const POOL = `mutation($input: SetSendingServerPoolInput!) { setSendingServerPool(input: $input) { id pool dailyQuota hourlyQuota } }`;
    const infra = await memberWith(gw, owner, roles['mailersio-servers-full']!, wsScope(owner), 'infra');
    expect(
      ok(await gw.gql(POOL, { input: { id: server.id, pool: 'transactional', dailyQuota: 50000, hourlyQuota: 5000 } }, infra.token))
        .setSendingServerPool,
    ).toEqual({
      id: server.id,
      pool: 'transactional',
      dailyQuota: 50000,
      hourlyQuota: 5000,
    });
    const campaigns = await memberWith(gw, owner, roles['mailersio-campaigns-full']!, wsScope(owner), 'marketer');
    expect(err(await gw.gql(POOL, { input: { id: server.id, pool: 'bulk' } }, campaigns.token)).code).toBe('FORBIDDEN');
    const reader = await memberWith(gw, owner, roles['mailersio-servers-read']!, wsScope(owner), 'reader');
    expect(err(await gw.gql(POOL, { input: { id: server.id, pool: 'bulk' } }, reader.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'sendingServers:edit',
    });
    expect(
      ok(await gw.gql(`query($id: ID!) { sendingServer(id: $id) { pool dailyQuota } }`, { id: server.id }, reader.token)).sendingServer,
    ).toEqual({ pool: 'transactional', dailyQuota: 50000 });
    expect(err(await gw.gql(POOL, { input: { id: server.id, dailyQuota: 10, hourlyQuota: 20 } }, infra.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'hourlyQuota',
    });
    expect(err(await gw.gql(POOL, { input: { id: server.id, pool: 'no spaces' } }, infra.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'pool',
    });
    expect(err(await gw.gql(POOL, { input: { id: server.id, dailyQuota: 0 } }, infra.token))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'dailyQuota',
    });
  });
});
