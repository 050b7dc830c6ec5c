import { isTransaction, sqliteHandle, type HubDb } from "./client";
import { inTransaction } from "./transaction";

interface Waiting {
  work: (tx: HubDb) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The writes of concurrent requests gathered in one turn of the event loop and
 * committed together: one transaction and one fsync of the WAL for all of them
 * instead of one each, every caller answered only after the commit (nothing is
 * acknowledged before it is durable). A write that throws is answered with its
 * error and the group runs again without it (the rare case: a refused upload),
 * so it changes nothing; savepoints per write would cost a statement journal on
 * every write. A commit that fails (another process's lock) fails every write of
 * the group, and each caller retries as it would have alone (writeWhenFree).
 */
class CommitGroup {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(private readonly db: HubDb) {}

  add<T>(work: (tx: HubDb) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => void this.commit());
    });
  }

  private async commit(): Promise<void> {
    this.scheduled = false;
    let group = this.waiting;
    this.waiting = [];
    while (group.length) {
      let refused: { index: number; error: unknown } | null = null;
      try {
        const values = await inTransaction(this.db, async (tx) => {
          const done: unknown[] = [];
          for (const [index, { work }] of group.entries()) {
            try {
              done.push(await work(tx));
            } catch (error) {
              refused = { index, error };
              throw error;
            }
          }
          return done;
        });
        group.forEach(({ resolve }, i) => resolve(values[i]));
        return;
      } catch (e) {
        if (!refused) {
          for (const { reject } of group) reject(e);
          return;
        }
        const { index, error } = refused as { index: number; error: unknown };
        group[index]!.reject(error);
        group = group.filter((_, i) => i !== index);
      }
    }
  }
}

const groups = new WeakMap<HubDb, CommitGroup>();

/**
 * Runs `work` as a transaction of its own as far as the caller can tell (all or
 * nothing, durable once this resolves). `work` must touch only the database: it
 * may run again after another write of its group was refused. Committed on SQLite together with the
 * other writes asked for in the same turn (CommitGroup). On PostgreSQL, whose
 * commits do not block the event loop, and inside a transaction, it is `inTransaction`.
 */
export function inGroupCommit<T>(db: HubDb, work: (tx: HubDb) => Promise<T>): Promise<T> {
  if (isTransaction(db) || !sqliteHandle(db)) return inTransaction(db, work);
  let group = groups.get(db);
  if (!group) groups.set(db, (group = new CommitGroup(db)));
  return group.add(work);
}
