// `filter` (RFC 7644 §3.4.2.2), parsed by scim2-parse-filter and turned into a database query over the
// fields each resource type keeps for it: eq, ne, co, sw, ew, pr, and, or, not, parentheses, and a
// value filter on a multi-valued attribute (`emails[value eq "…"]`). String comparisons follow the
// attribute's caseExact (userName, emails and displayName are case-insensitive; externalId and id
// are exact); the stored keys of case-insensitive attributes are lower-cased.
import { parse, type Filter } from 'scim2-parse-filter';
import { ScimError } from './errors';

/** How one filterable attribute (its lower-cased path, without the core schema URN) is stored. */
export interface FilterField {
  field: string;
  type: 'string' | 'boolean';
  /** The stored value is lower-cased: compare in lower case. */
  lowerCased?: boolean;
}

type Query = Record<string, unknown>;

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function invalid(detail: string): ScimError {
  return new ScimError(400, detail, 'invalidFilter');
}

function attributeOf(path: string, coreSchema: string, fields: Record<string, FilterField>): FilterField {
  let p = path.toLowerCase();
  const core = `${coreSchema.toLowerCase()}:`;
  if (p.startsWith(core)) p = p.slice(core.length);
  const f = fields[p];
  if (!f) throw invalid(`Filtering on ${path} is not supported (supported: ${Object.keys(fields).join(', ')})`);
  return f;
}

function compare(op: string, path: string, value: unknown, f: FilterField): Query {
  if (op === 'pr') return { [f.field]: { $nin: [null, ''] } };
  if (f.type === 'boolean') {
    if (typeof value !== 'boolean') throw invalid(`${path} is true or false`);
    if (op === 'eq') return { [f.field]: value };
    if (op === 'ne') return { [f.field]: { $ne: value } };
    throw invalid(`${op} does not apply to the boolean ${path}`);
  }
  if (typeof value !== 'string') throw invalid(`${path} is compared with a string`);
  const v = f.lowerCased ? value.toLowerCase() : value;
  switch (op) {
    case 'eq':
      return { [f.field]: v };
    case 'ne':
      return { [f.field]: { $ne: v } };
    case 'co':
      return { [f.field]: { $regex: escapeRegex(v) } };
    case 'sw':
      return { [f.field]: { $regex: `^${escapeRegex(v)}` } };
    case 'ew':
      return { [f.field]: { $regex: `${escapeRegex(v)}$` } };
    default:
      // gt/ge/lt/le on strings would need an ordered index the database does not have.
      throw invalid(`The operator ${op} is not supported (supported: eq, ne, co, sw, ew, pr, and, or, not)`);
  }
}

function toQuery(f: Filter, coreSchema: string, fields: Record<string, FilterField>, prefix = ''): Query {
  switch (f.op) {
    case 'and':
      return { $and: f.filters.map((x) => toQuery(x, coreSchema, fields, prefix)) };
    case 'or':
      return { $or: f.filters.map((x) => toQuery(x, coreSchema, fields, prefix)) };
    case 'not':
      return { $nor: [toQuery(f.filter, coreSchema, fields, prefix)] };
    case '[]':
      // A value filter (`emails[value eq "x"]`): the same as `emails.value eq "x"` when it names sub-attributes we keep.
      return toQuery(f.valFilter, coreSchema, fields, `${prefix}${f.attrPath}.`);
    default: {
      const path = `${prefix}${f.attrPath}`;
      const field = attributeOf(path, coreSchema, fields);
      return compare(f.op, path, f.op === 'pr' ? undefined : (f as { compValue: unknown }).compValue, field);
    }
  }
}

/** The database query for `filter` (empty when there is none); 400 invalidFilter for what cannot be run. */
export function filterQuery(filter: string | undefined, coreSchema: string, fields: Record<string, FilterField>): Query {
  if (filter === undefined || filter.trim() === '') return {};
  if (filter.length > 2000) throw invalid('The filter is too long');
  let ast: Filter;
  try {
    ast = parse(filter);
  } catch (err) {
    throw invalid(`The filter cannot be parsed: ${(err as Error).message}`.slice(0, 300));
  }
  return toQuery(ast, coreSchema, fields);
}
