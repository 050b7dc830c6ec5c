import { is, sql } from "drizzle-orm";
import { type PgDatabase, PgTransaction } from "drizzle-orm/pg-core";
import { isTransaction, sqliteHandle, type HubDb } from "./client";

/**
 * The transaction-level advisory lock every hub transaction on PostgreSQL takes
 * first: hub transactions run one at a time across all replicas, as they do on
 * SQLite (BEGIN IMMEDIATE), so read-then-write steps (revisions, log gaps, a
 * live camera's next seq) stay correct without retries.
 *
 * Uploads keep it too. Their captures alone would not need it (the unique keys
 * and ON CONFLICT DO NOTHING store a record once whichever replica commits
 * first), but the log's gaps and highest seq, and the token's log binding, are
 * read and then written: an agent retrying on another replica while its first
 * attempt still commits would leave a gap open or bind two current logs. The lock
 * costs no round trip of its own (it travels with the transaction's first statements, below).
 */
const WRITE_LOCK = 7_215_734_013;

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
 * `writeWhenFree`), never half-way. On PostgreSQL it is drizzle's transaction
 * under WRITE_LOCK.
 */
export async function inTransaction<T>(db: HubDb, work: (tx: HubDb) => Promise<T>): Promise<T> {
  if (isTransaction(db) || is(db, PgTransaction)) return work(db);
  const handle = sqliteHandle(db);
  if (!handle)
    return (db as unknown as PgDatabase<never>).transaction(async (tx) => {
      // Sent now, before any statement of `work` is (drizzle hands every statement to the driver a
      // microtask or more after it starts, in the order they started), and PostgreSQL runs a
      // connection's statements in order: the work's first statements wait for the lock on the
      // server and travel in the same round trip instead of one round trip later.
      const locked = tx.execute(sql`SELECT pg_advisory_xact_lock(${WRITE_LOCK})`).execute();
      locked.catch(() => {});
      const result = await work(tx as unknown as HubDb);
      await locked;
      return result;
    });
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
