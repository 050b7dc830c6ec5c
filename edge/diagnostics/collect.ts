import type { Clock } from "../../shared/clock";
import type { ObservedState } from "../../shared/contracts/sync";
import type { HubClient } from "../hub-client";
import type { ImageSyncStatus } from "../sync/images";
import type { SyncStatus } from "../sync/service";
import type { BundleParts } from "./bundle";
import type { LogRing } from "./log-ring";
import { DiagnosticsResponder, runtimeVersions } from "./service";

export interface DiagnosticsSources {
  hub: HubClient;
  agentVersion: string;
  /** The agent's parsed settings (secrets are removed from the bundle). */
  settings: Record<string, unknown>;
  dataDir: string;
  clock: Clock;
  observe: () => ObservedState;
  sync: () => SyncStatus | null;
  imageSync: () => ImageSyncStatus | null;
  /** The token in use, which may come from an enrollment rather than the settings. */
  token: () => string | null;
  disk: () => { used_bytes: number; free_bytes: number; total_bytes: number } | null;
  log: LogRing | null;
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** What a bundle is made of, read from the running agent now. */
export function bundleParts(s: DiagnosticsSources, requestId: string): BundleParts {
  const observed = s.observe();
  const sync = s.sync();
  const images = s.imageSync();
  const disk = s.disk();
  const token = s.token();
  return {
    request_id: requestId,
    collected_at: new Date(s.clock.now()).toISOString(),
    versions: runtimeVersions(s.agentVersion),
    uptime_seconds: process.uptime(),
    observed,
    hub: {
      last_poll_at: iso(sync?.lastPollAt ?? null),
      last_success_at: iso(sync?.lastSuccessAt ?? null),
      last_error: sync?.lastError ?? null,
      failures: sync?.failures ?? 0,
      uploaded: sync?.uploaded ?? 0,
      bytes_sent: s.hub.traffic.sent,
      bytes_received: s.hub.traffic.received,
    },
    image_sync: images && { thumbnails: images.thumbnails, images: images.images, bytes: images.bytes, failures: images.failures, last_error: images.lastError },
    disk: disk && { path: s.dataDir, ...disk, images_bytes: observed.disk?.images_bytes ?? 0, budget_bytes: observed.disk?.budget_bytes ?? null },
    settings: s.settings,
    secrets: token ? [token] : [],
    log: s.log?.lines() ?? [],
  };
}

export function createDiagnostics(sources: DiagnosticsSources): DiagnosticsResponder {
  return new DiagnosticsResponder({ hub: sources.hub, collect: (id) => bundleParts(sources, id), log: (line) => console.log(line) });
}
