// updateMySettings: every signed-in user may edit their own profile and settings (docs/design.md "Rules no role can break"),
// whatever their roles, and nobody else's. Changing the password needs the current one, follows the
// strength rule, and signs out the user's other sessions.
import type { Context } from '../../graphql';
import type { UpdateMySettingsInput } from '../../generated';
import { assertStrongPassword, hashPassword, verifyPassword } from '../../crypto';
import { BadInputError, UnauthenticatedError } from '../../errors';
import { Member } from '../accounts/account.model';
import { Session, User, type UserDoc } from './user.model';

type ProfileField = 'firstName' | 'lastName' | 'username' | 'position' | 'signature' | 'timezone' | 'language';

const LIMITS: Record<'firstName' | 'lastName' | 'position' | 'signature', number> = {
  firstName: 100,
  lastName: 100,
  position: 100,
  signature: 2000,
};

let zones: Map<string, string> | undefined;
/** The IANA name of a time zone this runtime knows (`europe/paris` → `Europe/Paris`), or null. */
export function canonicalTimeZone(tz: string): string | null {
  if (tz.length > 64 || !/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){0,2}$/.test(tz)) return null;
  zones ??= new Map([...Intl.supportedValuesOf('timeZone'), 'UTC'].map((z) => [z.toLowerCase(), z]));
  const known = zones.get(tz.toLowerCase());
  if (known) return known;
  try {
    // Names the runtime's list leaves out (it lists Asia/Calcutta, not Asia/Kolkata): kept as written.
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz;
  } catch {
    return null;
  }
}

/** The canonical form of a BCP-47 language tag of the usual shape (`en`, `fr-CA`, `zh-Hant`, `es-419`, `sr-Latn-RS`), or null. */
export function canonicalLanguage(tag: string): string | null {
  if (!/^[a-z]{2,3}(-[a-z]{4})?(-([a-z]{2}|\d{3}))?$/i.test(tag)) return null;
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    return null;
  }
}

const USERNAME = /^[A-Za-z0-9._-]{2,40}$/;

function plain(value: string, field: string, max: number): string {
  const v = value.trim();
  if (v.length > max) throw new BadInputError(`${field} must be at most ${max.toLocaleString('en')} characters`, field);
  if (field !== 'signature' && /[\r\n]/.test(v)) throw new BadInputError(`${field} must be a single line`, field);
  return v;
}

export async function updateMySettings(ctx: Context, input: UpdateMySettingsInput): Promise<UserDoc> {
  const p = ctx.principal;
  if (!p) throw new UnauthenticatedError();
  if (p.kind !== 'user') {
    throw new BadInputError('Profile and password are changed by the user signed in, not with a partner API token');
  }
  const set: Partial<UserDoc> = {};
  const unset: Partial<Record<ProfileField, 1>> = {};
  const clear = (f: ProfileField) => (unset[f] = 1);

  if (input.name !== undefined && input.name !== null) {
    const name = plain(input.name, 'name', 100);
    if (!name) throw new BadInputError('name must not be empty', 'name');
    set.name = name;
  }
  for (const f of ['firstName', 'lastName', 'position', 'signature'] as const) {
    const raw = input[f];
    if (raw === undefined || raw === null) continue;
    const v = plain(raw, f, LIMITS[f]);
    if (v) set[f] = v;
    else clear(f);
  }
  if (input.username !== undefined && input.username !== null) {
    const u = input.username.trim();
    if (!u) clear('username');
    else if (!USERNAME.test(u)) {
      throw new BadInputError('username must be 2–40 letters, digits, dots, dashes or underscores', 'username');
    } else set.username = u;
  }
  if (input.timezone !== undefined && input.timezone !== null) {
    const tz = input.timezone.trim();
    if (!tz) clear('timezone');
    else {
      const canonical = canonicalTimeZone(tz);
      if (!canonical) throw new BadInputError('timezone must be an IANA time zone such as Europe/Paris', 'timezone');
      set.timezone = canonical;
    }
  }
  if (input.language !== undefined && input.language !== null) {
    const lang = input.language.trim();
    if (!lang) clear('language');
    else {
      const canonical = canonicalLanguage(lang);
      if (!canonical) throw new BadInputError('language must be a language tag such as en or fr-CA', 'language');
      set.language = canonical;
    }
  }

  const user = await User.findById(p.userId).lean<UserDoc>();
  if (!user) throw new UnauthenticatedError();

  const changingPassword = input.password !== undefined && input.password !== null;
  if (changingPassword) {
    assertStrongPassword(input.password!, 'password');
    if (!input.currentPassword) throw new BadInputError('Give your current password to set a new one', 'currentPassword');
    if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
      throw new BadInputError('The current password is not correct', 'currentPassword');
    }
    if (input.password === input.currentPassword) {
      throw new BadInputError('The new password must differ from the current one', 'password');
    }
  }
  if (set.username && set.username !== user.username) {
    const taken = await User.exists({ username: set.username, _id: { $ne: user._id } });
    if (taken) throw new BadInputError('This username is taken', 'username');
  }
  if (changingPassword) set.passwordHash = await hashPassword(input.password!);

  const update: Record<string, unknown> = {};
  if (Object.keys(set).length) update.$set = set;
  if (Object.keys(unset).length) update.$unset = unset;
  if (!Object.keys(update).length) return user;
  const after = await User.findOneAndUpdate({ _id: user._id }, update, { returnDocument: 'after' }).lean<UserDoc>();
  if (!after) throw new UnauthenticatedError();
  ctx.loaders.prime('User', after);

  let signedOut = 0;
  if (changingPassword) {
    const res = await Session.updateMany(
      { userId: user._id, _id: { $ne: p.sessionId }, revokedAt: null },
      { $set: { revokedAt: new Date() } },
    );
    signedOut = res.modifiedCount;
  }

  // Users are global: the change is recorded in the audit log of every account the user belongs to.
  const { passwordHash: _b, ...beforeProfile } = user;
  const { passwordHash: _a, ...afterProfile } = after;
  const memberships = await Member.find({ userId: user._id }).select({ accountId: 1 }).lean();
  await Promise.all(
    memberships.flatMap((m) => [
      ctx.audit.change({
        accountId: m.accountId,
        action: 'user.settingsUpdated',
        target: { type: 'User', id: user._id },
        before: beforeProfile,
        after: afterProfile,
      }),
      ...(changingPassword
        ? [
            ctx.audit.record({
              accountId: m.accountId,
              action: 'user.passwordChanged',
              target: { type: 'User', id: user._id },
              meta: { otherSessionsSignedOut: signedOut },
            }),
          ]
        : []),
    ]),
  );
  return after;
}
