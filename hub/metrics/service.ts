import type { HubContext } from "../context";
import { fleetSummary } from "../fleet/service";
import { healthGauges } from "../health/service";
import { type Family, gauge, type Sample } from "./exposition";
import { countByAttention } from "./compute";

/**
 * The gauges read from the shared store at each scrape: every replica reports
 * the same values (aggregate them with max, not sum). Device health is each
 * camera's latest report (hub/health). The fleet is read through
 * its service, as GET /api/fleet reads it.
 */
export class StoreGauges {
  /** Attention reasons seen since this process started: one that clears reads 0 instead of vanishing. */
  private readonly reasonsSeen = new Set<string>();

  constructor(private readonly ctx: Pick<HubContext, "db" | "clock" | "contacts" | "timelapses">) {}

  async families(): Promise<Family[]> {
    await this.ctx.contacts.flush();
    const fleet = await fleetSummary(this.ctx.db, this.ctx.clock.now());
    const renders = await this.ctx.timelapses.queueCounts();
    const byStatus = new Map<string, number>([["online", 0], ["offline", 0], ["waiting_for_first_contact", 0]]);
    for (const c of fleet.cameras) byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + 1);
    const attention = countByAttention(fleet.cameras, this.reasonsSeen);
    const health = new Map<string, Family>();
    for (const g of await healthGauges(this.ctx.db)) {
      const family = health.get(g.name) ?? gauge(g.name, g.help, []);
      family.samples.push({ labels: g.labels, value: g.value });
      health.set(g.name, family);
    }
    const backlog: Sample[] = fleet.cameras.filter((c) => c.backlog !== null).map((c) => ({ labels: { camera: c.id }, value: c.backlog! }));
    return [
      gauge("skylapse_cameras", "Cameras registered, by status (online, offline, waiting_for_first_contact).", [...byStatus].map(([status, value]) => ({ labels: { status }, value }))),
      gauge("skylapse_cameras_needing_attention", "Cameras with at least one attention reason.", [{ labels: {}, value: fleet.totals.attention }]),
      gauge("skylapse_cameras_attention", "Cameras needing attention, by reason (a camera counts once under each of its reasons).", attention),
      gauge("skylapse_camera_backlog_records", "Records waiting on the camera for upload, as its agent last reported.", backlog),
      gauge("skylapse_renders", "Timelapse renders, by state (queued, running).", [
        { labels: { state: "queued" }, value: renders.queued },
        { labels: { state: "running" }, value: renders.running },
      ]),
      ...health.values(),
    ];
  }
}
