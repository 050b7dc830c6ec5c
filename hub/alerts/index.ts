import { randomBytes } from "node:crypto";
import { Elysia } from "elysia";
import { notFound } from "../../shared/http";
import { operatorAuth } from "../auth";
import type { HubContext } from "../context";
import { BUILT_IN_RULES, mutedUntil } from "./compute";
import { AlertRules, alertsModel, ChannelInput } from "./model";
import { queueTest } from "./service";
import * as store from "./store";

const tags = ["alerts"];
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A channel as the API shows it: never its secret. */
function channelView(c: store.ChannelRow) {
  return c.type === "webhook"
    ? { id: c.id, type: c.type, format: c.format, url: c.url, has_secret: c.secret !== null, enabled: c.enabled, created_at: iso(c.createdAt) }
    : { id: c.id, type: c.type, to: c.emailTo, per_event: c.perEvent, digest_hour: c.digestHour, enabled: c.enabled, created_at: iso(c.createdAt) };
}

function deliveryView(d: store.DeliveryRow) {
  return {
    id: d.id,
    key: d.key,
    channel_id: d.channelId,
    alert_id: d.alertId,
    event: d.event,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.status === "pending" ? iso(d.nextAttemptAt) : null,
    last_error: d.lastError,
    last_status: d.lastStatus,
    created_at: iso(d.createdAt),
    delivered_at: iso(d.deliveredAt),
  };
}

/** Alerts, their rules, channels, mutes, maintenance windows and the delivery log (operator token). */
export const alertsModule = (ctx: HubContext) => {
  const now = () => ctx.clock.now();
  const db = ctx.db;
  const alertOr404 = async (id: number) => (await store.getAlert(db, id)) ?? Promise.reject(notFound(`alert ${id}`));
  /** Alerts as listed: each with the end of a mute covering it now (null: none). */
  const shown = async (rows: store.AlertRow[]) => {
    const t = now();
    const mutes = await store.activeMutes(db, t);
    return rows.map((r) => ({ ...store.alertView(r), muted_until: iso(mutedUntil(mutes, r.cameraId, r.kind, t)) }));
  };
  return new Elysia({ prefix: "/api/alerts", detail: { tags } })
    .use(operatorAuth(ctx))
    .get("/", async ({ query }) => ({ alerts: await shown(await store.listAlerts(db, query.state, query.camera_id, query.limit)) }), {
      query: alertsModel.listQuery,
      detail: { summary: "Alerts: open (default), firing (not acknowledged), acknowledged, pending, resolved (history) or all; newest first" },
    })
    .get("/rules", async () => ({ built_in: BUILT_IN_RULES, ...(await store.readRules(db)) }), { detail: { summary: "The alert rules: built-in settings, defaults, groups and per-camera overrides" } })
    .put(
      "/rules",
      async ({ body }) => {
        const before = await store.readRules(db);
        await store.writeRules(db, body);
        await store.audit(db, "alerts.rules", "alerts:rules", before, body, now());
        return { built_in: BUILT_IN_RULES, ...body };
      },
      { body: AlertRules, detail: { summary: "Replace the alert rules (defaults, groups, cameras; each a partial rule per kind)" } },
    )
    .get("/channels", async () => ({ channels: (await store.channels(db)).map(channelView) }), { detail: { summary: "Notification channels" } })
    .get("/channels/:id", async ({ params }) => channelView((await store.getChannel(db, params.id)) ?? (await Promise.reject(notFound(`channel ${params.id}`)))), {
      params: alertsModel.channelParams,
    })
    .put(
      "/channels/:id",
      async ({ params, body }) => {
        const existing = await store.getChannel(db, params.id);
        const webhook = body.type === "webhook" ? body : null;
        const email = body.type === "email" ? body : null;
        // The generic format always signs; a kept secret stays when the body names none.
        const secret = webhook ? (webhook.secret ?? (existing?.type === "webhook" ? existing.secret : null) ?? (webhook.format === "generic" ? `whsec_${randomBytes(24).toString("base64url")}` : null)) : null;
        const row: store.ChannelRow = {
          id: params.id,
          type: body.type,
          format: webhook?.format ?? null,
          url: webhook?.url ?? null,
          secret,
          emailTo: email?.to ?? null,
          perEvent: email?.per_event ?? true,
          digestHour: email?.digest_hour ?? null,
          enabled: body.enabled,
          createdAt: existing?.createdAt ?? now(),
        };
        await store.putChannel(db, row);
        await store.audit(db, "alerts.channel.put", `channel:${params.id}`, existing ? channelView(existing) : null, channelView(row), now());
        // The secret is shown once: when the hub made it.
        return { ...channelView(row), ...(webhook && !webhook.secret && secret !== existing?.secret ? { secret } : {}) };
      },
      { params: alertsModel.channelParams, body: ChannelInput, detail: { summary: "Create or replace a channel (a webhook without a secret gets one, returned once)" } },
    )
    .delete(
      "/channels/:id",
      async ({ params }) => {
        if (!(await store.deleteChannel(db, params.id))) throw notFound(`channel ${params.id}`);
        await store.audit(db, "alerts.channel.delete", `channel:${params.id}`, null, null, now());
        return { id: params.id, deleted: true };
      },
      { params: alertsModel.channelParams },
    )
    .post("/test", async ({ body }) => {
      if (body.channel_id !== undefined && !(await store.getChannel(db, body.channel_id))) throw notFound(`channel ${body.channel_id}`);
      return { deliveries: await queueTest(db, body.channel_id, now()) };
    }, { body: alertsModel.test, detail: { summary: "Queue a test message on one channel (channel_id) or every enabled one; follow it in the delivery log" } })
    .get("/deliveries", async ({ query }) => ({ deliveries: (await store.listDeliveries(db, query)).map(deliveryView) }), {
      query: alertsModel.deliveriesQuery,
      detail: { summary: "The delivery log, newest first: each notification per channel, its attempts and outcome" },
    })
    .get("/deliveries/:id", async ({ params }) => deliveryView((await store.getDelivery(db, params.id)) ?? (await Promise.reject(notFound(`delivery ${params.id}`)))), { params: alertsModel.id })
    .get("/mutes", async () => ({ mutes: (await store.listMutes(db, now())).map((m) => ({ camera_id: m.cameraId, kind: m.kind, until: iso(m.until) })) }), { detail: { summary: "Mutes in force" } })
    .post(
      "/mutes",
      async ({ body }) => {
        await store.setMute(db, { cameraId: body.camera_id, kind: body.kind, until: Date.parse(body.until) }, now());
        await store.audit(db, "alerts.mute", `camera:${body.camera_id}`, null, body, now());
        return body;
      },
      { body: alertsModel.cameraMute, detail: { summary: "Mute a camera's alerts of one kind (or \"*\") until a time; a past time unmutes" } },
    )
    .get("/maintenance", async ({ query }) => ({ windows: (await store.listWindows(db, query.camera_id, now())).map(windowView) }), {
      query: alertsModel.maintenanceQuery,
      detail: { summary: "Maintenance windows not ended more than 7 days ago" },
    })
    .post(
      "/maintenance",
      async ({ body }) => {
        const row = await store.addWindow(db, { cameraId: body.camera_id, startsAt: Date.parse(body.starts_at), endsAt: Date.parse(body.ends_at), reason: body.reason ?? null }, now());
        await store.audit(db, "alerts.maintenance.add", `camera:${body.camera_id}`, null, windowView(row), now());
        return windowView(row);
      },
      { body: alertsModel.maintenance, detail: { summary: "Plan a maintenance window: no alert fires for the camera from starts_at to ends_at" } },
    )
    .delete(
      "/maintenance/:id",
      async ({ params }) => {
        if (!(await store.deleteWindow(db, params.id))) throw notFound(`maintenance window ${params.id}`);
        await store.audit(db, "alerts.maintenance.delete", `maintenance:${params.id}`, null, null, now());
        return { id: params.id, deleted: true };
      },
      { params: alertsModel.id },
    )
    .get("/:id", async ({ params }) => (await shown([await alertOr404(params.id)]))[0]!, { params: alertsModel.id })
    .post(
      "/:id/ack",
      async ({ params }) => {
        await alertOr404(params.id);
        const row = (await store.acknowledge(db, params.id, now()))!;
        await store.audit(db, "alerts.ack", `alert:${params.id}`, null, null, now());
        return (await shown([row]))[0]!;
      },
      { params: alertsModel.id, detail: { summary: "Acknowledge an alert (it stays listed until it resolves, under acknowledged)" } },
    )
    .post(
      "/:id/mute",
      async ({ params, body }) => {
        const alert = await alertOr404(params.id);
        const mute = { camera_id: alert.cameraId, kind: alert.kind, until: body.until };
        await store.setMute(db, { cameraId: alert.cameraId, kind: alert.kind, until: Date.parse(body.until) }, now());
        await store.audit(db, "alerts.mute", `camera:${alert.cameraId}`, null, mute, now());
        return mute;
      },
      { params: alertsModel.id, body: alertsModel.mute, detail: { summary: "Mute this alert's camera and kind until a time (no notification meanwhile)" } },
    );
};

function windowView(w: { id: number; cameraId: string; startsAt: number; endsAt: number; reason: string | null; createdAt: number }) {
  return { id: w.id, camera_id: w.cameraId, starts_at: iso(w.startsAt), ends_at: iso(w.endsAt), reason: w.reason, created_at: iso(w.createdAt) };
}
