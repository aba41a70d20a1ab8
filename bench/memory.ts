// The data in memory, for measuring the authorization layers alone (Postern ÷ graphql-shield): while
// installed, every read a query makes through mongoose (find, findOne, countDocuments, …) is answered
// from memory after its first execution, keyed by the model, operation, filter, projection and
// options, so that schemas executing the same reads pay no driver, BSON or database time. Writes go
// to the database as before. The same documents are handed back each time (no copy): the gateway never
// mutates what a read returned.
import mongoose from 'mongoose';

const READS = new Set(['find', 'findOne', 'countDocuments', 'estimatedDocumentCount', 'distinct']);

type AnyQuery = mongoose.Query<unknown, unknown> & {
  op?: string;
  _fields?: unknown;
  _mongooseOptions?: Record<string, unknown>;
  _distinct?: unknown;
};

/** Installs the in-memory answers; returns how to take them away again (and how many reads were served from memory). */
export function dataInMemory(): { hits: () => number; uninstall: () => void } {
  const proto = mongoose.Query.prototype as unknown as { exec: (this: AnyQuery, ...a: unknown[]) => Promise<unknown> };
  const exec = proto.exec;
  const memo = new Map<string, unknown>();
  let hits = 0;
  proto.exec = async function (this: AnyQuery, ...args: unknown[]) {
    if (!this.op || !READS.has(this.op)) return exec.apply(this, args);
    const key = JSON.stringify([
      this.model.modelName,
      this.op,
      this.getFilter(),
      this._fields ?? null,
      this.getOptions(),
      this._mongooseOptions?.lean ?? false,
      this._distinct ?? null,
    ]);
    if (memo.has(key)) {
      hits++;
      return memo.get(key);
    }
    const value = await exec.apply(this, args);
    memo.set(key, value);
    return value;
  };
  return {
    hits: () => hits,
    uninstall: () => {
      proto.exec = exec;
    },
  };
}
