// The filters SCIM clients send to find a resource before creating it (RFC 7644 §3.4.2.2):
// `attribute eq "value"`, possibly joined with `and`. Other operators are refused as invalidFilter.
import { ScimError } from './errors';

export interface EqualityFilter {
  /** Attribute path as written, lower-cased (`username`, `emails.value`, `externalid`). */
  attribute: string;
  value: string | boolean;
}

const TERM = /^\s*([A-Za-z][\w.:-]*)\s+eq\s+("(?:[^"\\]|\\.)*"|true|false)\s*$/i;

export function parseFilter(filter: string | undefined, supported: readonly string[]): EqualityFilter[] {
  if (filter === undefined || filter.trim() === '') return [];
  if (filter.length > 1000) throw new ScimError(400, 'The filter is too long', 'invalidFilter');
  const terms = filter.split(/\s+and\s+(?=(?:[^"]*"[^"]*")*[^"]*$)/i);
  return terms.map((term) => {
    const m = TERM.exec(term);
    if (!m) throw new ScimError(400, `Unsupported filter "${term.trim()}": use attribute eq "value" (joined with and)`, 'invalidFilter');
    const attribute = m[1]!.toLowerCase().replace(/^urn:ietf:params:scim:schemas:core:2\.0:(user|group):/, '');
    if (!supported.includes(attribute)) {
      throw new ScimError(400, `Filtering on ${m[1]} is not supported (supported: ${supported.join(', ')})`, 'invalidFilter');
    }
    const raw = m[2]!;
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw.toLowerCase() === 'true';
    return { attribute, value };
  });
}
