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
