// The request's DataLoaders: every by-id and by-key read of a request is batched here, so a nested
// query over many objects costs one database command per type, not one per object. That holds for
// lists too: the first pages of a child list under many parents (the credentials of each domain on a
// page) are read in one `$in` query, and every listed document primes the by-id loader.
import DataLoader from 'dataloader';
import mongoose, { type Model } from 'mongoose';
import { isId } from '../db';
import { NotFoundError } from '../errors';
import { connectionOf, paginate, pageSize, VISIBILITY, type Connection, type ConnectionArgs } from './connection';

type Doc = { _id: string };

/**
 * The request's loaders. Typed access: `load<DomainDoc>('Domain', id)` names the document type once,
 * at the call; a loader holds documents of one model, so the type given is the one it hands back.
 */
export class Loaders {
  private readonly byIdLoaders = new Map<string, DataLoader<string, Doc | null>>();
  private readonly custom = new Map<string, DataLoader<unknown, unknown>>();

  /** A loader of `modelName` documents (lean) by `_id`. */
  byId<T extends Doc = Doc>(modelName: string): DataLoader<string, T | null> {
    let loader = this.byIdLoaders.get(modelName);
    if (!loader) {
      const Model = mongoose.model<Doc>(modelName);
      loader = new DataLoader<string, Doc | null>(async (ids) => {
        const docs = await Model.find({ _id: { $in: ids } }).lean<Doc[]>();
        const byId = new Map(docs.map((d) => [d._id, d]));
        return ids.map((id) => byId.get(id) ?? null);
      });
      this.byIdLoaders.set(modelName, loader);
    }
    return loader as DataLoader<string, T | null>;
  }

  /** Loads one document; a malformed id is simply not found (no query is made). */
  async load<T extends Doc = Doc>(modelName: string, id: unknown): Promise<T | null> {
    if (!isId(id)) return null;
    return this.byId<T>(modelName).load(id);
  }

  /** Loads a document that must exist (a root field's directive has located and checked it): NOT_FOUND if it vanished. */
  async existing<T extends Doc = Doc>(modelName: string, id: string): Promise<T> {
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
    let loader = this.custom.get(key) as DataLoader<K, V> | undefined;
    if (!loader) {
      loader = make();
      this.custom.set(key, loader as DataLoader<unknown, unknown>);
    }
    return loader;
  }

  /**
   * One page of `model` documents whose `parentField` is `parentId` (a connection under a parent).
   * First pages requested in the same tick for many parents, with the same size and visibility, are
   * one query; later pages (`after`) are read alone. Every listed document primes the by-id loader.
   */
  async page<T extends { _id: string }>(
    model: Model<T>,
    parentField: string,
    parentId: string,
    args: ConnectionArgs,
  ): Promise<Connection<T>> {
    let page: Connection<T>;
    if (args.after) {
      page = await paginate(model, { [parentField]: parentId } as never, args);
    } else {
      const limit = pageSize(args.first);
      const visible = args[VISIBILITY];
      const key = `page:${model.modelName}:${parentField}:${limit}:${visible ? JSON.stringify(visible) : ''}`;
      const loader = this.keyed(
        key,
        // Batched, not memoized: a list read after a mutation in the same request is read again.
        () => new DataLoader<string, Connection<T>>((ids) => firstPages(model, parentField, ids, limit, visible), { cache: false }),
      );
      page = await loader.load(parentId);
    }
    const byId = this.byId(model.modelName);
    for (const e of page.edges) byId.clear(e.node._id).prime(e.node._id, e.node);
    return page;
  }
}

/**
 * The first `limit` documents under each parent, in one query: the first (limit + 1) × parents
 * documents in `_id` order hold every parent's first page, except for a parent with fewer than
 * limit + 1 of them when that cap was reached (its page may continue past the last one read): those
 * few are read alone. Bounded by the cap whatever the size of the collection.
 */
async function firstPages<T extends { _id: string }>(
  model: Model<T>,
  parentField: string,
  parentIds: readonly string[],
  limit: number,
  visible: Record<string, unknown> | undefined,
): Promise<Connection<T>[]> {
  // first: 0 reads one document per parent, which is enough to say whether a page follows.
  const ids = [...new Set(parentIds)];
  const byParent = new Map<string, T[]>(ids.map((id) => [id, []]));
  const cap = (limit + 1) * ids.length;
  const where = (own: Record<string, unknown>) => (visible ? { $and: [own, visible] } : own) as never;
  const docs = (await model
    .find(where(ids.length === 1 ? { [parentField]: ids[0] } : { [parentField]: { $in: ids } }))
    .sort({ _id: 1 })
    .limit(cap)
    .lean()) as T[];
  for (const d of docs) byParent.get(String((d as Record<string, unknown>)[parentField]))?.push(d);
  if (docs.length === cap) {
    const unsure = ids.filter((id) => byParent.get(id)!.length <= limit);
    await Promise.all(
      unsure.map(async (id) =>
        byParent.set(
          id,
          (await model
            .find(where({ [parentField]: id }))
            .sort({ _id: 1 })
            .limit(limit + 1)
            .lean()) as T[],
        ),
      ),
    );
  }
  return parentIds.map((id) =>
    connectionOf(byParent.get(id)!.slice(0, limit + 1), limit, {
      // Counted per parent, and only when a query selects totalCount.
      totalCount: () => model.countDocuments(where({ [parentField]: id })).exec(),
    }),
  );
}
