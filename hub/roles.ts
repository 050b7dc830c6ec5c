import type { Database } from "bun:sqlite";
import { join, resolve } from "node:path";
import { holdExclusiveLock } from "../shared/sqlite";
import type { HubRole } from "./app";

/** What a process of the role does: serve the API, run the background work (renders, session scans, retention, live orchestration). */
export type Duty = "api" | "worker";

export function dutiesOf(role: HubRole): Duty[] {
  return role === "all" ? ["api", "worker"] : [role];
}

/**
 * The lock file of one duty on a SQLite data dir. The API's keeps the name earlier
 * versions gave the whole hub's, so an older hub and a newer one on the same data
 * dir exclude each other during an upgrade.
 */
export const dutyLockPath = (dataDir: string, duty: Duty) => join(dataDir, duty === "api" ? "hub.lock" : "hub-worker.lock");

/**
 * On one SQLite data dir each duty is held by one process: two API processes
 * would each keep their own upload queues and caches of one database, two
 * workers would both take running renders for interrupted ones at start. An api
 * process and a worker process share the data dir (the database's own locking
 * keeps their writes apart). The locks last as long as the process (the kernel
 * drops them on any exit, kill -9 included).
 */
export function lockDuties(dataDir: string, role: HubRole): { close: () => void } {
  const held: Database[] = [];
  for (const duty of dutiesOf(role)) {
    const path = dutyLockPath(dataDir, duty);
    const lock = holdExclusiveLock(path);
    if (!lock) {
      for (const h of held) h.close();
      throw new Error(
        `another hub is already running on the data dir ${resolve(dataDir)} doing its ${duty === "api" ? "API" : "background work"} (it holds ${resolve(path)}); ` +
          `on SQLite a data dir serves one API process and one worker process at a time (SKYLAPSE_ROLE api, worker, or all for both): stop that hub first, or give this one another SKYLAPSE_DATA_DIR`,
      );
    }
    held.push(lock);
  }
  return { close: () => held.forEach((h) => h.close()) };
}
