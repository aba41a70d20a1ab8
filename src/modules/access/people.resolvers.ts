// A person's contact data (email, username, position, signature, timezone, language) shows only to
// themselves and to those who may see them as a member (src/graphql/authz/people.ts); ids and names show to
// whoever reaches the person through a parent link.
import type { Resolvers } from '../../generated';
import { type Context, mayReadContact } from '../../graphql';
import type { UserDoc } from '../identity/user.model';

type ContactField = 'email' | 'username' | 'position' | 'signature' | 'timezone' | 'language';

function contact(field: ContactField) {
  return async (u: UserDoc, _: unknown, ctx: Context) => ((await mayReadContact(ctx, u._id)) ? (u[field] ?? null) : null);
}

export const peopleResolvers: Resolvers = {
  User: {
    email: contact('email'),
    username: contact('username'),
    position: contact('position'),
    signature: contact('signature'),
    timezone: contact('timezone'),
    language: contact('language'),
  },
};
