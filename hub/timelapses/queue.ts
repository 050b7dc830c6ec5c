/**
 * The render queue's claims, in the database so any number of hub processes can
 * share it: a worker takes the oldest queued job (or one whose lease ran out: its
 * worker died) with one conditional update, holds it by renewing its lease while
 * it renders, and writes to it only while its attempt is the running one.
 */
import { and, eq, sql } from "drizzle-orm";
import { type HubDb, isPostgres } from "../db/client";
import { timelapses } from "../db/schema";

type Row = typeof timelapses.$inferSelect;

/**
 * Claims the next job for a new attempt, leased until `leaseUntil`; null when none
 * waits. On PostgreSQL the candidate row is locked with SKIP LOCKED, so workers
 * claiming at once take different jobs; on SQLite writes are serialised anyway.
 * `skip`: jobs this worker already runs.
 */
export async function claimJob(db: HubDb, now: number, leaseUntil: number, skip: string[]): Promise<Row | null> {
  const claimable = sql`(${timelapses.status} = 'queued' OR (${timelapses.status} = 'running' AND ${timelapses.leaseUntil} < ${now}))`;
  const notMine = skip.length ? sql` AND ${timelapses.id} NOT IN (${sql.join(skip.map((id) => sql`${id}`), sql`, `)})` : sql``;
  const lock = isPostgres(db) ? sql` FOR UPDATE SKIP LOCKED` : sql``;
  const next = sql`(SELECT ${timelapses.id} FROM ${timelapses} WHERE ${claimable}${notMine} ORDER BY ${timelapses.createdAt}, ${timelapses.id} LIMIT 1${lock})`;
  const [row] = await db
    .update(timelapses)
    .set({ status: "running", attempt: sql`${timelapses.attempt} + 1`, startedAt: now, framesDone: 0, leaseUntil })
    .where(and(sql`${timelapses.id} = ${next}`, claimable))
    .returning();
  return row ?? null;
}

/** Extends the attempt's lease; false once the job is no longer this attempt's (cancelled, deleted, re-queued, taken over). */
export async function renewLease(db: HubDb, job: Pick<Row, "id" | "attempt">, leaseUntil: number): Promise<boolean> {
  const renewed = await db
    .update(timelapses)
    .set({ leaseUntil })
    .where(and(eq(timelapses.id, job.id), eq(timelapses.attempt, job.attempt), eq(timelapses.status, "running")))
    .returning({ id: timelapses.id });
  return renewed.length > 0;
}

/** Every running job back in the queue: for a hub that is its database's only process, at start, they are its own interrupted renders. */
export async function requeueRunning(db: HubDb): Promise<void> {
  await db.update(timelapses).set({ status: "queued", leaseUntil: null }).where(eq(timelapses.status, "running"));
}
