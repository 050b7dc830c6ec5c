import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { emptyCaptureRecord } from "../../shared/contracts/sync";
import { agentLog } from "../harness/agent-db";
import { realMsUntil, sharedClock, startAgent, startHub, tempDir, waitFor } from "../harness/processes";
import { DENVER, expectedTicks, hubCaptures } from "../harness/scenario";

const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00Z`);
const FAKE_RPICAM = join(import.meta.dir, "..", "fixtures", "rpicam-still");
const stops: { stop: (hard?: boolean) => Promise<unknown> }[] = [];
afterAll(async () => {
  await Promise.all(stops.map((s) => s.stop(true)));
});

const port = (a: { url: string }) => Number(new URL(a.url).port);
const TOKEN = "tech-token-ridge-0123456789";

describe("live orchestration of our own agents", () => {
  test("an agent with SKYLAPSE_EDGE_TOKEN is driven with its camera's technician token, refused without it; the token is never shown", async () => {
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 20, 4000);
    const env = { SKYLAPSE_CLOCK_TRUSTED: "true", SKYLAPSE_EDGE_TOKEN: TOKEN };
    const keyed = await startAgent({ cameraId: "keyed", clock, env, seed: 1 });
    const unkeyed = await startAgent({ cameraId: "unkeyed", clock, env, seed: 2 });
    const wrong = await startAgent({ cameraId: "wrong", clock, env, seed: 3 });
    stops.push(keyed, unkeyed, wrong);
    const live = (a: { url: string }, extra: object = {}) => ({ mode: "live", host: "127.0.0.1", port: port(a), deployed_profile: "f", schedules: ["morning"], ...extra });
    const config = {
      location: DENVER,
      schedules: { morning: { start_time: "07:00", end_time: "07:01", interval_seconds: 15 } },
      cameras: { keyed: live(keyed, { technician_token: TOKEN }), unkeyed: live(unkeyed), wrong: live(wrong, { technician_token: "not-the-token-of-this-agent" }) },
      profiles: { f: { base: { metering: "spot", ev: 0.3 } } },
      sync: { poll_interval_seconds: 60, plan_days: 1 },
    };
    const hub = await startHub({ config, clock, env: { SKYLAPSE_LIVE_TIMEOUT_MS: "5000" } });
    stops.push(hub);
    const ticks = expectedTicks(config, "keyed", T("13:59"), T("14:02")).map((t) => new Date(t.at).toISOString());
    await Bun.sleep(realMsUntil(clock, T("14:01") + 15_000));
    await waitFor("every tick to be stored", async () => {
      for (const id of ["keyed", "unkeyed", "wrong"]) if ((await hubCaptures(hub, id, T("13:59"), T("14:02"))).length !== ticks.length) return false;
      return true;
    }, 15_000, 100);

    const records = async (id: string) => hubCaptures(hub, id, T("13:59"), T("14:02"));
    expect((await records("keyed")).map((r) => r.outcome)).toEqual(ticks.map(() => "captured"));
    for (const r of await records("keyed")) expect(r.measures.mean_luma).toBeGreaterThan(0);
    for (const r of await records("unkeyed")) {
      expect(r).toMatchObject({ outcome: "failed", reason_code: "camera_error" });
      expect(r.reason).toContain("/capture answered 401");
      expect(r.reason).toContain("set the camera's technician_token to its agent's SKYLAPSE_EDGE_TOKEN");
    }
    for (const r of await records("wrong")) expect(r.reason).toContain("the camera's technician_token is not its agent's SKYLAPSE_EDGE_TOKEN");

    // Shown as set, never as itself: config export, camera views, live status, audit, the hub's log.
    const exported = await hub.json("/api/config");
    expect(exported.cameras.keyed.technician_token).toBe("(set)");
    expect(exported.cameras.unkeyed.technician_token).toBeUndefined();
    expect((await hub.json("/api/cameras/keyed")).technician_token).toBe("(set)");
    for (const path of ["/api/config", "/api/cameras", "/api/cameras/keyed", "/api/live", "/api/audit", "/api/fleet"]) expect(await (await hub.api(path)).text()).not.toContain(TOKEN);
    // The export applies back unchanged ("(set)" keeps the token the hub holds) ...
    const again = await hub.json("/api/config", { method: "PUT", body: JSON.stringify(exported) });
    expect(again).toMatchObject({ applied: false, changes: [] });
    // ... and a new token shows as a change, not as itself.
    const other = { ...exported, cameras: { ...exported.cameras, keyed: { ...exported.cameras.keyed, technician_token: "another-token-0123456789" } } };
    const dry = await hub.api("/api/config?dry_run=true", { method: "PUT", body: JSON.stringify(other) });
    const dryText = await dry.text();
    expect(dryText).not.toContain("another-token-0123456789");
    expect(JSON.parse(dryText).changes).toEqual([{ path: "cameras.keyed.technician_token", action: "change", from: "(set)", to: "(changed)" }]);
    // "(set)" for a camera that holds no token is refused, naming it.
    const none = { ...exported, cameras: { ...exported.cameras, unkeyed: { ...exported.cameras.unkeyed, technician_token: "(set)" } } };
    const refused = await hub.api("/api/config?dry_run=true", { method: "PUT", body: JSON.stringify(none) });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("cameras.unkeyed.technician_token");
    expect(hub.output).not.toContain(TOKEN);
  }, 90_000);

  test("a capture that answers after the hub's timeout leaves one record for its tick: the captured one, the agent's own", async () => {
    // A real agent on the rpicam driver whose captures (not its metering) take 4 s, against a hub that waits 1.5 s.
    const dir = tempDir("slow-rpicam");
    const slow = join(dir, "rpicam-still");
    writeFileSync(slow, `#!/bin/sh\ncase "$*" in *.jpg*) sleep 4 ;; esac\nexec "${FAKE_RPICAM}" "$@"\n`);
    chmodSync(slow, 0o755);
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 10, 5000);
    const config = {
      location: DENVER,
      schedules: { morning: { start_time: "07:00", end_time: "07:04", interval_seconds: 60 } },
      cameras: { ridge: { mode: "live", host: "127.0.0.1", port: 1, deployed_profile: "f", schedules: ["morning"] } },
      profiles: { f: { base: { metering: "centre" } } },
      sync: { poll_interval_seconds: 10, plan_days: 1 },
    };
    const hub = await startHub({ config, clock, env: { SKYLAPSE_LIVE_TIMEOUT_MS: "1500" } });
    stops.push(hub);
    const agent = await startAgent({
      cameraId: "ridge",
      hub,
      clock,
      env: { SKYLAPSE_CLOCK_TRUSTED: "true", SKYLAPSE_CAMERA_DRIVER: "rpicam", SKYLAPSE_RPICAM_BIN: slow, SKYLAPSE_EDGE_TOKEN: TOKEN },
    });
    stops.push(agent);
    // Point the live camera at the agent now that it listens.
    await hub.json("/api/cameras/ridge", { method: "PATCH", body: JSON.stringify({ port: port(agent), technician_token: TOKEN }) });
    const ticks = expectedTicks(config, "ridge", T("13:59"), T("14:05")).map((t) => new Date(t.at).toISOString());
    expect(ticks.length).toBeGreaterThan(2);
    await Bun.sleep(realMsUntil(clock, T("14:04")));
    // The agent logged every tick and has uploaded its records.
    await waitFor("the agent to upload every capture", async () => {
      const page = await agent.json(`/captures?limit=1000`);
      if (page.captures.length === ticks.length && page.captures.every((c: { uploaded: boolean }) => c.uploaded)) return true;
      const hubHas = (await hubCaptures(hub, "ridge", T("13:59"), T("14:05"))).map((c) => [c.planned_at, c.outcome, c.reason]);
      throw new Error(`agent: ${JSON.stringify(page.captures.map((c: any) => [c.planned_at, c.outcome, c.uploaded, c.reason]))}; hub: ${JSON.stringify(hubHas)}`);
    }, 30_000, 200);

    const held = await hubCaptures(hub, "ridge", T("13:59"), T("14:05"));
    expect(held.map((r) => r.planned_at).sort()).toEqual(ticks);
    expect(held.filter((r) => r.outcome !== "captured").map((r) => r.reason)).toEqual([]);
    // The hub's records are the agent's captures (same ids), so its picture uploads attach to them.
    await waitFor("the agent's pictures to reach the hub", async () => {
      for (const r of held) if ((await hub.api(`/api/cameras/ridge/captures/${r.id}/thumbnail`)).status !== 200) return false;
      return true;
    }, 30_000, 250);
    await agent.stop();
    const own = agentLog(agent.dataDir).map((r) => r.record);
    expect(own.map((r) => r.outcome)).toEqual(ticks.map(() => "captured"));
    expect(held.map((r) => r.id).sort()).toEqual(own.map((r) => r.id).sort());
    for (const r of held) {
      const mine = own.find((o) => o.id === r.id)!;
      expect(r.image.sha256).toBe(mine.image!.sha256);
      expect(r.measures).toEqual(mine.measures);
    }
    // The hub did give up on each of them first (the frames were late), and said so in its log.
    expect(hub.output).toContain("the frame came after the timeout");
  }, 120_000);
});

describe("live orchestration when the answer is lost", () => {
  test("a capture our agent logged though its answer was cut off is recorded from the agent's log, once", async () => {
    // A stand-in agent: it logs each capture, then cuts its answer off mid-body; its log answers /captures.
    const logged = new Map<string, Record<string, unknown>>();
    const agent = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(request) {
        const url = new URL(request.url);
        if (url.pathname === "/meter") return Response.json({ lux: 5000, exposure_time_us: 1000, analogue_gain: 1, colour_temperature: 5200 });
        if (url.pathname === "/capture") {
          const body = (await request.json()) as { planned_at: string; profile: string; schedule: string };
          const id = `cap-${logged.size + 1}`;
          logged.set(body.planned_at, {
            ...emptyCaptureRecord({ id, planned_at: body.planned_at, schedule: body.schedule, profile_id: body.profile, boot_id: "b" }),
            seq: logged.size + 1,
            captured_at: body.planned_at,
            outcome: "captured",
            measures: { mean_luma: 120, clipped_highlights_pct: 0, crushed_shadows_pct: 0 },
          });
          return new Response(`{"status":"success","capture_id":"${id}","ima`, { headers: { "content-type": "application/json" } });
        }
        if (url.pathname === "/captures") {
          const record = logged.get(url.searchParams.get("from")!);
          return Response.json({ captures: record ? [record] : [], next: null });
        }
        return new Response("not found", { status: 404 });
      },
    });
    stops.push({ stop: async () => agent.stop(true) });
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 20, 4000);
    const config = {
      location: DENVER,
      schedules: { morning: { start_time: "07:00", end_time: "07:01", interval_seconds: 20 } },
      cameras: { ridge: { mode: "live", host: "127.0.0.1", port: agent.port, deployed_profile: "f", schedules: ["morning"] } },
      profiles: { f: { base: { metering: "spot" } } },
      sync: { poll_interval_seconds: 60, plan_days: 1 },
    };
    const hub = await startHub({ config, clock, env: { SKYLAPSE_LIVE_TIMEOUT_MS: "3000" } });
    stops.push(hub);
    const ticks = expectedTicks(config, "ridge", T("13:59"), T("14:02")).map((t) => new Date(t.at).toISOString());
    await Bun.sleep(realMsUntil(clock, T("14:01")));
    const held = await waitFor("every tick to be recorded as captured", async () => {
      const records = await hubCaptures(hub, "ridge", T("13:59"), T("14:02"));
      return records.length === ticks.length && records.every((r) => r.outcome === "captured") ? records : null;
    }, 15_000, 100);
    expect(held.map((r) => r.id).sort()).toEqual([...logged.values()].map((r) => r.id as string).sort());
    expect(held.map((r) => r.measures.mean_luma)).toEqual(ticks.map(() => 120));
  }, 60_000);
});
