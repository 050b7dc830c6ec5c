import { isTransaction, sqliteHandle, type HubDb } from "./client";

/**
 * Runs `work` as one transaction and returns what it returns; anything it throws
 * rolls the transaction back and is thrown again. `work` must use only the `tx`
 * it is given (using `db` inside would wait for this very transaction). Called
 * with a `tx`, the work joins that transaction.
 *
 * On SQLite, drizzle's own transaction is synchronous (an async callback would
 * commit before its awaits finish), so this takes the database's gate (one
 * transaction at a time; statements outside it queue until it ends) and issues
 * BEGIN IMMEDIATE / COMMIT / ROLLBACK itself: the write lock is taken up front,
 * so another process's lock shows at BEGIN as SQLITE_BUSY (retried by
 * `writeWhenFree`), never half-way.
 */
export async function inTransaction<T>(db: HubDb, work: (tx: HubDb) => Promise<T>): Promise<T> {
  if (isTransaction(db)) return work(db);
  const handle = sqliteHandle(db);
  if (!handle) throw new Error("inTransaction: not a hub database");
  const release = await handle.gate.acquire();
  try {
    handle.sqlite.exec("BEGIN IMMEDIATE");
    try {
      const result = await work(handle.inside);
      handle.sqlite.exec("COMMIT");
      return result;
    } catch (e) {
      if (handle.sqlite.inTransaction) handle.sqlite.exec("ROLLBACK");
      throw e;
    }
  } finally {
    release();
  }
}
