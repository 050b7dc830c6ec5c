import type { HubDb } from "./client";

/** A statement built and prepared once per database (and once per transaction's inside), for the queries every agent request runs. */
export function preparedOnce<T>(prepare: (db: HubDb) => T): (db: HubDb) => T {
  const prepared = new WeakMap<HubDb, T>();
  return (db: HubDb) => {
    let q = prepared.get(db);
    if (!q) prepared.set(db, (q = prepare(db)));
    return q;
  };
}
