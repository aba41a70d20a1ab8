// Payment-card validation. The number and cvc are checked here and then dropped: what leaves this file
// is only the brand, the last four digits and the expiry. Error messages never repeat the input.
import { BadInputError } from '../../errors';
import type { CardInput } from '../../generated';
import type { CardBrandName, CardDoc } from './billing.model';

/** Luhn (mod 10) check of a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

interface BrandRule {
  brand: CardBrandName;
  /** Does the number start like this brand's? */
  matches: (n: string) => boolean;
  lengths: readonly number[];
  cvcLength: number;
}

const prefix = (n: string, len: number) => Number(n.slice(0, len));
const between = (n: string, len: number, lo: number, hi: number) => prefix(n, len) >= lo && prefix(n, len) <= hi;

/** Issuer prefixes (IIN ranges), most specific first. */
const BRANDS: readonly BrandRule[] = [
  { brand: 'AMEX', matches: (n) => /^3[47]/.test(n), lengths: [15], cvcLength: 4 },
  { brand: 'DINERS', matches: (n) => between(n, 3, 300, 305) || /^3[689]/.test(n), lengths: [14, 15, 16, 17, 18, 19], cvcLength: 3 },
  { brand: 'JCB', matches: (n) => between(n, 4, 3528, 3589), lengths: [16, 17, 18, 19], cvcLength: 3 },
  {
    brand: 'DISCOVER',
    matches: (n) => n.startsWith('6011') || n.startsWith('65') || between(n, 3, 644, 649) || between(n, 6, 622126, 622925),
    lengths: [16, 17, 18, 19],
    cvcLength: 3,
  },
  { brand: 'UNIONPAY', matches: (n) => n.startsWith('62') || n.startsWith('81'), lengths: [16, 17, 18, 19], cvcLength: 3 },
  { brand: 'MASTERCARD', matches: (n) => between(n, 2, 51, 55) || between(n, 4, 2221, 2720), lengths: [16], cvcLength: 3 },
  { brand: 'VISA', matches: (n) => n.startsWith('4'), lengths: [13, 16, 19], cvcLength: 3 },
];

export function cardBrand(digits: string): CardBrandName | null {
  return BRANDS.find((b) => b.matches(digits))?.brand ?? null;
}

/** Validates a card and returns only what may be kept; throws BAD_USER_INPUT naming the field. */
export function validateCard(card: CardInput, now = new Date()): CardDoc {
  if (typeof card.number !== 'string' || card.number.length > 40) {
    throw new BadInputError('The card number must be 12 to 19 digits', 'card.number');
  }
  const digits = card.number.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits)) throw new BadInputError('The card number must be 12 to 19 digits', 'card.number');
  const rule = BRANDS.find((b) => b.matches(digits));
  if (!rule) throw new BadInputError('The card number belongs to no supported card brand', 'card.number');
  if (!rule.lengths.includes(digits.length)) {
    throw new BadInputError(`A ${rule.brand} card number has ${rule.lengths.join(' or ')} digits`, 'card.number');
  }
  if (!luhnValid(digits)) throw new BadInputError('The card number is not valid (check digit mismatch)', 'card.number');

  if (!Number.isInteger(card.expMonth) || card.expMonth < 1 || card.expMonth > 12) {
    throw new BadInputError('expMonth must be a month from 1 to 12', 'card.expMonth');
  }
  const year = now.getUTCFullYear();
  if (!Number.isInteger(card.expYear) || card.expYear < 2000 || card.expYear > year + 20) {
    throw new BadInputError(`expYear must be a four-digit year no later than ${year + 20}`, 'card.expYear');
  }
  // A card is valid through the last day of its expiry month.
  if (card.expYear < year || (card.expYear === year && card.expMonth < now.getUTCMonth() + 1)) {
    throw new BadInputError('The card has expired', 'card.expYear');
  }

  if (typeof card.cvc !== 'string' || !/^\d{3,4}$/.test(card.cvc)) {
    throw new BadInputError('The security code (cvc) must be 3 or 4 digits', 'card.cvc');
  }
  if (card.cvc.length !== rule.cvcLength) {
    throw new BadInputError(`A ${rule.brand} security code (cvc) has ${rule.cvcLength} digits`, 'card.cvc');
  }
  return { brand: rule.brand, last4: digits.slice(-4), expMonth: card.expMonth, expYear: card.expYear };
}
