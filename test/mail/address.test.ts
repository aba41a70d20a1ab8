// The one email validator (src/mail/address.ts): contacts, campaign senders, recipients, forwarding
// addresses, SCIM users and SSO identities all go through it, so an address is valid everywhere or nowhere.
import { cleanEmail, isEmailAddress } from '../../src/mail/address';
import { BadInputError, ErrorCode } from '../../src/errors';

function refusal(value: unknown, field = 'email'): { code: unknown; field: unknown; message: string } {
  try {
    cleanEmail(value, field);
  } catch (err) {
    if (!(err instanceof BadInputError)) throw err;
    return { code: err.extensions.code, field: err.extensions.field, message: err.message };
  }
  throw new Error(`${JSON.stringify(value)} was accepted`);
}

describe('cleanEmail', () => {
  it('trims and lower-cases a valid address, and accepts an internationalized domain', () => {
    expect(cleanEmail('  Ann.Lee+news@Example.COM ', 'email')).toBe('ann.lee+news@example.com');
    expect(cleanEmail('ann@bücher.example', 'email')).toBe('ann@bücher.example');
  });

  it('refuses what is not an address with BAD_USER_INPUT on the field it names', () => {
    for (const bad of ['', 'ann', 'ann@', '@example.com', 'ann@localhost', 'ann lee@example.com', 'ann@exa_mple.com', 'ann@example.123']) {
      expect(refusal(bad, 'contacts.3.email')).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, field: 'contacts.3.email' });
    }
    expect(refusal(42)).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, message: 'email must be an email address' });
    expect(refusal(`${'a'.repeat(250)}@example.com`).message).toBe('email must be at most 254 characters');
  });
});

describe('isEmailAddress', () => {
  it('answers as cleanEmail decides', () => {
    expect(isEmailAddress('ann@example.com')).toBe(true);
    expect(isEmailAddress('ann@localhost')).toBe(false);
    expect(isEmailAddress('not an address')).toBe(false);
  });
});
