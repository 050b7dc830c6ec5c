/**
 * Image sync tells the truth about trouble, on a real hub and agent: an upload the
 * agent sets aside is an `image_set_aside` incident (in /status and at the hub), and
 * `image_sync.last_error` is cleared once the hub takes uploads again.
 */
import { expect, test } from "bun:test";
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FaultProxy } from "../harness/fault-proxy";
import { testStorage } from "../harness/postgres";
import { sharedClock, startAgent, startHub, type StartedAgent, type StartedHub, waitFor } from "../harness/processes";
import { DENVER } from "../harness/scenario";
import { stopAfterEach } from "../harness/tracked";

const TECHNICIAN = "image-errors-technician-0123456789";
// No window near the clock's noon start: the only captures are the ones the tests ask for.
const config = {
  location: DENVER,
  schedules: { night: { type: "time_of_day", start_time: "03:00", end_time: "03:05", interval_seconds: 60, enabled: true } },
  cameras: { ridge: { deployed_profile: "f", schedules: ["night"] } },
  profiles: { f: { base: { ev: 0 } } },
  sync: { poll_interval_seconds: 600, plan_days: 1 },
};

const track = stopAfterEach();

async function setUp(viaProxy: boolean) {
  const clock = sharedClock("2026-11-24T12:00:00-07:00", 1, 500);
  const hub: StartedHub = await startHub({ config, clock });
  track(hub);
  const { token } = await hub.json("/api/cameras/ridge/token", { method: "POST" });
  let proxy: FaultProxy | null = null;
  if (viaProxy) {
    proxy = await FaultProxy.start({ target: { host: "127.0.0.1", port: Number(new URL(hub.url).port) } });
    track({ stop: () => proxy!.close() });
  }
  const agent: StartedAgent = await startAgent({
    cameraId: "ridge",
    hub: proxy ? ({ ...hub, url: proxy.url } as StartedHub) : hub,
    token,
    clock,
    env: { SKYLAPSE_CLOCK_TRUSTED: "true", SKYLAPSE_EDGE_TOKEN: TECHNICIAN },
  });
  track(agent);
  await waitFor("the agent's first sync", async () => (await agent.json("/status")).hub?.last_sync_at, 15_000, 50);
  return { hub, agent, proxy };
}

const post = (agent: StartedAgent, path: string, body?: unknown) =>
  fetch(agent.url + path, {
    method: "POST",
    headers: { authorization: `Bearer ${TECHNICIAN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));

test("an image upload set aside is an incident, in /status and in the state the hub sees", async () => {
  const { hub, agent, proxy } = await setUp(true);
  // The hub out of reach while the frame is taken and its file damaged (bytes added after the record was committed).
  proxy!.setMode("refuse");
  const shot = await post(agent, "/capture", { iso: 100 });
  expect(shot.status).toBe(200);
  const record = await agent.json(`/captures/${shot.json.capture_id}`);
  appendFileSync(join(agent.dataDir, "images", record.image.file), new Uint8Array(64).fill(0x41));
  proxy!.setMode("none");
  expect((await post(agent, "/sync")).status).toBe(200);

  const incident = await waitFor(
    "an image_set_aside incident",
    async () => ((await agent.json("/status")).incidents as any[]).find((i) => i.kind === "image_set_aside" && i.detail.includes(record.id)),
    30_000,
    100,
  );
  expect(incident.detail).toContain("sha256");
  // The next poll carries it to the hub.
  await post(agent, "/sync");
  await waitFor(
    "the incident at the hub",
    async () => {
      const camera = (await hub.json("/api/cameras")).cameras.find((c: any) => c.id === "ridge");
      return (camera.observed?.incidents ?? []).some((i: any) => i.kind === "image_set_aside" && i.detail.includes(record.id));
    },
    30_000,
    200,
  );
}, 90_000);

// The fault is a file standing in the filesystem store's way; a bucket has no folders to block.
test.skipIf(testStorage() === "s3")("image_sync.last_error is cleared once uploads succeed again", async () => {
  const { hub, agent } = await setUp(false);
  // The hub cannot store this camera's pictures: a file sits where its folder goes (every image PUT is a 500).
  const blocker = join(hub.dataDir, "images", "ridge");
  mkdirSync(join(hub.dataDir, "images"), { recursive: true });
  writeFileSync(blocker, "not a folder");
  const shot = await post(agent, "/capture", { iso: 100 });
  expect(shot.status).toBe(200);
  expect((await post(agent, "/sync")).status).toBe(200);
  const failing = await waitFor("an image-sync error", async () => (await agent.json("/status")).image_sync?.last_error, 30_000, 50);
  expect(failing).toContain("500");

  rmSync(blocker);
  const recovered = await waitFor(
    "the image at the hub",
    async () => {
      const status = (await agent.json("/status")).image_sync;
      return status.pending === 0 && status.thumbnails_pending === 0 ? status : null;
    },
    60_000,
    100,
  );
  expect(recovered.last_error).toBeNull();
  expect((await hub.api(`/api/cameras/ridge/captures/${shot.json.capture_id}/image`)).status).toBe(200);
}, 120_000);
