// Demo data for the embedded default: seeded on first start (an empty database), and by
// `npm run seed:demo`. Prints the demo owner's login.
import type { Logger } from 'pino';
import { User } from '../modules/identity/model';
import { hashPassword } from '../crypto/passwords';
import { createAccount } from '../modules/accounts/service';

export const DEMO_OWNER = { email: 'owner@demo.postern.dev', password: 'Demo-Owner-2026!', name: 'Dana Demo' };

export async function seedDemoIfEmpty(log: Logger): Promise<boolean> {
  if (await User.exists({})) return false;
  await seedDemo(log);
  return true;
}

export async function seedDemo(log: Logger): Promise<void> {
  const user = await User.create({ email: DEMO_OWNER.email, name: DEMO_OWNER.name, passwordHash: await hashPassword(DEMO_OWNER.password) });
  const { account } = await createAccount(user._id, 'Demo Mail Co');
  log.info({ accountId: account._id }, 'seeded demo account');
  console.log(`\n  Demo owner login: ${DEMO_OWNER.email} / ${DEMO_OWNER.password}\n`);
}
