// Input rules of the sending area. Each throws BadInputError naming the offending input field.
import { isIP } from 'node:net';
import { BadInputError } from '../../errors';
import { cleanEmail, cleanHostname } from '../../mail';

/** A hostname, or an IPv4/IPv6 address (for sending servers). */
export function cleanHost(value: string, field: string): string {
  const host = value.trim().toLowerCase();
  if (host.length <= 45 && isIP(host)) return host;
  return cleanHostname(host, field);
}

/** A webhook or notification URL: http or https, with a host, ≤ 2048 characters, no credentials. */
export function cleanUrl(value: string | URL, field: string): string {
  const text = String(value).trim();
  if (text.length > 2048) throw new BadInputError(`${field} must be at most 2048 characters`, field);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BadInputError(`${field} must be an absolute URL such as https://example.com/hook`, field);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new BadInputError(`${field} must use https or http`, field);
  if (!url.hostname) throw new BadInputError(`${field} must name a host`, field);
  if (url.username || url.password) throw new BadInputError(`${field} must not contain credentials`, field);
  return url.toString();
}

/** Trimmed text of 1..max characters. */
export function cleanText(value: string, field: string, max: number): string {
  const text = value.trim();
  if (!text) throw new BadInputError(`${field} must not be empty`, field);
  if (text.length > max) throw new BadInputError(`${field} must be at most ${max} characters`, field);
  return text;
}

/** An integer in [min, max]. */
export function cleanInt(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BadInputError(`${field} must be a whole number from ${min} to ${max}`, field);
  }
  return value;
}

// Routes (Mailgun's syntax): `catch_all()`, or `match_recipient("…")` / `match_header("…", "…")`
// joined with `and`; actions `forward("…")`, `store()`, `store(notify="…")`, `stop()`.
const QUOTED = '"(?:[^"\\\\]|\\\\.){1,500}"';
const FILTER = `(?:match_recipient\\(\\s*${QUOTED}\\s*\\)|match_header\\(\\s*${QUOTED}\\s*,\\s*${QUOTED}\\s*\\))`;
const EXPRESSION = new RegExp(`^(?:catch_all\\(\\)|${FILTER}(?:\\s+and\\s+${FILTER})*)$`);
const ACTION = /^(?:forward\(\s*"([^"]{1,500})"\s*\)|store\(\s*(?:notify\s*=\s*"([^"]{1,500})"\s*)?\)|stop\(\s*\))$/;

export function cleanRouteExpression(value: string, field: string): string {
  const expr = cleanText(value, field, 1000);
  if (!EXPRESSION.test(expr)) {
    throw new BadInputError(
      `${field} must be catch_all() or match_recipient("…") / match_header("header", "…") filters joined with "and"`,
      field,
    );
  }
  return expr;
}

export function cleanRouteActions(values: readonly string[], field: string): string[] {
  if (values.length < 1 || values.length > 10) throw new BadInputError(`${field} must hold 1 to 10 actions`, field);
  return values.map((v) => {
    const action = cleanText(v, field, 600);
    const m = ACTION.exec(action);
    if (!m) throw new BadInputError(`${field}: "${action.slice(0, 80)}" is not forward("…"), store(), store(notify="…") or stop()`, field);
    if (m[1] !== undefined) {
      const target = m[1];
      if (/^https?:\/\//i.test(target)) cleanUrl(target, field);
      else cleanEmail(target, field);
    }
    if (m[2] !== undefined) cleanUrl(m[2], field);
    return action;
  });
}
