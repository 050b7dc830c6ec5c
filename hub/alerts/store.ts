/**
 * The alerts' data access (async drizzle only, no SQLite-only SQL). Every state change
 * is one conditional statement whose returned rows say whether this caller made it, so
 * two hub replicas evaluating at once change each alert once and queue each notification once.
 */
import { and, desc, eq, gt, gte, inArray, isNotNull, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { HubDb } from "../db/client";
import { alertChannels, alertDeliveries, alertMutes, alerts, auditLog, cameras, maintenanceWindows, settings } from "../db/schema";
import type { Mute, OpenAlert, Window } from "./compute";
import { AlertRules } from "./model";
import type { AlertView, DeliveryPayload } from "./payload";

export type AlertRow = typeof alerts.$inferSelect;
export type ChannelRow = typeof alertChannels.$inferSelect;
export type DeliveryRow = typeof alertDeliveries.$inferSelect;

const RULES_KEY = "alert_rules";
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
export const openKey = (cameraId: string, kind: string) => `${cameraId}/${kind}`;

export function alertView(r: AlertRow): AlertView {
  return {
    id: r.id,
    camera_id: r.cameraId,
    kind: r.kind,
    status: r.status,
    summary: r.summary,
    value: r.value ?? null,
    threshold: r.threshold ?? null,
    since: iso(r.since)!,
    fired_at: iso(r.firedAt),
    resolved_at: iso(r.resolvedAt),
    acknowledged_at: iso(r.acknowledgedAt),
    notified_at: iso(r.notifiedAt),
  };
}

export async function readRules(db: HubDb): Promise<AlertRules> {
  const [row] = await db.select().from(settings).where(eq(settings.key, RULES_KEY));
  return AlertRules.parse(row?.value ?? {});
}

export async function writeRules(db: HubDb, rules: AlertRules): Promise<void> {
  await db.insert(settings).values({ key: RULES_KEY, value: rules }).onConflictDoUpdate({ target: settings.key, set: { value: rules } });
}

/** Each active camera's raw observed state (device health and update outcomes are read from it); retired cameras are not judged. */
export async function observedStates(db: HubDb): Promise<Map<string, unknown>> {
  const rows = await db.select({ id: cameras.id, observed: cameras.observed }).from(cameras).where(isNull(cameras.retiredAt));
  return new Map(rows.map((r) => [r.id, r.observed]));
}

export async function openAlerts(db: HubDb): Promise<Map<string, OpenAlert & { cameraId: string; kind: string }>> {
  const rows = await db.select().from(alerts).where(isNotNull(alerts.openKey));
  return new Map(rows.map((r) => [r.openKey!, { id: r.id, cameraId: r.cameraId, kind: r.kind, status: r.status as "pending" | "firing", since: r.since, clearSince: r.clearSince, notifiedAt: r.notifiedAt }]));
}

export async function activeMutes(db: HubDb, now: number): Promise<Mute[]> {
  return db.select({ cameraId: alertMutes.cameraId, kind: alertMutes.kind, until: alertMutes.until }).from(alertMutes).where(gt(alertMutes.until, now));
}

export async function setMute(db: HubDb, mute: Mute, now: number): Promise<void> {
  await db.insert(alertMutes).values({ ...mute, createdAt: now }).onConflictDoUpdate({ target: [alertMutes.cameraId, alertMutes.kind], set: { until: mute.until, createdAt: now } });
}

export async function currentWindows(db: HubDb, now: number): Promise<Window[]> {
  return db.select({ cameraId: maintenanceWindows.cameraId, startsAt: maintenanceWindows.startsAt, endsAt: maintenanceWindows.endsAt }).from(maintenanceWindows).where(and(lte(maintenanceWindows.startsAt, now), gt(maintenanceWindows.endsAt, now)));
}

/** Opens a pending alert unless one is open for this camera/kind (the unique open key decides between replicas). */
export async function openAlert(db: HubDb, cameraId: string, kind: string, summary: string, value: number | null, threshold: number | null, now: number): Promise<void> {
  await db.insert(alerts).values({ openKey: openKey(cameraId, kind), cameraId, kind, status: "pending", since: now, summary, value, threshold }).onConflictDoNothing();
}

export async function restartPending(db: HubDb, id: number, now: number): Promise<void> {
  await db.update(alerts).set({ since: now }).where(and(eq(alerts.id, id), eq(alerts.status, "pending")));
}

export async function dropPending(db: HubDb, id: number): Promise<void> {
  await db.delete(alerts).where(and(eq(alerts.id, id), eq(alerts.status, "pending")));
}

/** pending → firing; the row when this caller fired it. */
export async function fire(db: HubDb, id: number, summary: string, value: number | null, now: number): Promise<AlertRow | null> {
  const [row] = await db
    .update(alerts)
    .set({ status: "firing", firedAt: now, summary, value })
    .where(and(eq(alerts.id, id), eq(alerts.status, "pending")))
    .returning();
  return row ?? null;
}

/** Records that the firing was queued (after queuing it: a hub killed between the two queues it again, under the same keys). */
export async function markNotified(db: HubDb, id: number, now: number): Promise<void> {
  await db.update(alerts).set({ notifiedAt: now }).where(and(eq(alerts.id, id), isNull(alerts.notifiedAt)));
}

export async function markResolutionNotified(db: HubDb, id: number, now: number): Promise<void> {
  await db.update(alerts).set({ resolutionNotifiedAt: now }).where(and(eq(alerts.id, id), isNull(alerts.resolutionNotifiedAt)));
}

/** Resolved alerts whose firing was notified and whose resolution is not queued yet (a hub killed between the two steps). */
export async function unsentResolutions(db: HubDb): Promise<AlertRow[]> {
  return db.select().from(alerts).where(and(eq(alerts.status, "resolved"), isNotNull(alerts.notifiedAt), isNull(alerts.resolutionNotifiedAt)));
}

export async function setClearSince(db: HubDb, id: number, at: number | null): Promise<void> {
  await db.update(alerts).set({ clearSince: at }).where(and(eq(alerts.id, id), eq(alerts.status, "firing"), at === null ? isNotNull(alerts.clearSince) : isNull(alerts.clearSince)));
}

/** firing → resolved (the open key freed for a next incident); the row when this caller resolved it. */
export async function resolve(db: HubDb, id: number, now: number): Promise<AlertRow | null> {
  const [row] = await db.update(alerts).set({ status: "resolved", resolvedAt: now, openKey: null }).where(and(eq(alerts.id, id), eq(alerts.status, "firing"))).returning();
  return row ?? null;
}

export async function acknowledge(db: HubDb, id: number, now: number): Promise<AlertRow | null> {
  await db.update(alerts).set({ acknowledgedAt: now }).where(and(eq(alerts.id, id), isNull(alerts.acknowledgedAt)));
  return getAlert(db, id);
}

export async function getAlert(db: HubDb, id: number): Promise<AlertRow | null> {
  const [row] = await db.select().from(alerts).where(eq(alerts.id, id));
  return row ?? null;
}

export type ListState = "firing" | "acknowledged" | "pending" | "resolved" | "open" | "all";

export async function listAlerts(db: HubDb, state: ListState, cameraId: string | undefined, limit: number): Promise<AlertRow[]> {
  const byState = {
    firing: and(eq(alerts.status, "firing"), isNull(alerts.acknowledgedAt)),
    acknowledged: and(eq(alerts.status, "firing"), isNotNull(alerts.acknowledgedAt)),
    pending: eq(alerts.status, "pending"),
    resolved: eq(alerts.status, "resolved"),
    open: inArray(alerts.status, ["pending", "firing"]),
    all: undefined,
  }[state];
  return db
    .select()
    .from(alerts)
    .where(and(byState, cameraId === undefined ? undefined : eq(alerts.cameraId, cameraId)))
    .orderBy(desc(alerts.since), desc(alerts.id))
    .limit(limit);
}

/** Alerts that fired, or resolved, at or after `from` (the digest). */
export async function alertsSince(db: HubDb, from: number): Promise<AlertRow[]> {
  return db.select().from(alerts).where(or(gte(alerts.firedAt, from), gte(alerts.resolvedAt, from), eq(alerts.status, "firing"))).orderBy(alerts.id);
}

export async function channels(db: HubDb, enabledOnly = false): Promise<ChannelRow[]> {
  return db.select().from(alertChannels).where(enabledOnly ? eq(alertChannels.enabled, true) : undefined).orderBy(alertChannels.id);
}

export async function getChannel(db: HubDb, id: string): Promise<ChannelRow | null> {
  const [row] = await db.select().from(alertChannels).where(eq(alertChannels.id, id));
  return row ?? null;
}

export async function putChannel(db: HubDb, row: ChannelRow): Promise<void> {
  const { id, createdAt, ...rest } = row;
  await db.insert(alertChannels).values(row).onConflictDoUpdate({ target: alertChannels.id, set: rest });
}

export async function deleteChannel(db: HubDb, id: string): Promise<boolean> {
  return (await db.delete(alertChannels).where(eq(alertChannels.id, id)).returning({ id: alertChannels.id })).length > 0;
}

/** Queues a notification once per key (a second replica's, or a replay's, is a no-op). */
export async function enqueue(db: HubDb, d: { key: string; channelId: string; alertId: number | null; event: DeliveryRow["event"]; payload: DeliveryPayload }, now: number): Promise<void> {
  await db
    .insert(alertDeliveries)
    .values({ ...d, payload: d.payload as unknown as Record<string, unknown>, status: "pending", nextAttemptAt: now, createdAt: now })
    .onConflictDoNothing();
}

export async function dueDeliveries(db: HubDb, now: number, limit: number): Promise<DeliveryRow[]> {
  return db
    .select()
    .from(alertDeliveries)
    .where(and(eq(alertDeliveries.status, "pending"), lte(alertDeliveries.nextAttemptAt, now), or(isNull(alertDeliveries.leaseUntil), lt(alertDeliveries.leaseUntil, now))))
    .orderBy(alertDeliveries.id)
    .limit(limit);
}

/** Takes a due delivery for one attempt until `leaseUntil`; null when another worker has it. */
export async function claim(db: HubDb, id: number, now: number, leaseUntil: number): Promise<DeliveryRow | null> {
  const [row] = await db
    .update(alertDeliveries)
    .set({ leaseUntil, attempts: sql`${alertDeliveries.attempts} + 1` })
    .where(and(eq(alertDeliveries.id, id), eq(alertDeliveries.status, "pending"), lte(alertDeliveries.nextAttemptAt, now), or(isNull(alertDeliveries.leaseUntil), lt(alertDeliveries.leaseUntil, now))))
    .returning();
  return row ?? null;
}

export async function finishAttempt(
  db: HubDb,
  id: number,
  outcome: { status: DeliveryRow["status"]; nextAttemptAt?: number; error: string | null; httpStatus: number | null; deliveredAt: number | null },
): Promise<void> {
  await db
    .update(alertDeliveries)
    .set({ status: outcome.status, leaseUntil: null, lastError: outcome.error, lastStatus: outcome.httpStatus, deliveredAt: outcome.deliveredAt, ...(outcome.nextAttemptAt === undefined ? {} : { nextAttemptAt: outcome.nextAttemptAt }) })
    .where(eq(alertDeliveries.id, id));
}

export async function listDeliveries(db: HubDb, q: { channel_id?: string; alert_id?: number; status?: DeliveryRow["status"]; limit: number }): Promise<DeliveryRow[]> {
  return db
    .select()
    .from(alertDeliveries)
    .where(
      and(
        q.channel_id === undefined ? undefined : eq(alertDeliveries.channelId, q.channel_id),
        q.alert_id === undefined ? undefined : eq(alertDeliveries.alertId, q.alert_id),
        q.status === undefined ? undefined : eq(alertDeliveries.status, q.status),
      ),
    )
    .orderBy(desc(alertDeliveries.id))
    .limit(q.limit);
}

export async function deliveryByKey(db: HubDb, key: string): Promise<DeliveryRow | null> {
  const [row] = await db.select().from(alertDeliveries).where(eq(alertDeliveries.key, key));
  return row ?? null;
}

/** The log keeps finished deliveries this long. */
export const DELIVERY_LOG_MS = 30 * 86_400_000;

export async function pruneDeliveries(db: HubDb, now: number): Promise<void> {
  await db.delete(alertDeliveries).where(and(inArray(alertDeliveries.status, ["delivered", "failed"]), lt(alertDeliveries.createdAt, now - DELIVERY_LOG_MS)));
}

export async function getDelivery(db: HubDb, id: number): Promise<DeliveryRow | null> {
  const [row] = await db.select().from(alertDeliveries).where(eq(alertDeliveries.id, id));
  return row ?? null;
}

export async function listWindows(db: HubDb, cameraId: string | undefined, now: number) {
  return db
    .select()
    .from(maintenanceWindows)
    .where(and(gt(maintenanceWindows.endsAt, now - 7 * 86_400_000), cameraId === undefined ? undefined : eq(maintenanceWindows.cameraId, cameraId)))
    .orderBy(maintenanceWindows.startsAt);
}

export async function addWindow(db: HubDb, w: { cameraId: string; startsAt: number; endsAt: number; reason: string | null }, now: number) {
  const [row] = await db.insert(maintenanceWindows).values({ ...w, createdAt: now }).returning();
  return row!;
}

export async function deleteWindow(db: HubDb, id: number): Promise<boolean> {
  return (await db.delete(maintenanceWindows).where(eq(maintenanceWindows.id, id)).returning({ id: maintenanceWindows.id })).length > 0;
}

export async function listMutes(db: HubDb, now: number) {
  return db.select().from(alertMutes).where(gt(alertMutes.until, now)).orderBy(alertMutes.cameraId, alertMutes.kind);
}

/** An operator change, in the audit log (hub/audit), as the operator. */
export async function audit(db: HubDb, action: string, target: string, before: unknown, after: unknown, now: number): Promise<void> {
  await db.insert(auditLog).values({ at: now, actor: "operator", action, target, before: before ?? null, after: after ?? null });
}
