// Secrets of the sending area: SMTP credentials (generated password), account API keys (generated
// secret, rotatable) and sending servers (password given by the user). All sealed with AES-256-GCM;
// every create, rotate, change and delete is audited (the diffs never hold a secret).
import type { Context } from '../../graphql';
import type { CreateApiKeyInput, CreateSendingServerInput, CreateSmtpCredentialInput, UpdateSendingServerInput } from '../../generated';
import { createInWorkspace, createRecorded, deleteRecorded, saveChanges } from '../save';
import { BadInputError } from '../../errors';
import { secretBox, randomSecret } from '../../crypto';
import type { DomainDoc } from './domain.model';
import { SmtpCredential, type SmtpCredentialDoc } from './smtp-credential.model';
import { ApiKey, type ApiKeyDoc } from './api-key.model';
import { SendingServer, type SendingServerDoc } from './sending-server.model';
import { auditView, changedOnly } from './common';
import { cleanHost, cleanInt, cleanText } from './validate';
import { cleanLocalPart } from '../../mail';

export const NAME_MAX = 100;
export const USERNAME_MAX = 255;
export const PASSWORD_MAX = 1024;
/** An API key may be set to expire at most this far ahead. */
export const API_KEY_MAX_LIFETIME_MS = 5 * 366 * 24 * 3600 * 1000;

// ---------------------------------------------------------------------------------------------
// SMTP credentials

export async function createSmtpCredential(ctx: Context, input: CreateSmtpCredentialInput): Promise<SmtpCredentialDoc> {
  const domain = await ctx.loaders.existing<DomainDoc>('Domain', input.domainId);
  let login = input.login.trim().toLowerCase();
  const at = login.lastIndexOf('@');
  if (at >= 0) {
    if (login.slice(at + 1) !== domain.name) throw new BadInputError(`login must be a mailbox at ${domain.name}`, 'login');
    login = login.slice(0, at);
  }
  const localPart = cleanLocalPart(login, 'login');
  const duplicate = { field: 'login', message: `The login ${localPart}@${domain.name} already exists` };
  if (await SmtpCredential.exists({ domainId: domain._id, localPart })) throw new BadInputError(duplicate.message, duplicate.field);
  return createRecorded(
    ctx,
    SmtpCredential,
    {
      accountId: domain.accountId,
      workspaceId: domain.workspaceId,
      domainId: domain._id,
      localPart,
      passwordEnc: secretBox().seal(randomSecret(24)),
      createdBy: ctx.actorId,
    },
    { action: 'smtpCredential.created', view: auditView, meta: { domain: domain.name }, duplicate },
  );
}

export async function deleteSmtpCredential(ctx: Context, id: string): Promise<boolean> {
  const before = await ctx.loaders.existing<SmtpCredentialDoc>('SmtpCredential', id);
  return deleteRecorded(ctx, SmtpCredential, before, { action: 'smtpCredential.deleted', view: auditView });
}

// ---------------------------------------------------------------------------------------------
// API keys

function newApiKeySecret(): string {
  return `key-${randomSecret(32)}`;
}

/** A new secret, sealed, with the hint the PARTIAL mask shows (its last 4 characters). */
function sealedApiKeySecret(): { secretEnc: string; secretHint: string } {
  const secret = newApiKeySecret();
  return { secretEnc: secretBox().seal(secret), secretHint: secret.length > 4 ? secret.slice(-4) : '' };
}

export async function createApiKey(ctx: Context, input: CreateApiKeyInput): Promise<ApiKeyDoc> {
  const name = cleanText(input.name, 'name', NAME_MAX);
  let expiresAt: Date | null = null;
  if (input.expiresAt) {
    const t = new Date(input.expiresAt).getTime();
    if (!(t > Date.now())) throw new BadInputError('expiresAt must be in the future', 'expiresAt');
    if (t > Date.now() + API_KEY_MAX_LIFETIME_MS) throw new BadInputError('expiresAt must be within 5 years', 'expiresAt');
    expiresAt = new Date(t);
  }
  return createRecorded(
    ctx,
    ApiKey,
    { accountId: input.accountId, name, ...sealedApiKeySecret(), expiresAt, createdBy: ctx.actorId },
    { action: 'apiKey.created', view: auditView },
  );
}

/** A new secret replaces the old one, which stops working at once. */
export async function rotateApiKey(ctx: Context, id: string): Promise<ApiKeyDoc> {
  const before = await ctx.loaders.existing<ApiKeyDoc>('ApiKey', id);
  const after = await ApiKey.findOneAndUpdate(
    { _id: id },
    { $set: { ...sealedApiKeySecret(), rotatedAt: new Date() } },
    { returnDocument: 'after' },
  ).lean();
  if (!after) throw new BadInputError('The API key was deleted meanwhile', 'id');
  ctx.loaders.prime('ApiKey', after);
  await ctx.audit.change({
    accountId: after.accountId,
    action: 'apiKey.rotated',
    target: { type: 'ApiKey', id },
    before: auditView(before),
    after: auditView(after),
    meta: { secretChanged: true },
  });
  return after;
}

export async function deleteApiKey(ctx: Context, id: string): Promise<boolean> {
  const before = await ctx.loaders.existing<ApiKeyDoc>('ApiKey', id);
  return deleteRecorded(ctx, ApiKey, before, { action: 'apiKey.deleted', view: auditView });
}

/** Finds the live (unexpired) key of an account with this secret; for callers authenticating with API keys. */
export async function findApiKeyBySecret(accountId: string, secret: string, now = new Date()): Promise<ApiKeyDoc | null> {
  const keys = await ApiKey.find({ accountId }).lean();
  for (const k of keys) {
    if (k.expiresAt && k.expiresAt <= now) continue;
    if (secretBox().open(k.secretEnc) === secret) return k;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Sending servers

function cleanPassword(value: string): string {
  if (!value) throw new BadInputError('password must not be empty', 'password');
  if (value.length > PASSWORD_MAX) throw new BadInputError(`password must be at most ${PASSWORD_MAX} characters`, 'password');
  return value;
}

/** Validates the given fields; `required` demands all of them (creation). */
function serverFields(input: UpdateSendingServerInput, required: boolean): Partial<SendingServerDoc> {
  const out: Partial<SendingServerDoc> = {};
  const has = (k: keyof UpdateSendingServerInput) => {
    const v = input[k];
    if (v === undefined || v === null) {
      if (required) throw new BadInputError(`${k} is required`, k);
      return false;
    }
    return true;
  };
  if (has('name')) out.name = cleanText(input.name!, 'name', NAME_MAX);
  if (has('provider')) out.provider = input.provider!;
  if (has('host')) out.host = cleanHost(input.host!, 'host');
  if (has('port')) out.port = cleanInt(input.port!, 'port', 1, 65535);
  if (has('username')) out.username = cleanText(input.username!, 'username', USERNAME_MAX);
  if (has('password')) out.passwordEnc = secretBox().seal(cleanPassword(input.password!));
  return out;
}

export async function createSendingServer(ctx: Context, input: CreateSendingServerInput): Promise<SendingServerDoc> {
  return createInWorkspace(ctx, SendingServer, input.workspaceId, serverFields(input, true), {
    action: 'sendingServer.created',
    view: auditView,
  });
}

export async function updateSendingServer(ctx: Context, id: string, input: UpdateSendingServerInput): Promise<SendingServerDoc> {
  const before = await ctx.loaders.existing<SendingServerDoc>('SendingServer', id);
  const set = changedOnly(before, serverFields(input, false));
  return saveChanges(ctx, SendingServer, before, set, {
    action: 'sendingServer.updated',
    view: auditView,
    meta: set.passwordEnc ? { secretChanged: true } : null,
  });
}

export async function deleteSendingServer(ctx: Context, id: string): Promise<boolean> {
  const before = await ctx.loaders.existing<SendingServerDoc>('SendingServer', id);
  const removedBindings = await ctx.access.deleteBindingsAt(before.accountId, {
    field: 'scopeId',
    ids: [id],
    scopeType: 'SENDING_SERVER',
  });
  return deleteRecorded(ctx, SendingServer, before, {
    action: 'sendingServer.deleted',
    view: auditView,
    meta: { removedBindings },
  });
}
