import { openDatabase } from "../../shared/sqlite";
import * as schema from "./schema";

/**
 * The hub waits at most this long, blocking, for another process's lock on its
 * database; past it a write fails at once and waits off the event loop instead
 * (hub/db/locks.ts), so an outside lock never freezes the hub.
 */
export const HUB_BUSY_TIMEOUT_MS = 10;

export function openHubDb(path: string) {
  return openDatabase(path, "hub", schema, HUB_BUSY_TIMEOUT_MS);
}

export type HubDb = ReturnType<typeof openHubDb>["db"];
export { schema };
