// Email addresses and the host names in them: the one validator of addresses users give. Each
// check throws BadInputError naming the offending input field.
import { domainToASCII } from 'node:url';
import { BadInputError } from '../errors';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A DNS hostname: lower-cased, no trailing dot, ≤ 253 characters, ≥ 2 labels of 1–63 [a-z0-9-],
 * alphabetic TLD. Internationalized names are stored in their ASCII (punycode) form.
 */
export function cleanHostname(value: string, field: string): string {
  let name = value.trim().toLowerCase().replace(/\.$/, '');
  if (!name) throw new BadInputError(`${field} must not be empty`, field);
  if ([...name].some((c) => c.charCodeAt(0) > 0x7f)) {
    if (name.length > 253) throw new BadInputError(`${field} must be at most 253 characters`, field);
    const ascii = domainToASCII(name);
    if (!ascii) throw new BadInputError(`${field} is not a valid internationalized domain name`, field);
    name = ascii;
  }
  if (name.length > 253) throw new BadInputError(`${field} must be at most 253 characters`, field);
  const labels = name.split('.');
  if (labels.length < 2) throw new BadInputError(`${field} must be a fully qualified name such as mail.example.com`, field);
  for (const label of labels) {
    if (!LABEL.test(label)) {
      throw new BadInputError(
        `${field}: "${label.slice(0, 70)}" is not a valid DNS label (1–63 letters, digits or hyphens, not starting or ending with a hyphen)`,
        field,
      );
    }
  }
  if (!/^[a-z][a-z0-9-]*$/.test(labels[labels.length - 1]!) || labels[labels.length - 1]!.length < 2) {
    throw new BadInputError(`${field} must end in a top-level domain such as .com`, field);
  }
  return name;
}

const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** The local part of an address (before the @): dot-atom, ≤ 64 characters, lower-cased. */
export function cleanLocalPart(value: string, field: string): string {
  const local = value.trim().toLowerCase();
  if (!local) throw new BadInputError(`${field} must not be empty`, field);
  if (local.length > 64) throw new BadInputError(`${field} must be at most 64 characters`, field);
  if (!LOCAL_PART.test(local)) throw new BadInputError(`${field} is not a valid mailbox name (letters, digits, . _ - + …)`, field);
  return local;
}

/**
 * An email address `local@domain`, lower-cased, ≤ 254 characters: the one rule for every address
 * a user gives (contacts, campaign senders, recipients, SCIM users, invitations).
 */
export function cleanEmail(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new BadInputError(`${field} must be an email address`, field);
  const email = value.trim().toLowerCase();
  if (!email) throw new BadInputError(`${field} must not be empty`, field);
  if (email.length > 254) throw new BadInputError(`${field} must be at most 254 characters`, field);
  const at = email.lastIndexOf('@');
  if (at <= 0) throw new BadInputError(`${field} must be an email address such as name@example.com`, field);
  cleanLocalPart(email.slice(0, at), field);
  cleanHostname(email.slice(at + 1), field);
  return email;
}

/** The domain part of a cleaned address. */
export function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}

/** Whether `value` is an address cleanEmail() accepts (for callers that word the refusal themselves). */
export function isEmailAddress(value: string): boolean {
  try {
    cleanEmail(value, 'email');
    return true;
  } catch (err) {
    if (err instanceof BadInputError) return false;
    throw err;
  }
}
