import type { HubContext } from "../context";
import type { HubDb } from "../db/client";
import { type FleetReadPace, fleetSummary } from "../fleet/service";
import { alertInput, BUILT_IN_RULES, conditions, inMaintenance, isMuted, rulesFor, step, type Step } from "./compute";
import { healthFromObserved } from "./health";
import { AlertKind } from "./model";
import { buildPayload, digestPayload, type NotificationEvent } from "./payload";
import * as store from "./store";

type Ctx = Pick<HubContext, "db" | "clock" | "contacts">;

export interface EvaluationResult {
  fired: number[];
  resolved: number[];
}

/**
 * One evaluation pass over every camera: conditions from the fleet (contact, backlog, disk,
 * clock, convergence, quality) and the observed health, judged by each camera's rules;
 * each open alert's next step applied with one conditional statement, so the pass is
 * idempotent and safe beside another replica's. `listeningSince`: when this hub began
 * answering polls (see CameraAlertInput); `pace`: how the fleet's reads are spread.
 */
export async function evaluateAlerts(ctx: Ctx, listeningSince?: number, pace?: FleetReadPace): Promise<EvaluationResult> {
  const { db } = ctx;
  const now = ctx.clock.now();
  ctx.contacts.flush();
  const [fleet, rules, observed, open, mutes, windows] = await Promise.all([
    Promise.resolve(fleetSummary(db, now, undefined, pace)),
    store.readRules(db),
    store.observedStates(db),
    store.openAlerts(db),
    store.activeMutes(db, now),
    store.currentWindows(db, now),
  ]);
  const result: EvaluationResult = { fired: [], resolved: [] };
  for (const row of await store.unsentResolutions(db)) await notifyResolution(db, row, now);
  const seen = new Set<string>();
  for (const camera of fleet.cameras) {
    if (!observed.has(camera.id)) continue;
    const cameraRules = rulesFor(rules, camera.id);
    const silence = (kind: AlertKind) => ({ maintenance: inMaintenance(windows, camera.id, now), muted: isMuted(mutes, camera.id, kind, now) });
    const input = { ...alertInput(camera, healthFromObserved(observed.get(camera.id))), listeningSince };
    for (const c of conditions(input, cameraRules, now)) {
      const key = store.openKey(camera.id, c.kind);
      seen.add(key);
      const current = open.get(key) ?? null;
      const next = step(current, c.active, cameraRules[c.kind], silence(c.kind), now, c.canOpen);
      if (!next) continue;
      if (next.type === "open") await store.openAlert(db, camera.id, c.kind, c.summary, c.value, c.threshold, now);
      else await apply(db, current!.id, next, result, now, c.summary, c.value);
    }
  }
  // A camera gone or retired, or a rule turned off: its open alerts see their condition as clear.
  for (const [key, current] of open) {
    if (seen.has(key)) continue;
    const kind = AlertKind.safeParse(current.kind);
    const rule = kind.success ? rulesFor(rules, current.cameraId)[kind.data] : BUILT_IN_RULES.offline;
    const next = step(current, false, rule, { maintenance: false, muted: isMuted(mutes, current.cameraId, current.kind, now) }, now);
    if (next) await apply(db, current.id, next, result, now);
  }
  await queueDigests(db, now);
  await store.pruneDeliveries(db, now);
  return result;
}

async function apply(db: HubDb, id: number, s: Step, result: EvaluationResult, now: number, summary?: string, value?: number | null) {
  switch (s.type) {
    case "restart":
      return store.restartPending(db, id, now);
    case "drop":
      return store.dropPending(db, id);
    case "clearing":
      return store.setClearSince(db, id, now);
    case "holding":
      return store.setClearSince(db, id, null);
    case "fire": {
      const row = await store.fire(db, id, summary!, value ?? null, now);
      if (!row) return;
      result.fired.push(id);
      if (s.notify) await notifyFiring(db, row, now);
      return;
    }
    case "notify": {
      const row = await store.getAlert(db, id);
      if (row?.status === "firing" && row.notifiedAt === null) await notifyFiring(db, row, now);
      return;
    }
    case "resolve": {
      const row = await store.resolve(db, id, now);
      if (!row) return;
      result.resolved.push(id);
      if (row.notifiedAt !== null) await notifyResolution(db, row, now);
      return;
    }
  }
}

/**
 * Queue first, then record it: a hub killed between the two queues it again on its next
 * pass under the same keys (so once), where the other order could lose the notification.
 */
async function notifyFiring(db: HubDb, row: store.AlertRow, now: number) {
  await notify(db, { ...row, notifiedAt: now }, "firing", now);
  await store.markNotified(db, row.id, now);
}

async function notifyResolution(db: HubDb, row: store.AlertRow, now: number) {
  await notify(db, row, "resolved", now);
  await store.markResolutionNotified(db, row.id, now);
}

/** Queues the event on every enabled channel (e-mail channels without per-event messages excepted). */
async function notify(db: HubDb, alert: store.AlertRow, event: NotificationEvent, now: number) {
  const view = store.alertView(alert);
  for (const channel of await store.channels(db, true)) {
    if (channel.type === "email" && !channel.perEvent) continue;
    const key = `alert:${alert.id}:${event}:${channel.id}`;
    await store.enqueue(db, { key, channelId: channel.id, alertId: alert.id, event, payload: buildPayload(channel, key, event, view, new Date(now).toISOString()) }, now);
  }
}

const DAY_MS = 86_400_000;

/** Each digest channel's digest of the past day, once a day at its UTC hour (its key names the day). */
async function queueDigests(db: HubDb, now: number) {
  const digestChannels = (await store.channels(db, true)).filter((c) => c.type === "email" && c.digestHour !== null);
  if (!digestChannels.length) return;
  for (const channel of digestChannels) {
    const today = Math.floor(now / DAY_MS) * DAY_MS + channel.digestHour! * 3_600_000;
    const due = now >= today ? today : today - DAY_MS;
    if (due < channel.createdAt) continue;
    const key = `digest:${channel.id}:${new Date(due).toISOString().slice(0, 10)}`;
    const rows = (await store.alertsSince(db, due - DAY_MS)).map(store.alertView);
    const within = (t: string | null) => t !== null && Date.parse(t) >= due - DAY_MS && Date.parse(t) < due;
    const payload = digestPayload(
      channel.emailTo ?? [],
      new Date(due).toISOString(),
      rows.filter((a) => within(a.fired_at)),
      rows.filter((a) => within(a.resolved_at)),
      rows.filter((a) => a.status === "firing"),
    );
    await store.enqueue(db, { key, channelId: channel.id, alertId: null, event: "digest", payload }, now);
  }
}

/** Queues a test message on one channel, or on every enabled one; the delivery ids. */
export async function queueTest(db: HubDb, channelId: string | undefined, now: number): Promise<number[]> {
  const targets = channelId === undefined ? await store.channels(db, true) : [await store.getChannel(db, channelId)].filter((c) => c !== null);
  const ids: number[] = [];
  for (const channel of targets) {
    const key = `test:${channel.id}:${now}:${crypto.randomUUID()}`;
    await store.enqueue(db, { key, channelId: channel.id, alertId: null, event: "test", payload: buildPayload(channel, key, "test", null, new Date(now).toISOString()) }, now);
    ids.push((await store.deliveryByKey(db, key))!.id);
  }
  return ids;
}
