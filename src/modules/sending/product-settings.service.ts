// Renaming a domain (Mailtrap's Domain Admin), setting an API key's expiry (Mailgun's Admin), and a
// sending server's pool and quotas (Mailers.io's infrastructure owners).
import type { Context } from '../../graphql';
import type { RenameDomainInput, SetApiKeyExpiryInput, SetSendingServerPoolInput } from '../../generated';
import { BadInputError } from '../../errors';
import { saveChanges } from '../save';
import { auditView } from './common';
import { cleanInt } from './validate';
import { cleanHostname } from '../../mail';
import { isDuplicateKey } from '../../db';
import { Domain, type DomainDoc } from './domain.model';
import { ApiKey, type ApiKeyDoc } from './api-key.model';
import { SendingServer, type SendingServerDoc } from './sending-server.model';
import { API_KEY_MAX_LIFETIME_MS } from './secrets.service';

/** A new name means new DNS records: the domain is UNVERIFIED until they are published and checked. */
export async function renameDomain(ctx: Context, id: string, input: RenameDomainInput): Promise<DomainDoc> {
  const before = await ctx.loaders.existing<DomainDoc>('Domain', id);
  const name = cleanHostname(input.name, 'name');
  if (name === before.name) return before;
  try {
    return await saveChanges(
      ctx,
      Domain,
      before,
      {
        name,
        state: 'UNVERIFIED',
        verifiedAt: null,
        publishedRecords: [],
        checkMessage: `Renamed from ${before.name}: publish its records again`,
      },
      { action: 'domain.renamed', view: auditView },
    );
  } catch (err) {
    if (isDuplicateKey(err)) throw new BadInputError(`This account already has a domain named ${name}`, 'name');
    throw err;
  }
}

export async function setApiKeyExpiry(ctx: Context, input: SetApiKeyExpiryInput): Promise<ApiKeyDoc> {
  const before = await ctx.loaders.existing<ApiKeyDoc>('ApiKey', input.id);
  let expiresAt: Date | null = null;
  if (input.expiresAt !== null && input.expiresAt !== undefined) {
    const t = new Date(input.expiresAt).getTime();
    if (Number.isNaN(t)) throw new BadInputError('expiresAt must be a date-time', 'expiresAt');
    if (t > Date.now() + API_KEY_MAX_LIFETIME_MS) throw new BadInputError('expiresAt must be within 5 years', 'expiresAt');
    // A past expiry expires the key now (it is not back-dated).
    expiresAt = new Date(Math.max(t, Date.now()));
  }
  return saveChanges(ctx, ApiKey, before, { expiresAt }, { action: 'apiKey.expirySet', view: auditView });
}

const POOL = /^[A-Za-z0-9._-]{1,60}$/;

export async function setSendingServerPool(ctx: Context, input: SetSendingServerPoolInput): Promise<SendingServerDoc> {
  const before = await ctx.loaders.existing<SendingServerDoc>('SendingServer', input.id);
  const pool = (input.pool ?? '').trim() || null;
  if (pool !== null && !POOL.test(pool)) throw new BadInputError('pool must be 1–60 letters, digits, dots, dashes or underscores', 'pool');
  const quota = (v: number | null | undefined, field: string, max: number) =>
    v === null || v === undefined ? null : cleanInt(v, field, 1, max);
  const set = {
    pool,
    dailyQuota: quota(input.dailyQuota, 'dailyQuota', 100_000_000),
    hourlyQuota: quota(input.hourlyQuota, 'hourlyQuota', 10_000_000),
  };
  if (set.dailyQuota !== null && set.hourlyQuota !== null && set.hourlyQuota > set.dailyQuota) {
    throw new BadInputError('hourlyQuota cannot exceed dailyQuota', 'hourlyQuota');
  }
  return saveChanges(ctx, SendingServer, before, set, { action: 'sendingServer.poolSet', view: auditView });
}
