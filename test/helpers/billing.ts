// Puts an account on a plan the way its owner would: updateBilling with a card on file (paid plans need one).
import type { TestGateway, TestOwner } from './gateway';

export const TEST_CARD = { number: '4242424242424242', expMonth: 12, expYear: new Date().getUTCFullYear() + 2, cvc: '123' };

export async function onPlan(gw: TestGateway, owner: Pick<TestOwner, 'token' | 'accountId'>, plan: string): Promise<void> {
  const r = await gw.gql(
    `mutation($input: UpdateBillingInput!) { updateBilling(input: $input) { plan } }`,
    { input: { accountId: owner.accountId, plan, card: TEST_CARD } },
    owner.token,
  );
  if (r.body.errors || r.body.data?.updateBilling?.plan !== plan) throw new Error(`updateBilling failed: ${r.text}`);
}
