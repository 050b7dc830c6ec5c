import { afterEach, describe, expect, test } from "bun:test";
import { AlertKind } from "../../hub/alerts/model";
import { startSmtpServer, startWebhookReceiver, type SmtpServer, type WebhookReceiver } from "../harness/notify-receivers";
import { sharedClock, simNow, startAgent, startHub, type StartedAgent, type StartedHub, waitFor } from "../harness/processes";
import { DENVER } from "../harness/scenario";

const SECRET = "test-webhook-secret-0123456789";
const CAMERAS = ["ridge", "crest", "valley"];
const CONFIG = {
  location: DENVER,
  schedules: { day: { start_time: "06:00", end_time: "18:00", interval_seconds: 900 } },
  cameras: Object.fromEntries(CAMERAS.map((id) => [id, { deployed_profile: "f", schedules: ["day"], image_sync: "thumbnails" }])),
  profiles: { f: { base: { metering: "matrix" } } },
  sync: { poll_interval_seconds: 10, plan_days: 1 },
};
/** Offline after 1 sim minute, resolved after 30 sim seconds clear; every other rule off (this is about offline). */
const RULES = {
  defaults: Object.fromEntries(AlertKind.options.map((k) => [k, k === "offline" ? { threshold: 1, for_seconds: 0, clear_seconds: 30 } : { enabled: false }])),
};
/** ×15: a poll every 2/3 s, offline after 4 s without one (a loaded machine's stalls stay well below), resolved 2 s after the camera is back. */
const SPEED = 15;

let hub: StartedHub | undefined;
let agents: StartedAgent[] = [];
let smtp: SmtpServer | undefined;
let hook: WebhookReceiver | undefined;
afterEach(async () => {
  await Promise.all(agents.map((a) => a.stop(true)));
  await hub?.stop(true);
  await smtp?.stop();
  hook?.stop();
  agents = [];
  hub = smtp = hook = undefined;
});

const hubEnv = (extra: Record<string, string> = {}) => ({ SKYLAPSE_ALERTS_EVERY_SECONDS: "0.2", SKYLAPSE_ALERT_RETRY_SECONDS: "0.5", ...extra });
const put = (h: StartedHub, path: string, body: unknown) => h.json(path, { method: "PUT", body: JSON.stringify(body) });
const post = (h: StartedHub, path: string, body: unknown = {}) => h.json(path, { method: "POST", body: JSON.stringify(body) });
const events = (r: WebhookReceiver, event: string, camera?: string) => r.accepted().filter((q) => q.json?.event === event && (camera === undefined || q.json.alert?.camera_id === camera));

async function allOnline(h: StartedHub, ids: string[]) {
  await waitFor("the cameras online", async () => {
    const fleet = await h.json("/api/fleet");
    return ids.every((id) => fleet.cameras.find((c: any) => c.id === id)?.online);
  }, 30_000);
}

describe("alerts end to end", () => {
  test("an agent killed and restarted: one firing and one resolution per channel, across a hub kill -9 between them", async () => {
    smtp = await startSmtpServer();
    hook = startWebhookReceiver(SECRET);
    const clock = sharedClock("2026-11-30T17:00:00Z", SPEED, 2500);
    const env = hubEnv({ SKYLAPSE_SMTP_URL: smtp.url("skylapse@example.org") });
    hub = await startHub({ config: CONFIG, clock, env });
    const port = Number(new URL(hub.url).port);
    await put(hub, "/api/alerts/rules", RULES);
    await put(hub, "/api/alerts/channels/ops-hook", { type: "webhook", url: hook.url, secret: SECRET });
    await put(hub, "/api/alerts/channels/ops-mail", { type: "email", to: ["ops@example.org"] });
    let agent = await startAgent({ cameraId: "ridge", hub, clock });
    agents = [agent];
    await allOnline(hub, ["ridge"]);

    await agent.stop(true);
    await waitFor("the firing webhook", async () => events(hook!, "firing").length > 0, 60_000);
    await waitFor("the firing e-mail", async () => smtp!.messages().length > 0, 30_000);
    await Bun.sleep(1000); // more passes: nothing more is sent while it fires
    await hub.stop(true);

    hub = await startHub({ config: CONFIG, clock, env, dataDir: hub.dataDir, port });
    // The restarted hub evaluates the still-offline camera for longer than the clear time: no resolution, no second firing.
    await Bun.sleep(3500);
    expect(events(hook, "resolved")).toHaveLength(0);
    expect((await hub.json("/api/alerts?state=firing")).alerts.map((a: any) => a.camera_id)).toEqual(["ridge"]);
    agent = await startAgent({ cameraId: "ridge", hub, clock, dataDir: agent.dataDir });
    agents = [agent];
    await waitFor("the resolution webhook", async () => events(hook!, "resolved").length > 0, 60_000);
    await waitFor("the resolution e-mail", async () => smtp!.messages().length >= 2, 30_000);
    await Bun.sleep(1500);

    const fired = events(hook, "firing");
    const resolved = events(hook, "resolved");
    expect(fired.length).toBe(1);
    expect(resolved.length).toBe(1);
    expect(hook.requests.every((r) => r.signed)).toBe(true);
    expect(fired[0]!.json).toMatchObject({ schema_version: 1, event: "firing", alert: { camera_id: "ridge", kind: "offline", status: "firing" } });
    expect(resolved[0]!.json.alert).toMatchObject({ id: fired[0]!.json.alert.id, status: "resolved" });
    expect(Date.parse(resolved[0]!.json.alert.resolved_at)).toBeGreaterThan(Date.parse(fired[0]!.json.alert.fired_at));
    expect(smtp.messages().map((m) => m.subject)).toEqual(["[skylapse] FIRING ridge: offline", "[skylapse] RESOLVED ridge: offline"]);
    expect(smtp.messages()[0]!.to).toBe("ops@example.org");

    const { alerts } = await hub.json("/api/alerts?state=all");
    expect(alerts.map((a: any) => [a.camera_id, a.kind, a.status])).toEqual([["ridge", "offline", "resolved"]]);
    const { deliveries } = await hub.json(`/api/alerts/deliveries?alert_id=${alerts[0].id}`);
    expect(deliveries.map((d: any) => `${d.channel_id}:${d.event}:${d.status}`).sort()).toEqual(["ops-hook:firing:delivered", "ops-hook:resolved:delivered", "ops-mail:firing:delivered", "ops-mail:resolved:delivered"]);
  }, 180_000);

  test("acknowledged, muted and in a maintenance window: only the unmuted camera notifies; a window's end lets a lasting condition fire", async () => {
    hook = startWebhookReceiver(SECRET);
    const clock = sharedClock("2026-11-30T17:00:00Z", SPEED, 2500);
    hub = await startHub({ config: CONFIG, clock, env: hubEnv() });
    await put(hub, "/api/alerts/rules", RULES);
    await put(hub, "/api/alerts/channels/ops-hook", { type: "webhook", url: hook.url, secret: SECRET });
    agents = await Promise.all(CAMERAS.map((cameraId, i) => startAgent({ cameraId, hub, clock, seed: i + 1 })));
    await allOnline(hub, CAMERAS);
    const now = simNow(clock);
    const day = new Date(now + 86_400_000).toISOString();
    await post(hub, "/api/alerts/mutes", { camera_id: "crest", kind: "offline", until: day });
    const window = await post(hub, "/api/alerts/maintenance", { camera_id: "valley", starts_at: new Date(now - 60_000).toISOString(), ends_at: day, reason: "new battery" });

    await Promise.all(agents.map((a) => a.stop(true)));
    await waitFor("ridge's firing webhook", async () => events(hook!, "firing", "ridge").length > 0, 60_000);
    const ridgeAlert = events(hook, "firing", "ridge")[0]!.json.alert;
    await waitFor("crest's alert firing (muted)", async () => (await hub!.json("/api/alerts?state=firing&camera_id=crest")).alerts.length === 1, 30_000);
    const acked = await post(hub, `/api/alerts/${ridgeAlert.id}/ack`);
    expect(acked.acknowledged_at).not.toBeNull();
    expect((await hub.json("/api/alerts?state=acknowledged")).alerts.map((a: any) => a.id)).toEqual([ridgeAlert.id]);
    expect((await hub.json("/api/alerts?state=firing")).alerts.map((a: any) => a.camera_id)).toEqual(["crest"]);
    expect((await hub.json("/api/alerts?state=all&camera_id=valley")).alerts).toEqual([]);

    agents = await Promise.all(["ridge", "crest"].map((cameraId, i) => startAgent({ cameraId, hub, clock, seed: i + 1, dataDir: agents[i]!.dataDir })));
    await waitFor("ridge's resolution", async () => events(hook!, "resolved", "ridge").length > 0, 60_000);
    await waitFor("crest resolved", async () => (await hub!.json("/api/alerts?state=resolved&camera_id=crest")).alerts.length === 1, 30_000);
    expect((await hub.json("/api/alerts?state=all&camera_id=valley")).alerts).toEqual([]);

    // The window ends early while valley is still down: its alert fires now.
    await hub.json(`/api/alerts/maintenance/${window.id}`, { method: "DELETE" });
    await waitFor("valley's firing webhook", async () => events(hook!, "firing", "valley").length > 0, 60_000);
    await Bun.sleep(1000);

    expect(hook.accepted().map((r) => `${r.json.alert.camera_id}:${r.json.event}`)).toEqual(["ridge:firing", "ridge:resolved", "valley:firing"]);
    const crest = (await hub.json("/api/alerts?state=all&camera_id=crest")).alerts;
    expect(crest.map((a: any) => [a.status, a.notified_at])).toEqual([["resolved", null]]);
    expect((await hub.json(`/api/alerts/deliveries?alert_id=${crest[0].id}`)).deliveries).toEqual([]);
    const ridge = await hub.json(`/api/alerts/${ridgeAlert.id}`);
    expect(ridge.status).toBe("resolved");
    expect(ridge.acknowledged_at).toBe(acked.acknowledged_at);
  }, 180_000);

  test("a receiver failing twice gets the notification once after retries, across a hub kill -9 with it queued; the test command reaches SMTP", async () => {
    smtp = await startSmtpServer();
    hook = startWebhookReceiver(SECRET, (n) => (n <= 2 ? 503 : 200));
    const env = hubEnv({ SKYLAPSE_ALERT_RETRY_SECONDS: "1", SKYLAPSE_SMTP_URL: smtp.url("skylapse@example.org") });
    hub = await startHub({ config: CONFIG, env });
    const port = Number(new URL(hub.url).port);
    await put(hub, "/api/alerts/channels/ops-hook", { type: "webhook", url: hook.url, secret: SECRET });
    await put(hub, "/api/alerts/channels/ops-mail", { type: "email", to: ["ops@example.org"] });
    const { deliveries: [id] } = await post(hub, "/api/alerts/test", { channel_id: "ops-hook" });
    await waitFor("two failed attempts recorded", async () => {
      const d = await hub!.json(`/api/alerts/deliveries/${id}`);
      return d.attempts === 2 && d.status === "pending" && d.last_status === 503;
    }, 30_000, 50);
    await hub.stop(true);
    hub = await startHub({ config: CONFIG, env, dataDir: hub.dataDir, port });
    const done = await waitFor("the delivery to succeed", async () => {
      const d = await hub!.json(`/api/alerts/deliveries/${id}`);
      return d.status === "delivered" && d;
    }, 30_000);
    expect(done).toMatchObject({ attempts: 3, last_status: 200, last_error: null, event: "test", channel_id: "ops-hook" });
    expect(hook.requests.length).toBe(3);
    expect(new Set(hook.requests.map((r) => r.body)).size).toBe(1);
    expect(hook.requests.every((r) => r.signed)).toBe(true);
    expect(hook.accepted().length).toBe(1);
    expect((await hub.json("/api/alerts/deliveries?channel_id=ops-hook")).deliveries.length).toBe(1);

    const mail = await post(hub, "/api/alerts/test", { channel_id: "ops-mail" });
    await waitFor("the test e-mail", async () => smtp!.messages().length === 1, 30_000);
    expect(smtp.messages()[0]!.subject).toBe("[skylapse] Skylapse test notification");
    expect((await hub.json(`/api/alerts/deliveries/${mail.deliveries[0]}`)).status).toBe("delivered");
  }, 120_000);
});
