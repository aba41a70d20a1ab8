// The request's DataLoaders: every by-id and by-key read of a request is batched here, so a nested
// query over many objects costs one database command per type, not one per object.
import DataLoader from 'dataloader';
import mongoose from 'mongoose';
import { isId } from '../db/ids';
import { NotFoundError } from '../errors';

type Doc = { _id: string } & Record<string, unknown>;

export class Loaders {
  private readonly byIdLoaders = new Map<string, DataLoader<string, Doc | null>>();
  private readonly custom = new Map<string, DataLoader<unknown, unknown>>();

  /** A loader of `modelName` documents (lean) by `_id`. */
  byId<T = Doc>(modelName: string): DataLoader<string, T | null> {
    let loader = this.byIdLoaders.get(modelName);
    if (!loader) {
      const Model = mongoose.model(modelName);
      loader = new DataLoader<string, Doc | null>(async (ids) => {
        const docs = (await Model.find({ _id: { $in: ids } }).lean()) as unknown as Doc[];
        const byId = new Map(docs.map((d) => [d._id, d]));
        return ids.map((id) => byId.get(id) ?? null);
      });
      this.byIdLoaders.set(modelName, loader);
    }
    return loader as unknown as DataLoader<string, T | null>;
  }

  /** Loads one document; a malformed id is simply not found (no query is made). */
  async load<T = Doc>(modelName: string, id: unknown): Promise<T | null> {
    if (!isId(id)) return null;
    return this.byId<T>(modelName).load(id);
  }

  /** Loads a document that must exist (a root field's directive has located and checked it): NOT_FOUND if it vanished. */
  async existing<T = Doc>(modelName: string, id: string): Promise<T> {
    const doc = await this.load<T>(modelName, id);
    if (!doc) throw new NotFoundError(modelName, id);
    return doc;
  }

  /** Seeds the by-id cache with a document just read or written, saving a read later. */
  prime(modelName: string, doc: Doc): void {
    this.byId(modelName).clear(doc._id).prime(doc._id, doc);
  }

  /** Forgets a document after it changed. */
  forget(modelName: string, id: string): void {
    this.byIdLoaders.get(modelName)?.clear(id);
  }

  /** A request-scoped loader built once per key by `make` (for batched reads by other keys). */
  keyed<K, V>(key: string, make: () => DataLoader<K, V>): DataLoader<K, V> {
    let loader = this.custom.get(key);
    if (!loader) {
      loader = make() as unknown as DataLoader<unknown, unknown>;
      this.custom.set(key, loader);
    }
    return loader as unknown as DataLoader<K, V>;
  }
}
