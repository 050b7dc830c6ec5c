import { release, type } from "node:os";
import type { DiagnosticsBundle } from "../../shared/contracts/diagnostics";
import { type HubClient, HubError } from "../hub-client";
import { type BundleParts, assembleBundle } from "./bundle";

/**
 * Answers the hub's diagnostics requests: a poll answer names one, and the
 * bundle goes up before that poll cycle's record uploads. A failed upload is
 * left for the next poll, which names the request again while the hub waits for
 * it; one the hub refuses for good (a 4xx) is not sent again by this process.
 */
export class DiagnosticsResponder {
  private readonly answered = new Set<string>();

  constructor(
    private readonly deps: {
      hub: HubClient;
      /** Everything but the log and secrets' removal, read now. */
      collect: (requestId: string) => BundleParts;
      log: (line: string) => void;
    },
  ) {}

  /** Collects and uploads the bundle for `requestId`; never throws (the sync cycle goes on). */
  async answer(requestId: string): Promise<void> {
    if (this.answered.has(requestId)) return;
    let bundle: DiagnosticsBundle;
    try {
      bundle = assembleBundle(this.deps.collect(requestId));
    } catch (e) {
      this.deps.log(`edge: diagnostics ${requestId}: could not be collected: ${(e as Error).message}`);
      return;
    }
    try {
      await this.deps.hub.send("diagnostics", `/agent/v1/diagnostics/${encodeURIComponent(requestId)}`, { method: "PUT", json: bundle });
      this.answered.add(requestId);
      this.deps.log(`edge: diagnostics ${requestId} sent to the hub (${bundle.log.length} log lines)`);
    } catch (e) {
      if (e instanceof HubError && e.kind === "http" && !e.retryable) this.answered.add(requestId);
      this.deps.log(`edge: diagnostics ${requestId} not sent: ${(e as Error).message}`);
    }
  }
}

/** The runtime under the agent, for a bundle's versions. */
export function runtimeVersions(agent: string): DiagnosticsBundle["versions"] {
  return { agent, bun: Bun.version, platform: process.platform, arch: process.arch, os_release: `${type()} ${release()}`.slice(0, 200) };
}
