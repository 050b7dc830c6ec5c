import type { Clock } from "../shared/clock";
import type { HubDb } from "./db/client";
import type { ContactLog, DesiredStateCache } from "./agents/service";
import type { LiveOrchestrator } from "./live/service";

/** What every hub module needs; built once in app.ts. */
export interface HubContext {
  db: HubDb;
  clock: Clock;
  desiredStates: DesiredStateCache;
  contacts: ContactLog;
  live: LiveOrchestrator;
  operatorTokenHash: string;
}
