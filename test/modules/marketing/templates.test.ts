import { errorCode, startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { CREATE_TEMPLATE, createTemplate, ok } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

const READ = `query($id: ID!) { template(id: $id) { id name html workspace { id } createdBy { id } } }`;

describe('templates', () => {
  it('creates, reads, edits, pages and deletes templates', async () => {
    const created = ok(
      await gw.gql(CREATE_TEMPLATE, { input: { workspaceId: owner.workspaceId, name: 'Welcome', html: '<h1>Hi</h1>' } }, owner.token),
    ).createTemplate;
    expect(created).toEqual({ id: expect.any(String), name: 'Welcome', html: '<h1>Hi</h1>', createdBy: { id: owner.userId } });
    const read = ok(await gw.gql(READ, { id: created.id }, owner.token)).template;
    expect(read.workspace.id).toBe(owner.workspaceId);

    const UPDATE = `mutation($id: ID!, $input: UpdateTemplateInput!) { updateTemplate(id: $id, input: $input) { name html } }`;
    const u = ok(await gw.gql(UPDATE, { id: created.id, input: { html: '<h1>Hello</h1>' } }, owner.token)).updateTemplate;
    expect(u).toEqual({ name: 'Welcome', html: '<h1>Hello</h1>' });

    await createTemplate(gw, owner, '<p>2</p>');
    const PAGE = `query($id: ID!, $after: String) { workspace(id: $id) { templates(first: 1, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } } }`;
    const p1 = ok(await gw.gql(PAGE, { id: owner.workspaceId }, owner.token)).workspace.templates;
    expect(p1.edges[0].node.id).toBe(created.id);
    expect(p1.pageInfo.hasNextPage).toBe(true);
    const p2 = ok(await gw.gql(PAGE, { id: owner.workspaceId, after: p1.pageInfo.endCursor }, owner.token)).workspace.templates;
    expect(p2.pageInfo.hasNextPage).toBe(false);

    expect(ok(await gw.gql(`mutation($id: ID!) { deleteTemplate(id: $id) }`, { id: created.id }, owner.token)).deleteTemplate).toBe(true);
    expect(errorCode(await gw.gql(READ, { id: created.id }, owner.token))).toBe('NOT_FOUND');
  });

  it('refuses HTML over 512 KB and an empty name, on create and update', async () => {
    const big = 'x'.repeat(512 * 1024 + 1);
    const r = await gw.gql(CREATE_TEMPLATE, { input: { workspaceId: owner.workspaceId, name: 'Big', html: big } }, owner.token);
    expect(errorCode(r)).toBe('BAD_USER_INPUT');
    expect(r.body.errors![0]!.extensions!.field).toBe('html');
    // Multi-byte characters count by their bytes.
    const wide = 'é'.repeat(262_145);
    const id = await createTemplate(gw, owner);
    const u = await gw.gql(
      `mutation($id: ID!, $html: String) { updateTemplate(id: $id, input: { html: $html }) { id } }`,
      { id, html: wide },
      owner.token,
    );
    expect(errorCode(u)).toBe('BAD_USER_INPUT');
    const n = await gw.gql(`mutation($id: ID!) { updateTemplate(id: $id, input: { name: " " }) { id } }`, { id }, owner.token);
    expect(n.body.errors![0]!.extensions!.field).toBe('name');
    expect(ok(await gw.gql(READ, { id }, owner.token)).template.html).toBe('<p>Hello {{firstName}}</p>');
  });

  it('clones a template as "Copy of …" in the same workspace', async () => {
    const id = await createTemplate(gw, owner, '<b>body</b>');
    const c = ok(
      await gw.gql(`mutation($id: ID!) { cloneTemplate(id: $id) { id name html workspace { id } } }`, { id }, owner.token),
    ).cloneTemplate;
    expect(c).toEqual({
      id: expect.not.stringMatching(id),
      name: 'Copy of Welcome',
      html: '<b>body</b>',
      workspace: { id: owner.workspaceId },
    });
    const other = await gw.signUp();
    const theirs = await createTemplate(gw, other);
    expect(errorCode(await gw.gql(`mutation($id: ID!) { cloneTemplate(id: $id) { id } }`, { id: theirs }, owner.token))).toBe('NOT_FOUND');
  });
});

describe('automations and forms', () => {
  it.each([
    ['Automation', 'automation', 'automations'],
    ['Form', 'form', 'forms'],
  ])('%s: create, read, rename, publish, unpublish, page, delete', async (T, one, many) => {
    const created = ok(
      await gw.gql(
        `mutation($input: Create${T}Input!) { create${T}(input: $input) { id name published publishedAt } }`,
        {
          input: { workspaceId: owner.workspaceId, name: `My ${one}` },
        },
        owner.token,
      ),
    )[`create${T}`];
    expect(created).toEqual({ id: expect.any(String), name: `My ${one}`, published: false, publishedAt: null });
    const renamed = ok(
      await gw.gql(`mutation($id: ID!) { update${T}(id: $id, input: { name: "Renamed" }) { name } }`, { id: created.id }, owner.token),
    )[`update${T}`];
    expect(renamed.name).toBe('Renamed');
    const pub = ok(await gw.gql(`mutation($id: ID!) { publish${T}(id: $id) { published publishedAt } }`, { id: created.id }, owner.token))[
      `publish${T}`
    ];
    expect(pub.published).toBe(true);
    expect(Number.isNaN(Date.parse(pub.publishedAt))).toBe(false);
    const again = ok(
      await gw.gql(`mutation($id: ID!) { publish${T}(id: $id) { published publishedAt } }`, { id: created.id }, owner.token),
    )[`publish${T}`];
    expect(again).toEqual(pub);
    const read = ok(
      await gw.gql(`query($id: ID!) { ${one}(id: $id) { name published createdBy { id } } }`, { id: created.id }, owner.token),
    )[one];
    expect(read).toEqual({ name: 'Renamed', published: true, createdBy: { id: owner.userId } });
    const unpub = ok(
      await gw.gql(`mutation($id: ID!) { unpublish${T}(id: $id) { published publishedAt } }`, { id: created.id }, owner.token),
    )[`unpublish${T}`];
    expect(unpub).toEqual({ published: false, publishedAt: null });
    const list = ok(
      await gw.gql(`query($id: ID!) { workspace(id: $id) { ${many} { edges { node { id } } } } }`, { id: owner.workspaceId }, owner.token),
    );
    expect(list.workspace[many].edges.map((e: any) => e.node.id)).toContain(created.id);
    const bad = await gw.gql(
      `mutation($input: Create${T}Input!) { create${T}(input: $input) { id } }`,
      { input: { workspaceId: owner.workspaceId, name: 'x'.repeat(101) } },
      owner.token,
    );
    expect(bad.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    expect(ok(await gw.gql(`mutation($id: ID!) { delete${T}(id: $id) }`, { id: created.id }, owner.token))[`delete${T}`]).toBe(true);
    expect(errorCode(await gw.gql(`query($id: ID!) { ${one}(id: $id) { id } }`, { id: created.id }, owner.token))).toBe('NOT_FOUND');
  });
});
