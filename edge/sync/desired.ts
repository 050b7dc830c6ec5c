import { eq } from "drizzle-orm";
import type { PlanWindow } from "../../shared/contracts/plan";
import type { ProfileSnapshot } from "../../shared/contracts/profile";
import type { DesiredState } from "../../shared/contracts/sync";
import { windowsBetween, windowsWithExtrapolation } from "../../shared/plan/extrapolate";
import type { EdgeDb } from "../db/client";
import { desired } from "../db/schema";

/** The desired state last pulled from the hub, durable in SQLite and mirrored in memory. */
export class DesiredStore {
  private current: { etag: string; state: DesiredState } | null;
  private listeners: (() => void)[] = [];
  private memo: { etag: string; day: number; windows: PlanWindow[] } | null = null;

  constructor(private readonly db: EdgeDb) {
    const row = db.select().from(desired).where(eq(desired.id, 1)).get();
    this.current = row ? { etag: row.etag, state: row.state } : null;
  }

  get etag(): string | null {
    return this.current?.etag ?? null;
  }

  get state(): DesiredState | null {
    return this.current?.state ?? null;
  }

  /** Replaces the whole state in one statement, then tells the scheduler. */
  apply(etag: string, state: DesiredState, now: number): void {
    this.db
      .insert(desired)
      .values({ id: 1, etag, state, appliedAt: now })
      .onConflictDoUpdate({ target: desired.id, set: { etag, state, appliedAt: now } })
      .run();
    this.current = { etag, state };
    for (const listener of this.listeners) listener();
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  snapshot(profileId: string): ProfileSnapshot | null {
    return this.current?.state.profiles.find((p) => p.profile_id === profileId) ?? null;
  }

  /** The plan's windows, extended by the agent past the hub's plan when it runs short (memoised per state and day). */
  windows(now: number): PlanWindow[] {
    if (!this.current) return [];
    const day = Math.floor(now / 86_400_000);
    if (this.memo?.etag !== this.current.etag || this.memo.day !== day) {
      this.memo = { etag: this.current.etag, day, windows: windowsWithExtrapolation(this.current.state, now) };
    }
    return this.memo.windows;
  }

  /** The plan over a past span, also where the cached plan no longer reaches (from the rules). */
  windowsBetween(from: number, to: number): PlanWindow[] {
    return this.current ? windowsBetween(this.current.state, from, to) : [];
  }

  /** Whether any window the agent runs now was extended by itself rather than planned by the hub. */
  extrapolating(now: number): boolean {
    return this.windows(now).some((w) => w.extrapolated);
  }

  timezone(): string {
    return this.current?.state.camera.timezone ?? "UTC";
  }
}
