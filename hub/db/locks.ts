import { isBusy } from "../../shared/sqlite";
import { HUB_BUSY_TIMEOUT_MS, sqliteHandle, type HubDb } from "./client";

/** How long a request's write waits for an outside lock before the hub answers 503 (Retry-After). */
export const MAX_WRITE_WAIT_MS = 5000;
/** How often one probe per database looks whether the outside lock is gone. */
const PROBE_EVERY_MS = 25;

// Lock waits are real time (another process's lock), not the hub's injected clock.
const released = new WeakMap<HubDb, Promise<void>>();

/** Whether another process holds the database's write lock (a probe is waiting for it to go). */
export function databaseLocked(db: HubDb): boolean {
  return released.has(db);
}

/**
 * Notes that a write found the database locked by another process: one probe per
 * database then tries, without waiting, to take the write lock every few ms, and
 * the returned promise resolves once it could. Writers wait on it instead of
 * each blocking the event loop for the busy timeout.
 */
export function watchLock(db: HubDb): Promise<void> {
  let waiting = released.get(db);
  if (waiting) return waiting;
  const handle = sqliteHandle(db);
  if (!handle) return Promise.resolve();
  const { sqlite, gate } = handle;
  waiting = new Promise<void>((resolve) => {
    const probe = () => {
      // Our own transaction holds the connection: look again once it has ended.
      if (sqlite.inTransaction) return void gate.free().then(() => setTimeout(probe, PROBE_EVERY_MS));
      let free: boolean;
      try {
        sqlite.exec("PRAGMA busy_timeout = 0");
        sqlite.exec("BEGIN IMMEDIATE");
        sqlite.exec("ROLLBACK");
        free = true;
      } catch (e) {
        // Anything but the lock (a database closed meanwhile) ends the wait too: the writers' retry tells.
        free = !isBusy(e);
      }
      try {
        sqlite.exec(`PRAGMA busy_timeout = ${HUB_BUSY_TIMEOUT_MS}`);
      } catch {}
      if (!free) return void setTimeout(probe, PROBE_EVERY_MS);
      released.delete(db);
      resolve();
    };
    setTimeout(probe, PROBE_EVERY_MS);
  });
  released.set(db, waiting);
  return waiting;
}

/** True once `released` resolves, false if `ms` pass first. */
function within(released: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([released.then(() => true), timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs a write (a transaction). While another process holds the
 * database's lock it waits off the event loop and tries again once the lock is
 * gone; still locked after `maxWaitMs`, the busy error is thrown (the error
 * handler answers 503 with Retry-After). Other errors pass through.
 */
export async function writeWhenFree<T>(db: HubDb, write: () => Promise<T>, maxWaitMs = MAX_WRITE_WAIT_MS): Promise<T> {
  const deadline = performance.now() + maxWaitMs;
  for (;;) {
    const waiting = released.get(db);
    if (waiting) {
      const left = deadline - performance.now();
      if (left <= 0 || !(await within(waiting, left))) throw lockedError();
      continue;
    }
    try {
      return await write();
    } catch (e) {
      if (!isBusy(e)) throw e;
      if (performance.now() >= deadline) throw e;
      watchLock(db);
    }
  }
}

function lockedError(): Error {
  return Object.assign(new Error("the hub's database is locked by another process"), { code: "SQLITE_BUSY" });
}
