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
 * instead of one each. Each write runs in a savepoint of its own, so one that
 * throws rolls back alone; every caller is answered only after the commit, so
 * nothing is acknowledged before it is durable. A commit that fails (another
 * process's lock) fails every write of the group, and each caller retries as
 * it would have alone (writeWhenFree).
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
    const group = this.waiting;
    this.waiting = [];
    const { sqlite } = sqliteHandle(this.db)!;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      await inTransaction(this.db, async (tx) => {
        for (const { work } of group) {
          sqlite.exec("SAVEPOINT request");
          try {
            outcomes.push({ ok: true, value: await work(tx) });
            sqlite.exec("RELEASE request");
          } catch (e) {
            sqlite.exec("ROLLBACK TO request");
            sqlite.exec("RELEASE request");
            outcomes.push({ ok: false, value: e });
          }
        }
      });
    } catch (e) {
      for (const { reject } of group) reject(e);
      return;
    }
    group.forEach(({ resolve, reject }, i) => (outcomes[i]!.ok ? resolve : reject)(outcomes[i]!.value));
  }
}

const groups = new WeakMap<HubDb, CommitGroup>();

/**
 * Runs `work` as a transaction of its own as far as the caller can tell (all or
 * nothing, durable once this resolves), committed on SQLite together with the
 * other writes asked for in the same turn (CommitGroup). On PostgreSQL, whose
 * commits do not block the event loop, and inside a transaction, it is `inTransaction`.
 */
export function inGroupCommit<T>(db: HubDb, work: (tx: HubDb) => Promise<T>): Promise<T> {
  if (isTransaction(db) || !sqliteHandle(db)) return inTransaction(db, work);
  let group = groups.get(db);
  if (!group) groups.set(db, (group = new CommitGroup(db)));
  return group.add(work);
}
