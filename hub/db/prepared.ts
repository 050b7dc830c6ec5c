import { is } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import type { HubDb } from "./client";

/**
 * A statement built and prepared once per database (and once per transaction's
 * inside on SQLite), for the queries every agent request runs. A PostgreSQL
 * transaction is a new object each time, on its own connection: there the
 * statement is built once (its SQL is the same on every PostgreSQL database) and
 * each use is a copy bound to the transaction's connection (drizzle-orm/bun-sql
 * keeps the connection in the prepared query's `client`, the only part that differs).
 */
export function preparedOnce<T extends object>(prepare: (db: HubDb) => T): (db: HubDb) => T {
  const prepared = new WeakMap<HubDb, T>();
  let inPgTransaction: T | null = null;
  return (db: HubDb) => {
    if (is(db, PgTransaction)) {
      inPgTransaction ??= prepare(db);
      const client = (db as unknown as { session: { client: unknown } }).session.client;
      return Object.assign(Object.create(Object.getPrototypeOf(inPgTransaction)) as T, inPgTransaction, { client });
    }
    let q = prepared.get(db);
    if (!q) prepared.set(db, (q = prepare(db)));
    return q;
  };
}
