import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { decode } from "jpeg-js";
import { agentLog } from "../harness/agent-db";
import { FaultProxy } from "../harness/fault-proxy";
import { hubImageKeys } from "../harness/hub-storage";
import { realMsUntil, sharedClock, startAgent, startHub, tempDir, type StartedAgent, type StartedHub, waitFor } from "../harness/processes";
import { DENVER } from "../harness/scenario";
import { stopAfterEach } from "../harness/tracked";

/** One morning window from 07:00 local (14:00Z) to `end`, a capture every 10 s. */
const config = (end: string, imageSync?: unknown) => ({
  location: DENVER,
  schedules: { morning: { start_time: "07:00", end_time: end, interval_seconds: 10 } },
  cameras: { ridge: { deployed_profile: "f", schedules: ["morning"], ...(imageSync === undefined ? {} : { image_sync: imageSync }) } },
  profiles: { f: { base: { metering: "matrix" } } },
  sync: { poll_interval_seconds: 20, plan_days: 1 },
});
const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00Z`);
const sha256 = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");

const track = stopAfterEach();

/** The agent's sync marks, read from its SQLite file (WAL readers do not disturb a running agent). */
function syncMarks(dataDir: string) {
  const db = new Database(join(dataDir, "agent.sqlite"), { readonly: true });
  try {
    return db
      .query("SELECT id, outcome, image_bytes, uploaded_at, image_synced_at, thumb_synced_at, purged_at FROM captures ORDER BY seq")
      .all() as { id: string; outcome: string; image_bytes: number; uploaded_at: number | null; image_synced_at: number | null; thumb_synced_at: number | null; purged_at: number | null }[];
  } finally {
    db.close();
  }
}

/** Capture ids and schedules from a running agent's database. */
function agentLogWhileRunning(dataDir: string) {
  const db = new Database(join(dataDir, "agent.sqlite"), { readonly: true });
  try {
    return db.query("SELECT id, schedule, planned_at FROM captures").all() as { id: string; schedule: string; planned_at: number }[];
  } finally {
    db.close();
  }
}

/** Bytes of images in the hub's storage for a camera (full, partial and thumbnails). */
async function hubImageBytes(hub: StartedHub, cameraId: string, folder?: string): Promise<number> {
  return (await hubImageKeys(hub, `${cameraId}/${folder ? `${folder}/` : ""}`)).reduce((n, o) => n + o.size, 0);
}

const filesIn = async (hub: StartedHub, cameraId: string, folder: string) =>
  (await hubImageKeys(hub, `${cameraId}/${folder}/`)).map((o) => o.key.slice(o.key.lastIndexOf("/") + 1));

/** Every captured record's full image at the hub is byte-identical to the record (sha256 and size). */
async function expectImagesAtHub(hub: StartedHub, agent: StartedAgent) {
  const captured = agentLog(agent.dataDir).filter((r) => r.record.outcome === "captured" && r.record.image);
  expect(captured.length).toBeGreaterThan(0);
  for (const { record } of captured) {
    const res = await hub.api(`/api/cameras/${agent.cameraId}/captures/${record.id}/image`);
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(bytes.length).toBe(record.image!.bytes);
    expect(sha256(bytes)).toBe(record.image!.sha256);
  }
  expect(await filesIn(hub, agent.cameraId, "partial")).toEqual([]);
  return captured;
}

const allSynced = (dataDir: string) => {
  const rows = syncMarks(dataDir).filter((r) => r.outcome === "captured");
  return rows.length > 0 && rows.every((r) => r.image_synced_at !== null && r.thumb_synced_at !== null);
};

describe("image sync", () => {
  test("thumbnails and full images arrive intact; the full image serves ranges; uncapped throughput after an outage", async () => {
    const cfg = config("07:05");
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 60, 2500);
    let hub = track(await startHub({ config: cfg, clock }));
    const port = Number(new URL(hub.url).port);
    const { token } = await hub.json("/api/cameras/ridge/token", { method: "POST" });
    const agent = track(await startAgent({ cameraId: "ridge", hub, token, clock }));
    await waitFor("the agent's first poll", async () => syncMarks(agent.dataDir).length >= 0 && (await agent.json("/status")).clock.trusted, 10_000, 50);
    // The hub goes away for the whole window: records and images pile up at the agent.
    await hub.stop(true);
    await Bun.sleep(realMsUntil(clock, T("14:05") + 5_000));
    const backlog = syncMarks(agent.dataDir).filter((r) => r.outcome === "captured");
    const bytes = backlog.reduce((n, r) => n + r.image_bytes, 0);
    expect(backlog.length).toBeGreaterThanOrEqual(25);
    // The agent's /status says how far behind its pictures are (the window has closed: nothing new comes).
    const behind = (await agent.json("/status")).image_sync;
    expect(behind).toMatchObject({ policy: "all", pending: backlog.length, pending_bytes: bytes, thumbnails_pending: backlog.length, last_uploaded_at: null });
    expect(Date.parse(behind.oldest_pending_at)).toBe(Math.min(...agentLogWhileRunning(agent.dataDir).map((r) => r.planned_at)));

    hub = track(await startHub({ config: cfg, clock, dataDir: hub.dataDir, port }));
    const t0 = performance.now();
    await agent.json("/sync", { method: "POST" });
    await waitFor("every image at the hub", async () => allSynced(agent.dataDir), 60_000, 25);
    const seconds = (performance.now() - t0) / 1000;
    console.log(`uncapped: ${backlog.length} records + ${(bytes / 1024).toFixed(0)} KiB of images in ${seconds.toFixed(2)} s = ${((bytes * 8) / 1000 / seconds).toFixed(0)} kbit/s`);
    const caughtUp = (await agent.json("/status")).image_sync;
    expect(caughtUp).toMatchObject({ pending: 0, pending_bytes: 0, oldest_pending_at: null, thumbnails_pending: 0 });
    expect(caughtUp.sent_since_start).toMatchObject({ images: backlog.length, thumbnails: backlog.length });
    expect(Date.parse(caughtUp.last_uploaded_at)).toBeGreaterThan(T("14:05"));
    // The hub sees the same at the agent's next poll.
    await waitFor("the fleet to show the images caught up", async () => {
      const ridge = (await hub.json("/api/fleet")).cameras.find((c: { id: string }) => c.id === "ridge");
      return ridge.images?.pending === 0 && ridge.images.last_uploaded_at !== null;
    }, 10_000, 50);
    await agent.stop();

    const captured = await expectImagesAtHub(hub, agent);
    const sizes: number[] = [];
    for (const { record } of captured) {
      const res = await hub.api(`/api/cameras/ridge/captures/${record.id}/thumbnail`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/jpeg");
      const thumb = new Uint8Array(await res.arrayBuffer());
      const image = decode(thumb);
      expect(image.width).toBe(160);
      expect(image.height).toBe(Math.round((record.image!.height * 160) / record.image!.width));
      sizes.push(thumb.length);
    }
    console.log(`thumbnails: ${sizes.length}, ${Math.min(...sizes)}–${Math.max(...sizes)} bytes (images ${captured[0]!.record.image!.bytes} bytes)`);
    expect(Math.max(...sizes)).toBeLessThan(16 * 1024);

    // Ranges on the full image.
    const { record } = captured[0]!;
    const url = `/api/cameras/ridge/captures/${record.id}/image`;
    const whole = new Uint8Array(await (await hub.api(url)).arrayBuffer());
    const part = await hub.api(url, { headers: { range: "bytes=100-1123" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 100-1123/${whole.length}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(whole.subarray(100, 1124));
    const tail = await hub.api(url, { headers: { range: "bytes=-10" } });
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(whole.subarray(whole.length - 10));
    expect((await hub.api(url, { headers: { range: `bytes=${whole.length}-` } })).status).toBe(416);
    // Operators only; another camera's capture id is not found.
    expect((await fetch(hub.url + url)).status).toBe(401);
    expect((await hub.api(`/api/cameras/valley/captures/${record.id}/image`)).status).toBe(404);
  }, 120_000);

  test("the agent's protocol checks: unknown captures, offsets, oversize bodies, a wrong hash is discarded", async () => {
    const clock = sharedClock(new Date(T("14:00")).toISOString(), 60, 2500);
    const cfg = config("07:01", "thumbnails");
    const hub = track(await startHub({ config: { ...cfg, cameras: { ...cfg.cameras, valley: { deployed_profile: "f", schedules: [] } } }, clock }));
    const { token } = await hub.json("/api/cameras/ridge/token", { method: "POST" });
    const { token: valleyToken } = await hub.json("/api/cameras/valley/token", { method: "POST" });
    const agent = track(await startAgent({ cameraId: "ridge", hub, token, clock }));
    await waitFor("a thumbnail", async () => syncMarks(agent.dataDir).some((r) => r.thumb_synced_at !== null), 30_000, 50);
    await agent.stop();
    const { record } = agentLog(agent.dataDir).find((r) => r.record.image)!;
    const put = (path: string, body: Uint8Array, type: string) =>
      fetch(`${hub.url}/agent/v1/captures/${path}`, { method: "PUT", body: body as unknown as BodyInit, headers: { authorization: `Bearer ${token}`, "content-type": type } });
    const get = (path: string) => fetch(`${hub.url}/agent/v1/captures/${path}`, { headers: { authorization: `Bearer ${token}` } });

    expect((await get("no-such-capture/image")).status).toBe(404);
    expect((await get("..%2F..%2Fhub.sqlite/image")).status).toBe(404);
    // Another camera's token does not reach this camera's captures.
    const asValley = await fetch(`${hub.url}/agent/v1/captures/${record.id}/image`, { headers: { authorization: `Bearer ${valleyToken}` } });
    expect(asValley.status).toBe(404);
    expect((await put(`${record.id}/thumbnail`, new Uint8Array([1, 2, 3, 4]), "image/jpeg")).status).toBe(422);
    expect((await put(`${record.id}/thumbnail`, new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), "image/png")).status).toBe(415);
    expect((await put("no-such-capture/thumbnail", new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), "image/jpeg")).status).toBe(404);
    expect((await put(`${record.id}/thumbnail`, new Uint8Array(65 * 1024), "image/jpeg")).status).toBe(413);
    expect((await put(`${record.id}/image?offset=0`, new Uint8Array(1024 * 1024 + 1), "application/octet-stream")).status).toBe(413);
    expect((await fetch(`${hub.url}/agent/v1/captures/${record.id}/image`)).status).toBe(401);
    expect(await (await get(`${record.id}/image`)).json()).toEqual({ bytes_received: 0, complete: false });
    expect((await put(`${record.id}/image?offset=5`, new Uint8Array(10), "application/octet-stream")).status).toBe(409);
    // The right size, the wrong bytes: checked, discarded, back to 0.
    const size = record.image!.bytes;
    expect((await put(`${record.id}/image?offset=0`, new Uint8Array(size - 1), "application/octet-stream")).status).toBe(200);
    expect((await put(`${record.id}/image?offset=${size - 1}`, new Uint8Array(2), "application/octet-stream")).status).toBe(422);
    const last = await put(`${record.id}/image?offset=${size - 1}`, new Uint8Array(1), "application/octet-stream");
    expect(last.status).toBe(422);
    expect((await last.json()).error).toBe("hash_mismatch");
    expect(await (await get(`${record.id}/image`)).json()).toEqual({ bytes_received: 0, complete: false });
  }, 60_000);

  test("policy thumbnails: every thumbnail, no full image", async () => {
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 60, 2500);
    const hub = track(await startHub({ config: config("07:03", "thumbnails"), clock }));
    const agent = track(await startAgent({ cameraId: "ridge", hub, clock }));
    await Bun.sleep(realMsUntil(clock, T("14:03") + 5_000));
    await waitFor("every thumbnail", async () => {
      const rows = syncMarks(agent.dataDir).filter((r) => r.outcome === "captured");
      return rows.length >= 15 && rows.every((r) => r.thumb_synced_at !== null && r.uploaded_at !== null);
    }, 30_000, 50);
    await Bun.sleep(3_000);
    await agent.stop();
    const rows = syncMarks(agent.dataDir).filter((r) => r.outcome === "captured");
    expect(rows.every((r) => r.image_synced_at === null)).toBe(true);
    expect((await filesIn(hub, "ridge", "thumbnails")).length).toBe(rows.length);
    expect((await hubImageBytes(hub, "ridge", "full")) + (await hubImageBytes(hub, "ridge", "partial"))).toBe(0);
    expect((await hub.api(`/api/cameras/ridge/captures/${rows[0]!.id}/image`)).status).toBe(404);
  }, 60_000);

  test("a policy changed through the operator API reaches the agent at its next poll: full images start, then stop again", async () => {
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 60, 2500);
    // A window long enough for both changes on a loaded machine (a capture every 1/6 s of real time).
    const hub = track(await startHub({ config: config("07:30", "thumbnails"), clock }));
    const agent = track(await startAgent({ cameraId: "ridge", hub, clock }));
    const captured = () => syncMarks(agent.dataDir).filter((r) => r.outcome === "captured");
    await waitFor("thumbnails of the first captures", async () => captured().filter((r) => r.thumb_synced_at !== null).length >= 4, 30_000, 50);
    expect(captured().every((r) => r.image_synced_at === null)).toBe(true);
    expect(await filesIn(hub, "ridge", "full")).toEqual([]);
    expect((await agent.json("/status")).image_sync).toMatchObject({ policy: "thumbnails", pending: 0 });

    // Every full image from now on, the earlier ones included.
    await hub.json("/api/cameras/ridge", { method: "PATCH", body: JSON.stringify({ image_sync: "all" }) });
    await waitFor("the earlier full images at the hub", async () => {
      const rows = captured();
      return rows.length >= 6 && rows.slice(0, 4).every((r) => r.image_synced_at !== null);
    }, 15_000, 50);
    expect((await agent.json("/status")).image_sync.policy).toBe("all");

    // Back to thumbnails: captures after the change get no full image.
    await hub.json("/api/cameras/ridge", { method: "PATCH", body: JSON.stringify({ image_sync: "thumbnails" }) });
    await waitFor("the agent to run the thumbnails policy", async () => (await agent.json("/status")).image_sync.policy === "thumbnails", 10_000, 50);
    const switchedAt = Math.max(...agentLogWhileRunning(agent.dataDir).map((r) => r.planned_at));
    // Enough captures under the thumbnails policy again, their thumbnails at the hub (the window goes on).
    await waitFor("captures after the switch back", async () => {
      const planned = new Map(agentLogWhileRunning(agent.dataDir).map((r) => [r.id, r.planned_at]));
      return captured().filter((r) => planned.get(r.id)! > switchedAt && r.thumb_synced_at !== null).length > 8;
    }, 30_000, 100);
    await Bun.sleep(1_000);
    await agent.stop();
    const planned = new Map(agentLogWhileRunning(agent.dataDir).map((r) => [r.id, r.planned_at]));
    const after = captured().filter((r) => planned.get(r.id)! > switchedAt);
    expect(after.length).toBeGreaterThan(5);
    expect(after.every((r) => r.image_synced_at === null)).toBe(true);
    const full = (await filesIn(hub, "ridge", "full")).length;
    expect(full).toBe(captured().filter((r) => r.image_synced_at !== null).length);
    expect(full).toBeGreaterThanOrEqual(4);
    console.log(`policy change: ${full} full images while "all", ${after.length} captures after the switch back, none sent full`);
  }, 90_000);

  test("policy by schedule: full images of the named schedules only", async () => {
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 60, 2500);
    const base = config("07:03", { schedules: ["evening"] });
    const cfg = {
      ...base,
      schedules: { ...base.schedules, evening: { start_time: "07:00", end_time: "07:03", interval_seconds: 15 } },
      cameras: { ridge: { ...base.cameras.ridge, schedules: ["morning", "evening"] } },
    };
    const hub = track(await startHub({ config: cfg, clock }));
    const agent = track(await startAgent({ cameraId: "ridge", hub, clock }));
    await Bun.sleep(realMsUntil(clock, T("14:03") + 5_000));
    const schedules = new Map(agentLogWhileRunning(agent.dataDir).map((r) => [r.id, r.schedule]));
    await waitFor("every evening image and every thumbnail", async () => {
      const rows = syncMarks(agent.dataDir).filter((r) => r.outcome === "captured");
      return rows.length >= 10 && rows.every((r) => r.thumb_synced_at !== null && (schedules.get(r.id) !== "evening" || r.image_synced_at !== null));
    }, 30_000, 100);
    // Morning images never go, so they are not pending either.
    expect((await agent.json("/status")).image_sync).toMatchObject({ policy: { schedules: ["evening"] }, pending: 0, pending_bytes: 0, thumbnails_pending: 0 });
    await Bun.sleep(2_000);
    await agent.stop();
    const rows = agentLog(agent.dataDir).filter((r) => r.record.outcome === "captured");
    const evening = rows.filter((r) => r.record.schedule === "evening");
    expect(evening.length).toBeGreaterThan(3);
    expect(rows.length - evening.length).toBeGreaterThan(3);
    expect((await filesIn(hub, "ridge", "full")).length).toBe(evening.length);
    expect((await filesIn(hub, "ridge", "thumbnails")).length).toBe(rows.length);
    for (const { record } of rows) {
      const res = await hub.api(`/api/cameras/ridge/captures/${record.id}/image`);
      expect(res.status).toBe(record.schedule === "evening" ? 200 : 404);
    }
  }, 60_000);

  test("a bracket capture sends its main frame only (by design): the hub's image is the record's; the other frames stay on the camera", async () => {
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 60, 2500);
    const base = config("07:01");
    const hub = track(await startHub({ config: { ...base, profiles: { f: { base: { metering: "matrix", bracket: { count: 3, ev: [-2, 0, 2] } } } } }, clock }));
    const agent = track(await startAgent({ cameraId: "ridge", hub, clock }));
    await Bun.sleep(realMsUntil(clock, T("14:01") + 5_000));
    await waitFor("every main frame at the hub", async () => allSynced(agent.dataDir), 30_000, 100);
    await agent.stop();
    const captured = await expectImagesAtHub(hub, agent);
    expect(captured.every(({ record }) => record.image!.frames === 3)).toBe(true);
    // Three files per capture on the camera, one full image per capture at the hub: the main (0 EV) frame.
    const { record } = captured[0]!;
    const dir = join(agent.dataDir, "images", record.image!.file.split("/").slice(0, -1).join("/"));
    const stem = record.image!.file.split("/").pop()!.replace(/\.jpg$/, "");
    expect(readdirSync(dir).filter((n) => n.startsWith(stem)).sort()).toEqual([`${stem}.jpg`, `${stem}_ev+2.jpg`, `${stem}_ev-2.jpg`].sort());
    expect((await filesIn(hub, "ridge", "full")).length).toBe(captured.length);
  }, 60_000);

  test("the bandwidth cap holds over a window: images take what records and polls leave of it, never more", async () => {
    const kbps = 400;
    // A capture every half second of real time, about 80 kB/s of images: more than the cap lets through.
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 20, 2500);
    const hub = track(await startHub({ config: config("07:10"), clock }));
    const agent = track(await startAgent({ cameraId: "ridge", hub, clock, env: { SKYLAPSE_IMAGE_BANDWIDTH_KBPS: String(kbps) } }));
    // Captures come faster than the cap lets them go: the upload is saturated throughout.
    await waitFor("uploads under way", async () => (await hubImageBytes(hub, "ridge")) > 20_000, 30_000, 50);
    await Bun.sleep(1_000);
    const b0 = await hubImageBytes(hub, "ridge");
    const t0 = performance.now();
    await Bun.sleep(6_000);
    const b1 = await hubImageBytes(hub, "ridge");
    const seconds = (performance.now() - t0) / 1000;
    const measured = ((b1 - b0) * 8) / 1000 / seconds;
    const pending = syncMarks(agent.dataDir).filter((r) => r.outcome === "captured" && r.image_synced_at === null).length;
    console.log(`capped at ${kbps} kbit/s: measured ${measured.toFixed(0)} kbit/s over ${seconds.toFixed(1)} s (${pending} images still waiting)`);
    expect(pending).toBeGreaterThan(3);
    // The cap is the link's one budget: records, polls and each request's headers take their part of it, images the rest.
    expect(measured).toBeGreaterThan(kbps * 0.7);
    expect(measured).toBeLessThan(kbps * 1.2);
  }, 60_000);

  test("interrupted uploads resume: kill -9 of the agent mid-upload, a hub restart, a link that drops and truncates; every image ends up exact", async () => {
    const cfg = config("07:04");
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 60, 2500);
    let hub = track(await startHub({ config: cfg, clock }));
    const port = Number(new URL(hub.url).port);
    const proxy = await FaultProxy.start({ target: { host: "127.0.0.1", port }, seed: 11 });
    track({ stop: () => proxy.close() });
    const { token } = await hub.json("/api/cameras/ridge/token", { method: "POST" });
    const dataDir = tempDir("image-resume");
    // Small chunks at a modest rate: an image takes about a second, so every interruption lands mid-upload.
    const env = { SKYLAPSE_IMAGE_CHUNK_KB: "4", SKYLAPSE_IMAGE_BANDWIDTH_KBPS: "320", SKYLAPSE_HTTP_TIMEOUT_MS: "2000" };
    const hubVia = { ...hub, url: proxy.url } as StartedHub;
    let agent = track(await startAgent({ cameraId: "ridge", hub: hubVia, token, clock, dataDir, env }));
    const random = (() => {
      let x = 12345;
      return () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    })();
    let kills = 0;
    let midUpload = 0;
    for (let i = 0; i < 4; i++) {
      await waitFor("an upload under way", async () => (await filesIn(hub, "ridge", "partial")).length > 0, 30_000, 10);
      await Bun.sleep(200 + random() * 800);
      if ((await filesIn(hub, "ridge", "partial")).length > 0) midUpload++;
      await agent.stop(true);
      kills++;
      agent = track(await startAgent({ cameraId: "ridge", hub: hubVia, token, clock, dataDir, env }));
    }
    // The hub dies mid-upload too, and comes back on the same port.
    await waitFor("an upload under way", async () => (await filesIn(hub, "ridge", "partial")).length > 0, 30_000, 10);
    await hub.stop(true);
    await Bun.sleep(1_000);
    hub = track(await startHub({ config: cfg, clock, dataDir: hub.dataDir, port }));
    // Then a bad link: requests dropped and responses cut off.
    proxy.setMode({ random: { none: 5, drop_request: 2, truncate: 2 } });
    await Bun.sleep(5_000);
    proxy.setMode("none");
    await Bun.sleep(realMsUntil(clock, T("14:04") + 5_000));
    await waitFor("every image at the hub", async () => allSynced(dataDir), 90_000, 100);
    await agent.stop();
    console.log(`resume: ${kills} kill -9 (${midUpload} with a partial upload at the hub), 1 hub kill -9, faults ${JSON.stringify(proxy.stats)}`);
    expect(midUpload).toBeGreaterThanOrEqual(3);
    expect(proxy.stats.drop_request + proxy.stats.truncate).toBeGreaterThan(0);
    const captured = await expectImagesAtHub(hub, agent);
    expect((await filesIn(hub, "ridge", "full")).length).toBe(captured.length);
  }, 180_000);

  test("after sync the agent's retention purges synced images first: a small budget, nothing refused, everything at the hub", async () => {
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 60, 2500);
    const hub = track(await startHub({ config: config("07:06"), clock }));
    // 1 MB holds about 25 images of these; the window makes about 36.
    const agent = track(await startAgent({ cameraId: "ridge", hub, clock, env: { SKYLAPSE_STORAGE_BUDGET_MB: "1", SKYLAPSE_MIN_FREE_MB: "0" } }));
    await Bun.sleep(realMsUntil(clock, T("14:06") + 5_000));
    await waitFor("every image at the hub", async () => allSynced(agent.dataDir) || syncMarks(agent.dataDir).filter((r) => r.outcome === "captured").every((r) => r.image_synced_at !== null || r.purged_at !== null), 30_000, 100);
    await agent.stop();
    const marks = syncMarks(agent.dataDir);
    const log = agentLog(agent.dataDir);
    expect(log.filter((r) => r.record.reason_code === "disk_full")).toEqual([]);
    const purged = marks.filter((r) => r.purged_at !== null);
    expect(purged.length).toBeGreaterThan(5);
    // Only images the hub had verified were purged.
    for (const r of purged) expect(r.image_synced_at).not.toBeNull();
    for (const { record } of log.filter((r) => r.record.image)) {
      const res = await hub.api(`/api/cameras/ridge/captures/${record.id}/image`);
      expect(res.status).toBe(200);
      expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(record.image!.sha256);
    }
  }, 60_000);

  test("hub retention: full images go after SKYLAPSE_KEEP_FULL_DAYS, thumbnails stay; the agent is not asked to send them again", async () => {
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 60, 2500);
    // 0.001 days is 86 s of capture time: well under two real seconds at this speed.
    const hub = track(await startHub({ config: config("07:02"), clock, env: { SKYLAPSE_KEEP_FULL_DAYS: "0.001", SKYLAPSE_IMAGE_RETENTION_EVERY_SECONDS: "1" } }));
    const agent = track(await startAgent({ cameraId: "ridge", hub, clock }));
    await Bun.sleep(realMsUntil(clock, T("14:02") + 5_000));
    await waitFor("every image at the hub", async () => allSynced(agent.dataDir), 30_000, 100);
    await waitFor("hub retention", async () => (await filesIn(hub, "ridge", "full")).length === 0, 15_000, 100);
    const rows = syncMarks(agent.dataDir).filter((r) => r.outcome === "captured");
    expect((await filesIn(hub, "ridge", "thumbnails")).length).toBe(rows.length);
    expect((await hub.api(`/api/cameras/ridge/captures/${rows[0]!.id}/image`)).status).toBe(404);
    expect((await hub.api(`/api/cameras/ridge/captures/${rows[0]!.id}/thumbnail`)).status).toBe(200);
    await agent.stop();
    expect(syncMarks(agent.dataDir).every((r) => r.outcome !== "captured" || r.image_synced_at !== null)).toBe(true);
  }, 60_000);
});
