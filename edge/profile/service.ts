import type { PlanWindow } from "../../shared/contracts/plan";
import type { ProfileSnapshot } from "../../shared/contracts/profile";
import type { ScheduleRule } from "../../shared/contracts/schedule";
import type { ProfileRef } from "../../shared/contracts/sync";
import type { MetaStore } from "../capture/log";
import type { ProfileSource } from "../capture/service";
import type { DesiredStore } from "../sync/desired";

export interface LocalDeploy {
  snapshot: ProfileSnapshot;
  deployed_at: string;
}

export interface ActiveProfile {
  snapshot: ProfileSnapshot;
  source: "local" | "hub";
  deployed_at: string | null;
  reason: string;
}

/**
 * Which profile runs. A profile deployed by hand on the Pi (POST /profile/deploy)
 * wins over the hub's assignment until it is cleared — the technician on the
 * ridge sees the scene — and survives restarts. Clearing it returns to the hub's
 * assignment, or to live orchestration when there is none.
 */
export class ActiveProfiles implements ProfileSource {
  constructor(
    private readonly desired: DesiredStore,
    private readonly meta: MetaStore,
  ) {}

  local(): LocalDeploy | null {
    const raw = this.meta.get("local_profile");
    return raw ? (JSON.parse(raw) as LocalDeploy) : null;
  }

  deployLocal(snapshot: ProfileSnapshot, deployedAt: string): void {
    this.meta.set("local_profile", JSON.stringify({ snapshot, deployed_at: deployedAt } satisfies LocalDeploy));
  }

  /** Clears a hand deploy; returns whether there was one. */
  clearLocal(): boolean {
    const had = this.local() !== null;
    this.meta.delete("local_profile");
    return had;
  }

  hubAssignment(): ProfileRef | null {
    return this.desired.state?.assignment ?? null;
  }

  active(): ActiveProfile | null {
    const local = this.local();
    if (local) {
      return {
        snapshot: local.snapshot,
        source: "local",
        deployed_at: local.deployed_at,
        reason: "deployed by hand on the Pi; it wins over the hub's assignment until cleared (DELETE /profile/current)",
      };
    }
    const assignment = this.hubAssignment();
    const snapshot = assignment ? this.desired.snapshot(assignment.profile_id) : null;
    if (!snapshot) return null;
    return { snapshot, source: "hub", deployed_at: null, reason: "assigned by the hub" };
  }

  snapshot(profileId: string): ProfileSnapshot | null {
    const local = this.local();
    if (local?.snapshot.profile_id === profileId) return local.snapshot;
    return this.desired.snapshot(profileId);
  }

  timezone(): string {
    return this.desired.timezone();
  }

  rule(schedule: string): ScheduleRule | null {
    return this.desired.state?.schedules[schedule] ?? null;
  }

  /** The plan's windows with the hub-assigned profile replaced by a hand-deployed one. */
  windows(now: number): PlanWindow[] {
    return this.withLocal(this.desired.windows(now));
  }

  /** The same over a past span [from, to). */
  windowsBetween(from: number, to: number): PlanWindow[] {
    return this.withLocal(this.desired.windowsBetween(from, to));
  }

  private withLocal(windows: PlanWindow[]): PlanWindow[] {
    const local = this.local();
    const assigned = this.hubAssignment()?.profile_id;
    if (!local || !assigned || local.snapshot.profile_id === assigned) return windows;
    return windows.map((w) => ({ ...w, profiles: w.profiles.map((p) => (p === assigned ? local.snapshot.profile_id : p)) }));
  }
}
