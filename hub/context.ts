import type { Clock } from "../shared/clock";
import type { HubDb } from "./db/client";
import type { ContactLog, DesiredStateCache } from "./agents/service";
import type { Diagnostics } from "./diagnostics/service";
import type { LiveOrchestrator } from "./live/service";
import type { PlanHistory } from "./plans/service";
import type { Releases } from "./releases/service";
import type { TimelapseJobs } from "./timelapses/service";
import type { SessionRenders } from "./timelapses/sessions";

/** What every hub module needs; built once in app.ts. */
export interface HubContext {
  db: HubDb;
  clock: Clock;
  desiredStates: DesiredStateCache;
  contacts: ContactLog;
  /** What each camera was served, from when: the plan its past is counted against. */
  planHistory: PlanHistory;
  live: LiveOrchestrator;
  timelapses: TimelapseJobs;
  /** Null when sessions are not rendered automatically. */
  sessionRenders: SessionRenders | null;
  operatorTokenHash: string;
  /** Agent releases: what a poll carries of them (hub/releases). */
  releases: Releases;
  diagnostics: Diagnostics;
}
