// Documents that lapse — sessions, email links, second-factor challenges, SSO sign-in attempts and link
// claims, pending SSO changes — carry `expiresAt`, and every reader refuses one past it. Nothing removed
// them, so they piled up for ever. MongoDB's TTL indexes would; the embedded store has none, so each
// replica deletes, once an hour, what lapsed more than a day ago (the day leaves a lapsed link or session
// to be looked at while someone asks why it no longer works). Deleting is idempotent: replicas may overlap.
import type { Logger } from 'pino';
import type { Model } from 'mongoose';

export const SWEEP_GRACE_MS = 24 * 60 * 60 * 1000;
export const SWEEP_EVERY_MS = 60 * 60 * 1000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any model with an `expiresAt` date
export type Expiring = Model<any>;

/** Deletes the documents of `models` whose `expiresAt` is more than SWEEP_GRACE_MS before `now`; counts per model. */
export async function sweepExpired(models: readonly Expiring[], now = new Date()): Promise<Record<string, number>> {
  const before = new Date(now.getTime() - SWEEP_GRACE_MS);
  const deleted: Record<string, number> = {};
  for (const m of models) deleted[m.modelName] = (await m.deleteMany({ expiresAt: { $lt: before } })).deletedCount;
  return deleted;
}

export interface Sweeper {
  /** One pass now (the tests call it; the timer calls it hourly). */
  sweep(now?: Date): Promise<Record<string, number>>;
  stop(): void;
}

/** Sweeps `models` every SWEEP_EVERY_MS (never when `every` is 0), logging what it removed. */
export function startSweeper(models: readonly Expiring[], log: Logger, every = SWEEP_EVERY_MS): Sweeper {
  const sweep = async (now = new Date()) => {
    const deleted = await sweepExpired(models, now);
    const total = Object.values(deleted).reduce((a, b) => a + b, 0);
    if (total) log.info({ deleted }, 'expired sessions, links and sign-in attempts removed');
    return deleted;
  };
  const timer =
    every > 0
      ? setInterval(() => {
          sweep().catch((err: unknown) => log.warn({ err }, 'sweeping expired documents failed: will try again'));
        }, every)
      : null;
  timer?.unref();
  return {
    sweep,
    stop: () => {
      if (timer) clearInterval(timer);
    },
  };
}
