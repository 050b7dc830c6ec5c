import { is } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { isPostgres, isTransaction, type HubDb } from "./client";
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
 *
 * On PostgreSQL every hub transaction takes the one write lock (transaction.ts),
 * so the groups of a process commit one after another: the writes asked for while
 * one commits wait and form the next group (one BEGIN, lock hand-off and COMMIT
 * for all of them instead of one each). A write that throws aborts the
 * transaction there too, and the group runs again without it.
 */
class CommitGroup {
  private waiting: Waiting[] = [];
  private scheduled = false;
  private committing = false;

  constructor(
    private readonly db: HubDb,
    private readonly oneAtATime: boolean,
  ) {}

  add<T>(work: (tx: HubDb) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || (this.oneAtATime && this.committing)) return;
    this.scheduled = true;
    setImmediate(() => void this.commitNext());
  }

  private async commitNext(): Promise<void> {
    this.committing = true;
    try {
      await this.commit();
    } finally {
      this.committing = false;
      if (this.waiting.length) this.schedule();
    }
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
 * may run again after another write of its group was refused. Committed together with the
 * other writes asked for in the same turn (CommitGroup; on PostgreSQL also those asked
 * for while the previous group committed). Inside a transaction, it joins it.
 */
export function inGroupCommit<T>(db: HubDb, work: (tx: HubDb) => Promise<T>): Promise<T> {
  if (isTransaction(db) || is(db, PgTransaction)) return inTransaction(db, work);
  let group = groups.get(db);
  if (!group) groups.set(db, (group = new CommitGroup(db, isPostgres(db))));
  return group.add(work);
}
