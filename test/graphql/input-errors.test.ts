// A bad value is BAD_USER_INPUT naming its field wherever it came from: written inline in the query
// or sent in variables (GraphQL itself reports the first as a validation failure, the second as a
// variable coercion failure).
import { startTestGateway, type GqlResponse, type TestGateway } from '../helpers/gateway';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.stop());

const first = (r: GqlResponse) => r.body.errors?.[0];

it.each([
  [
    'an input object field',
    'mutation { signUp(input: { email: "not-an-email", password: "Correct-Horse-9-Battery", name: "N", accountName: "A" }) { token } }',
    'mutation($input: SignUpInput!) { signUp(input: $input) { token } }',
    { input: { email: 'not-an-email', password: 'Correct-Horse-9-Battery', name: 'N', accountName: 'A' } },
  ],
  [
    'an argument',
    'mutation { requestPasswordReset(email: "not-an-email") }',
    'mutation($e: EmailAddress!) { requestPasswordReset(email: $e) }',
    { e: 'not-an-email' },
  ],
])('gives %s the same code and field inline and in variables', async (_what, inline, withVariables, variables) => {
  const a = await gw.gql(inline);
  const b = await gw.gql(withVariables, variables);
  expect(first(a)?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
  expect(first(b)?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
  expect(a.status).toBe(b.status);
});

it('leaves other validation failures as they are', async () => {
  const r = await gw.gql('{ noSuchField }');
  expect(first(r)?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
});
