/**
 * The alerts API and `skylapse alerts` against an in-process hub on a manual clock:
 * evaluation passes run by the test; two "replicas" (two database handles on one file)
 * evaluating at once open, fire and notify each alert once.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { ManualClock } from "../../shared/clock";
import type { createHub } from "../../hub/app";
import { evaluateAlerts } from "../../hub/alerts/service";
import { applyConfig, parseConfig } from "../../hub/config/service";
import type { HubDb } from "../../hub/db/client";
import { alertDeliveries, alerts, cameras } from "../../hub/db/schema";
import { observedState, sunriseGridConfig } from "../harness/fixtures";
import { callHub, firstContact, hubOn, reopenTestHubDb, testHubDb } from "../harness/in-process";
import { operatorCli } from "../harness/operator-cli";

const OPERATOR = "operator-token-for-alerts-api";
const T0 = Date.parse("2026-11-24T12:00:00Z");
const MIN = 60_000;

let hub: Awaited<ReturnType<typeof createHub>>;
let replica: HubDb;
let clock: ManualClock;
let url: string;
let work: string;

const api = (method: string, path: string, body?: unknown) => callHub(hub, method, path, OPERATOR, body);
/** The same pass run by this hub and by a second one on the same database, at once. */
const bothReplicas = () => Promise.all([evaluateAlerts(hub.ctx), evaluateAlerts({ db: replica, clock, contacts: { flush() {} } } as never)]);

const cli = (args: string[]) => operatorCli({ url, token: OPERATOR, home: work }, ["alerts", ...args]);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "skylapse-alerts-api-"));
  clock = new ManualClock(T0);
  const db = await testHubDb(work);
  await applyConfig(db, parseConfig(sunriseGridConfig({ ridge: {}, crest: {} })), T0);
  hub = await hubOn(db, clock, OPERATOR, work);
  replica = await reopenTestHubDb(db);
  for (const id of ["ridge", "crest"]) {
    await firstContact(hub.ctx, id, T0);
    await db.update(cameras).set({ lastContactAt: T0 }).where(eq(cameras.id, id));
  }
  hub.app.listen({ port: 0, hostname: "127.0.0.1" });
  url = `http://127.0.0.1:${hub.app.server!.port}`;
});

afterAll(async () => {
  await hub.app.stop();
  await hub.ctx.contacts.close();
});

describe("alerts API", () => {
  test("every alerts route wants the operator token", async () => {
    for (const [method, path] of [["GET", "/api/alerts"], ["GET", "/api/alerts/rules"], ["PUT", "/api/alerts/rules"], ["PUT", "/api/alerts/channels/x"], ["POST", "/api/alerts/test"], ["GET", "/api/alerts/deliveries"], ["POST", "/api/alerts/1/ack"], ["POST", "/api/alerts/maintenance"]] as const) {
      expect((await callHub(hub, method, path, null, {})).status).toBe(401);
      expect((await callHub(hub, method, path, "not-the-operator-token", {})).status).toBe(401);
    }
    expect((await api("POST", "/api/alerts/999/ack")).status).toBe(404);
    expect((await api("GET", "/api/alerts?state=burning")).status).toBe(422);
  });

  test("rules: validated, stored, shown over the built-ins", async () => {
    expect((await api("PUT", "/api/alerts/rules", { defaults: { offline: { threshold: -1 } } })).status).toBe(422);
    expect((await api("PUT", "/api/alerts/rules", { defaults: { smoke: { enabled: true } } })).status).toBe(422);
    const rules = { defaults: { offline: { threshold: 10, for_seconds: 60, clear_seconds: 120 }, not_converged: { enabled: false } }, groups: [{ name: "north", camera_ids: ["crest"], rules: { offline: { enabled: false } } }] };
    expect((await api("PUT", "/api/alerts/rules", rules)).status).toBe(200);
    const got = (await api("GET", "/api/alerts/rules")).body;
    expect(got.defaults).toEqual(rules.defaults);
    expect(got.groups).toEqual(rules.groups);
    expect(got.built_in.disk.threshold).toBe(90);
  });

  test("channels: a webhook without a secret gets one, shown once; never listed", async () => {
    const created = await api("PUT", "/api/alerts/channels/hook", { type: "webhook", url: "http://127.0.0.1:9/hook" });
    expect(created.status).toBe(200);
    expect(created.body.secret).toMatch(/^whsec_/);
    const again = await api("PUT", "/api/alerts/channels/hook", { type: "webhook", url: "http://127.0.0.1:9/hook2" });
    expect(again.body.secret).toBeUndefined();
    expect(again.body).toMatchObject({ url: "http://127.0.0.1:9/hook2", has_secret: true, format: "generic" });
    expect((await api("PUT", "/api/alerts/channels/mail", { type: "email", to: ["not an address"] })).status).toBe(422);
    expect((await api("PUT", "/api/alerts/channels/chat", { type: "webhook", format: "slack", url: "http://127.0.0.1:9/slack" })).body).toMatchObject({ has_secret: false });
    const list = (await api("GET", "/api/alerts/channels")).body.channels;
    expect(list.map((c: any) => c.id)).toEqual(["chat", "hook"]);
    expect(JSON.stringify(list)).not.toContain("whsec_");
    expect((await api("DELETE", "/api/alerts/channels/chat")).status).toBe(200);
    expect((await api("DELETE", "/api/alerts/channels/chat")).status).toBe(404);
  });

  test("two replicas evaluating at once: one alert, fired once, one delivery per channel", async () => {
    clock.set(T0 + 11 * MIN); // ridge silent 11 min > 10; crest's group turned offline off
    await bothReplicas();
    const pending = (await api("GET", "/api/alerts")).body.alerts;
    expect(pending.map((a: any) => [a.camera_id, a.kind, a.status])).toEqual([["ridge", "offline", "pending"]]);
    clock.set(T0 + 12 * MIN);
    const results = await bothReplicas();
    expect(results.flatMap((r) => r.fired)).toEqual([pending[0].id]);
    await bothReplicas();
    const rows = await hub.ctx.db.select().from(alertDeliveries);
    expect(rows.map((r) => `${r.alertId}:${r.event}:${r.channelId}`)).toEqual([`${pending[0].id}:firing:hook`]);
  });

  test("skylapse alerts: list, ack, mute, maintenance, test, deliveries", async () => {
    const list = await cli(["list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/ridge\s+offline\s+FIRING/);
    const id = /^\s*(\d+)\s+ridge/m.exec(list.stdout)![1]!;

    expect((await cli(["ack", id])).stdout).toContain(`alert ${id} (ridge offline) acknowledged`);
    expect((await cli(["list", "--state", "acknowledged", "--json"])).stdout).toContain('"acknowledged_at": "2026-11-24T12:12:00.000Z"');
    expect((await cli(["mute", id, "--for", "2h"])).stdout).toContain("ridge offline muted until 2026-11-24");
    const shown = (await api("GET", `/api/alerts/${id}`)).body;
    expect(shown.muted_until).toBe("2026-11-24T14:12:00.000Z");
    expect((await cli(["mute", "--camera", "crest", "--until", "2026-11-25T00:00:00Z"])).stdout).toContain("crest every alert muted until");
    expect((await api("GET", "/api/alerts/mutes")).body.mutes).toHaveLength(2);

    const m = await cli(["maintenance", "crest", "--for", "3h", "--reason", "new battery"]);
    expect(m.code).toBe(0);
    const windows = (await api("GET", "/api/alerts/maintenance?camera_id=crest")).body.windows;
    expect(windows).toMatchObject([{ camera_id: "crest", starts_at: "2026-11-24T12:12:00.000Z", ends_at: "2026-11-24T15:12:00.000Z", reason: "new battery" }]);
    expect((await api("POST", "/api/alerts/maintenance", { camera_id: "crest", starts_at: "2026-11-24T15:00:00Z", ends_at: "2026-11-24T14:00:00Z" })).status).toBe(422);

    const t = await cli(["test", "--channel", "hook"]);
    expect(t.stdout).toMatch(/queued 1 test message\(s\): deliveries \d+/);
    const d = await cli(["deliveries", "--channel", "hook"]);
    expect(d.stdout).toMatch(/test\s+pending/);
    expect(d.stdout).toMatch(/firing\s+pending/);
    expect((await cli(["frobnicate"])).code).toBe(2);
    expect((await cli(["mute", id])).code).toBe(2);
  }, 60_000);

  test("a camera that comes back resolves after its clear time; the resolution is queued since the firing was", async () => {
    await hub.ctx.db.update(cameras).set({ lastContactAt: T0 + 13 * MIN }).where(eq(cameras.id, "ridge"));
    clock.set(T0 + 13 * MIN);
    await bothReplicas();
    clock.set(T0 + 14 * MIN); // clear 1 min < 120 s
    await bothReplicas();
    expect((await api("GET", "/api/alerts?state=acknowledged")).body.alerts).toHaveLength(1);
    clock.set(T0 + 15 * MIN + 1);
    await hub.ctx.db.update(cameras).set({ lastContactAt: T0 + 15 * MIN }).where(eq(cameras.id, "ridge"));
    const results = await bothReplicas();
    expect(results.flatMap((r) => r.resolved)).toHaveLength(1);
    const history = (await api("GET", "/api/alerts?state=resolved")).body.alerts;
    expect(history.map((a: any) => [a.camera_id, a.resolved_at])).toEqual([["ridge", "2026-11-24T12:15:00.001Z"]]);
    const rows = await hub.ctx.db.select().from(alertDeliveries);
    expect(rows.filter((r) => r.alertId !== null).map((r) => r.event).sort()).toEqual(["firing", "resolved"]);
  });

  test("an e-mail channel's daily digest: queued once a day at its UTC hour, counting the past day", async () => {
    expect((await api("PUT", "/api/alerts/channels/mail", { type: "email", to: ["ops@example.org"], per_event: false, digest_hour: 12 })).status).toBe(200);
    await bothReplicas();
    const digests = async () => (await hub.ctx.db.select().from(alertDeliveries)).filter((r) => r.event === "digest");
    expect(await digests()).toEqual([]); // today's 12:00 came before the channel
    clock.set(Date.parse("2026-11-25T12:00:01Z"));
    await bothReplicas();
    await bothReplicas();
    const rows = await digests();
    expect(rows.map((r) => [r.key, r.channelId, (r.payload as { subject: string }).subject])).toEqual([
      ["digest:mail:2026-11-25", "mail", "[skylapse] daily digest 2026-11-25: 1 fired, 1 resolved, 0 firing"],
    ]);
    expect((rows[0]!.payload as { text: string }).text).toContain("ridge: no contact for");
  });

  test("a hub killed between resolving an alert and queuing its resolution queues it on its next pass, once", async () => {
    const [row] = await hub.ctx.db
      .insert(alerts)
      .values({ cameraId: "ridge", kind: "disk", status: "resolved", since: T0, firedAt: T0, notifiedAt: T0, resolvedAt: T0 + MIN, summary: "ridge: disk 95 % used (limit 90 %)" })
      .returning();
    await bothReplicas();
    await bothReplicas();
    const rows = (await hub.ctx.db.select().from(alertDeliveries)).filter((r) => r.alertId === row!.id);
    expect(rows.map((r) => r.key)).toEqual([`alert:${row!.id}:resolved:hook`]);
    expect((await hub.ctx.db.select().from(alerts).where(eq(alerts.id, row!.id)))[0]!.resolutionNotifiedAt).not.toBeNull();
  });

  test("device health in a camera's observed state (from agents that report it) is judged: temperature and under-voltage", async () => {
    const observed = { ...observedState({}, { now: clock.now() }), health: { soc_temp_c: 91, throttled: "0x50005" } } as never;
    await hub.ctx.db.update(cameras).set({ observed, lastContactAt: clock.now() }).where(eq(cameras.id, "crest"));
    await bothReplicas();
    const open = (await api("GET", "/api/alerts?state=open&camera_id=crest")).body.alerts;
    expect(open.map((a: any) => [a.kind, a.summary]).sort()).toEqual([
      ["temperature", "crest: SoC 91 °C (limit 80 °C)"],
      ["under_voltage", "crest: under-voltage now"],
    ]);
  });
});
