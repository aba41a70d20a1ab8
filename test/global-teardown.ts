import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__POSTERN_EMBEDDED_DB__?.stop();
  if (process.env.POSTERN_TEST_DATA_DIR) rmSync(process.env.POSTERN_TEST_DATA_DIR, { recursive: true, force: true });
}
