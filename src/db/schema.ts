import { Schema, type SchemaDefinition } from 'mongoose';
import { newId } from './ids';

/**
 * Every collection: a 24-hex string `_id` (ordered by creation, so it doubles as a stable cursor),
 * `createdAt`/`updatedAt`, no `__v`. Keys never contain `.` or start with `$` (MongoDB and the embedded database).
 */
export function docSchema<T>(definition: SchemaDefinition, options: { timestamps?: boolean } = {}): Schema<T> {
  return new Schema<T>({ _id: { type: String, default: newId }, ...definition } as SchemaDefinition, {
    timestamps: options.timestamps ?? true,
    versionKey: false,
    id: false,
  });
}

/** Common fields of documents: the ids of all ancestors plus who made it. */
export interface BaseDoc {
  _id: string;
  createdAt: Date;
  updatedAt: Date;
}

// The field groups most documents repeat: the ancestor ids a check walks (docs/design.md "The
// resource tree") and who made the document (`:own` permissions read `createdBy`). A document type
// extends the group it belongs to, and its schema spreads the matching definition.

/** A document of an account, made by someone. */
export interface InAccount {
  accountId: string;
  createdBy: string;
}
/** A document under a workspace. */
export interface InWorkspace extends InAccount {
  workspaceId: string;
}
/** A document under a domain. */
export interface OnDomain extends InWorkspace {
  domainId: string;
}

const requiredString = () => ({ type: String, required: true });

/** The schema fields of InAccount. */
export function inAccount(): SchemaDefinition {
  return { accountId: requiredString(), createdBy: requiredString() };
}
/** The schema fields of InWorkspace. */
export function inWorkspace(): SchemaDefinition {
  return { ...inAccount(), workspaceId: requiredString() };
}
/** The schema fields of OnDomain. */
export function onDomain(): SchemaDefinition {
  return { ...inWorkspace(), domainId: requiredString() };
}

/** A bearer token shown once and stored hashed (partner API tokens, SCIM tokens): how it is found and revoked. */
export interface IssuedToken {
  name: string;
  /** SHA-256 of the token; the token itself is never stored. */
  tokenHash: string;
  /** The token's first characters, to tell tokens apart in lists. */
  prefix: string;
  revokedAt?: Date | null;
  lastUsedAt?: Date | null;
}

/** The schema fields of IssuedToken (index `tokenHash` unique where it is used). */
export function issuedToken(): SchemaDefinition {
  return {
    name: requiredString(),
    tokenHash: requiredString(),
    prefix: requiredString(),
    revokedAt: { type: Date, default: null },
    lastUsedAt: { type: Date, default: null },
  };
}
