import { createReadStream, rmSync } from "node:fs";
import type { Clock } from "../../shared/clock";
import type { AgentUpdateState, ReleaseArtifact, SignedManifest, UpdateOutcome } from "../../shared/contracts/release";
import { manifestSignedBy } from "../../shared/release/public-key";
import type { MetaStore } from "../capture/log";
import type { Incidents } from "../incidents";
import type { DesiredStore } from "../sync/desired";
import type { HubClient, LinkBudget } from "../hub-client";
import { appendOutcome, type HealthSignals, healthy, planUpdate, stillFailed } from "./compute";
import { bytesOnDisk, resumeDownload } from "./download";
import { DownloadGate } from "./gate";
import type { Install, Slot } from "./install";

const IDLE_CHECK_MS = 30_000;
const TRIAL_CHECK_MS = 2_000;

export interface UpdaterDeps {
  /** Null when the agent does not run from an install (a source checkout): no updates. */
  install: Install | null;
  arch: string;
  running: string;
  /** SKYLAPSE_RELEASE_PUBKEY: the only key whose releases this agent runs. */
  /** SKYLAPSE_RELEASE_PUBKEY, checked by the config. */
  publicKey: string | null;
  /** The agent's one client to the hub (downloads are ranged GETs through it). */
  hub: HubClient;
  desired: DesiredStore;
  meta: MetaStore;
  incidents: Incidents;
  clock: Clock;
  /** The update's own cap, within the link's budget (the hub client's). */
  cap: LinkBudget;
  chunkBytes: number;
  /** Capture records wait for upload: they go first, the download keeping a share of the link (gate.ts). */
  recordsWaiting: () => boolean;
  health: () => HealthSignals;
  /** A new version is switched in: exit (after the next capture when one is near), and let systemd start the launcher again. */
  restart: () => void;
}

/** What the updater keeps across restarts (and versions: the slots share the data dir). */
interface Saved {
  failed: string[];
  history: UpdateOutcome[];
  /** The update under way: its bytes moved so far, resumed downloads included. */
  progress: { version: string; from: string; moved: number; full: boolean } | null;
}

class Refused extends Error {}

async function fileSha256(path: string): Promise<string> {
  const hash = new Bun.CryptoHasher("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Over-the-air updates. When the desired state assigns another release, the updater
 * checks its signature against the agent's own key, downloads what this install lacks
 * (the bundle; the runtime too when it changed) in the background after the capture
 * records, checks every hash, fills the other slot, puts it on trial and restarts.
 * The version on trial confirms itself after a poll and a capture; the launcher rolls
 * back one that does not, and the old version reports it here.
 */
export class Updater {
  private saved: Saved;
  private phase: AgentUpdateState["phase"];
  private target: string | null = null;
  private downloaded = 0;
  private total = 0;
  private onTrial: boolean;
  /** A new version is switched in and the restart is on its way: nothing more to do here. */
  private switched = false;
  private running = false;
  private stopping = new AbortController();
  private wake = new AbortController();
  private loop: Promise<void> | null = null;

  constructor(private readonly deps: UpdaterDeps) {
    this.saved = { failed: [], history: [], progress: null, ...(JSON.parse(deps.meta.get("update") ?? "{}") as Partial<Saved>) };
    this.onTrial = deps.install?.trial() === deps.running;
    this.phase = !deps.install ? "off" : this.onTrial ? "trial" : "idle";
    const failure = deps.install?.takeFailure();
    if (failure) this.finish("rolled_back", failure.version, failure.reason);
  }

  report(): AgentUpdateState {
    return {
      arch: this.deps.arch,
      slot: this.deps.install?.currentSlot() ?? null,
      phase: this.phase,
      target: this.target,
      downloaded_bytes: this.downloaded,
      total_bytes: this.total,
      history: this.saved.history,
    };
  }

  start(): void {
    if (!this.deps.install || this.running) return;
    this.running = true;
    this.deps.desired.onChange(() => this.wake.abort());
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    this.wake.abort();
    await this.loop;
  }

  private save(): void {
    this.deps.meta.set("update", JSON.stringify(this.saved));
  }

  private finish(result: UpdateOutcome["result"], version: string, detail: string): void {
    const progress = this.saved.progress?.version === version ? this.saved.progress : null;
    this.saved.history = appendOutcome(this.saved.history, {
      version,
      from: result === "installed" ? (progress?.from ?? "unknown") : this.deps.running,
      result,
      bytes_moved: progress?.moved ?? 0,
      full: progress?.full ?? false,
      at: new Date(this.deps.clock.now()).toISOString(),
      detail: detail.slice(0, 300),
    });
    if (result !== "installed" && !this.saved.failed.includes(version)) this.saved.failed.push(version);
    this.saved.progress = null;
    this.save();
    if (result === "installed") console.log(`edge: update: ${version} installed and healthy`);
    else this.deps.incidents.add("update_failed", `agent update to ${version} ${result === "refused" ? "refused" : "rolled back"}: ${detail}`);
  }

  private async run(): Promise<void> {
    const { clock } = this.deps;
    while (this.running) {
      try {
        await this.step();
      } catch (e) {
        if (this.running) console.warn(`edge: update: ${(e as Error).message} (will retry)`);
      }
      if (!this.running) break;
      await clock.sleepUntil(clock.now() + (this.onTrial ? TRIAL_CHECK_MS : IDLE_CHECK_MS), this.wake.signal);
      if (this.wake.signal.aborted) this.wake = new AbortController();
    }
  }

  private async step(): Promise<void> {
    const install = this.deps.install!;
    if (this.switched) return;
    if (this.onTrial) {
      if (!healthy(this.deps.health())) return;
      install.confirm();
      this.onTrial = false;
      this.phase = "idle";
      this.finish("installed", this.deps.running, "a poll and a capture within the trial");
      install.prune([]);
      return;
    }
    const release = this.deps.desired.state?.agent_release;
    const failed = stillFailed(this.saved.failed, release?.version ?? null);
    if (failed.length !== this.saved.failed.length) {
      this.saved.failed = failed;
      this.save();
    }
    const plan = planUpdate(release, this.deps.arch, this.deps.running, failed);
    if (plan.kind === "none") {
      this.phase = "idle";
      this.target = null;
      return;
    }
    try {
      await this.install(install, plan.signed);
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
      this.phase = "idle";
      this.target = null;
      this.finish("refused", plan.signed.manifest.version, e.message);
    }
  }

  private async install(install: Install, signed: SignedManifest): Promise<void> {
    const m = signed.manifest;
    if (!this.deps.publicKey) throw new Refused("SKYLAPSE_RELEASE_PUBKEY is not set, so no release can be trusted");
    if (!(await manifestSignedBy(signed, this.deps.publicKey))) throw new Refused("its manifest is not signed by the key in SKYLAPSE_RELEASE_PUBKEY");
    const full = !install.hasRuntime(m.runtime.unpacked_sha256);
    if (this.saved.progress?.version !== m.version) this.saved.progress = { version: m.version, from: this.deps.running, moved: 0, full };
    const progress = this.saved.progress;
    progress.full ||= full;
    const artifacts: [string, ReleaseArtifact][] = full ? [["runtime", m.runtime], ["bundle", m.bundle]] : [["bundle", m.bundle]];
    this.phase = "downloading";
    this.target = m.version;
    this.total = artifacts.reduce((n, [, a]) => n + a.bytes, 0);
    this.downloaded = artifacts.reduce((n, [, a]) => n + Math.min(a.bytes, bytesOnDisk(install.partial(a.sha256))), 0);
    const gate = new DownloadGate({ clock: this.deps.clock, recordsWaiting: this.deps.recordsWaiting, signal: this.stopping.signal });
    for (const [what, artifact] of artifacts) {
      const file = install.partial(artifact.sha256);
      const resumedAt = bytesOnDisk(file);
      if (resumedAt > 0 && resumedAt < artifact.bytes) console.log(`edge: update: ${m.version} ${what} resumes at byte ${resumedAt} of ${artifact.bytes}`);
      await resumeDownload({
        hub: this.deps.hub,
        path: `/agent/v1/releases/artifacts/${artifact.sha256}`,
        file,
        bytes: artifact.bytes,
        chunkBytes: this.deps.chunkBytes,
        cap: this.deps.cap,
        signal: this.stopping.signal,
        mayProceed: () => gate.mayProceed(),
        onMoved: (moved) => {
          progress.moved += moved;
          this.downloaded += moved;
          this.save();
        },
      });
      if ((await fileSha256(file)) !== artifact.sha256) {
        rmSync(file, { force: true });
        throw new Refused(`the downloaded ${what} does not match the sha256 its manifest was signed with`);
      }
    }
    if (full && !(await install.addRuntime(install.partial(m.runtime.sha256), m.runtime.unpacked_sha256))) throw new Refused("the runtime unpacks to other bytes than its manifest names");
    const slot: Slot = install.currentSlot() === "a" ? "b" : "a";
    if (!(await install.fillSlot(slot, m, install.partial(m.bundle.sha256)))) throw new Refused("the bundle unpacks to other bytes than its manifest names");
    install.switchTo(slot, m.version);
    this.switched = true;
    install.prune([]);
    console.log(`edge: update: ${m.version} installed in slot ${slot} (${progress.moved} bytes moved, ${progress.full ? "runtime and bundle" : "bundle only"}); restarting into it on trial`);
    this.deps.restart();
  }
}
