/**
 * Duties one hub process at a time runs (live orchestration): on PostgreSQL the
 * holder keeps a session advisory lock on a connection of its own, so when it
 * dies, kill -9 included, PostgreSQL ends the session and the lock with it and
 * another replica takes the duty at its next try. On SQLite the data dir's duty
 * lock (hub/roles.ts) already makes the process the only one.
 */
import type { ReservedSQL, SQL } from "bun";
import { type HubDb, isPostgres } from "./client";

/** Advisory lock keys of the duties, beside the migration (…012) and write (…013) locks. */
export const LEASES = { live: 7_215_734_021 } as const;

export class DutyLease {
  private conn: ReservedSQL | null = null;

  constructor(
    private readonly db: HubDb,
    private readonly key: number,
  ) {}

  /** Whether this process holds the duty now, taking it when free. */
  async held(): Promise<boolean> {
    if (!isPostgres(this.db)) return true;
    try {
      if (this.conn) {
        // The lock lives as long as the session: a live session still holds it.
        await this.conn`SELECT 1`;
        return true;
      }
      const conn = await (this.db as unknown as { $client: SQL }).$client.reserve();
      const [row] = await conn`SELECT pg_try_advisory_lock(${this.key}) AS ok`;
      if (row?.ok) return Boolean((this.conn = conn));
      conn.release();
      return false;
    } catch (e) {
      console.error(`hub: duty lease ${this.key}: ${(e as Error).message}`);
      this.drop();
      return false;
    }
  }

  /** Lets the duty go (a graceful stop): another replica takes it at once. */
  async release(): Promise<void> {
    if (!this.conn) return;
    try {
      await this.conn`SELECT pg_advisory_unlock(${this.key})`;
    } catch {}
    this.drop();
  }

  private drop(): void {
    try {
      this.conn?.close();
    } catch {}
    this.conn = null;
  }
}
