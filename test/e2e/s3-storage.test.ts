/**
 * A hub on S3 storage (the test run's real radosgw): an agent's
 * thumbnails and full images (sent in resumable chunks, across a hub kill -9) land
 * in the bucket intact, nothing is left of the uploads, and a timelapse renders from
 * the bucket's frames into a playable video that is itself kept in the bucket.
 */
import { beforeAll, expect, test } from "bun:test";
import { S3Client } from "bun";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { agentLog } from "../harness/agent-db";
import { type CephS3, hubS3Env, sharedCephS3 } from "../harness/ceph-s3";
import { realMsUntil, sharedClock, startAgent, startHub, tempDir, waitFor } from "../harness/processes";
import { DENVER } from "../harness/scenario";
import { imageKey, timelapseKey } from "../../hub/storage";
import { stopAfterEach } from "../harness/tracked";

const config = {
  location: DENVER,
  schedules: { morning: { start_time: "07:00", end_time: "07:03", interval_seconds: 10 } },
  cameras: { ridge: { deployed_profile: "f", schedules: ["morning"] } },
  profiles: { f: { base: { metering: "matrix" } } },
  sync: { poll_interval_seconds: 20, plan_days: 1 },
};
const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00Z`);
const sha256 = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");

let ceph: CephS3;
beforeAll(async () => {
  ceph = await sharedCephS3("e2e");
}, 90_000);
const track = stopAfterEach();

async function keysUnder(bucket: S3Client, prefix: string): Promise<string[]> {
  const listed = await bucket.list({ prefix });
  return (listed.contents ?? []).map((o) => o.key);
}

test("a hub on S3: images arrive in the bucket in resumable chunks across a hub kill -9, and a timelapse renders from the bucket", async () => {
  const name = `e2e-images-${crypto.randomUUID().slice(0, 8)}`;
  await ceph.createBucket(name);
  const env = { ...hubS3Env(ceph, name), SKYLAPSE_TIMELAPSE_DEFLICKER: "none" };
  const bucket = new S3Client({ ...ceph, bucket: name });
  const clock = sharedClock(new Date(T("13:59")).toISOString(), 20, 2500);
  let hub = track(await startHub({ config, clock, env }));
  const port = Number(new URL(hub.url).port);
  const { token } = await hub.json("/api/cameras/ridge/token", { method: "POST" });
  // Small chunks: every full image goes up in several appends.
  const agent = track(await startAgent({ cameraId: "ridge", hub, token, clock, env: { SKYLAPSE_IMAGE_CHUNK_KB: "8" } }));

  // Mid-window the hub dies (uploads stand half-done in the bucket) and comes back on the same bucket.
  await Bun.sleep(realMsUntil(clock, T("14:01") + 5_000));
  await waitFor("a full image in the bucket", async () => (await keysUnder(bucket, "ridge/full/")).length > 0, 30_000, 100);
  await hub.stop(true);
  await Bun.sleep(1500);
  hub = track(await startHub({ config, clock, env, dataDir: hub.dataDir, port }));
  await Bun.sleep(realMsUntil(clock, T("14:03") + 5_000));
  await agent.json("/sync", { method: "POST" });
  await waitFor("every image at the hub", async () => {
    const s = (await agent.json("/status")).image_sync;
    return s.pending === 0 && s.thumbnails_pending === 0;
  }, 60_000, 100);
  await agent.stop();

  const captured = agentLog(agent.dataDir).filter((r) => r.record.outcome === "captured" && r.record.image).map((r) => r.record);
  expect(captured.length).toBeGreaterThanOrEqual(12);
  expect(Math.min(...captured.map((r) => r.image!.bytes))).toBeGreaterThan(3 * 8 * 1024);
  for (const r of captured) {
    const stored = new Uint8Array(await bucket.file(imageKey("ridge", r.id, "full")).arrayBuffer());
    expect(stored.length).toBe(r.image!.bytes);
    expect(sha256(stored)).toBe(r.image!.sha256);
    expect(await bucket.file(imageKey("ridge", r.id, "thumbnail")).exists()).toBe(true);
    // The hub serves it from the bucket.
    const served = new Uint8Array(await (await hub.api(`/api/cameras/ridge/captures/${r.id}/image`)).arrayBuffer());
    expect(sha256(served)).toBe(r.image!.sha256);
  }
  expect((await keysUnder(bucket, "ridge/full/")).length).toBe(captured.length);
  expect(await keysUnder(bucket, "ridge/partial/")).toEqual([]);
  expect(existsSync(join(hub.dataDir, "images"))).toBe(false);

  // A render stages its frames from the bucket; the video goes back into it.
  const res = await hub.api("/api/timelapses", { method: "POST", body: JSON.stringify({ camera_id: "ridge", from: "2026-11-24T14:00:00.000Z", to: "2026-11-24T14:03:00.000Z" }) });
  expect(res.status).toBe(202);
  const { id } = await res.json();
  const done = await waitFor(`timelapse ${id} to finish`, async () => {
    const t = await hub.json(`/api/timelapses/${id}`);
    return ["done", "failed", "cancelled"].includes(t.status) ? t : null;
  }, 90_000, 200);
  expect(done).toMatchObject({ status: "done", error: null, frames: captured.length, source: "full" });
  const video = new Uint8Array(await (await hub.api(done.url)).arrayBuffer());
  expect(video.length).toBe(done.bytes);
  expect(sha256(new Uint8Array(await bucket.file(timelapseKey(id, "video")).arrayBuffer()))).toBe(sha256(video));
  const file = join(tempDir("probe"), "v.mp4");
  await Bun.write(file, video);
  const probe = Bun.spawnSync(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries", "stream=codec_name,nb_read_frames", "-of", "json", file]);
  expect(probe.exitCode).toBe(0);
  expect(JSON.parse(probe.stdout.toString()).streams[0]).toMatchObject({ codec_name: "h264", nb_read_frames: String(captured.length) });
  console.log(`S3 e2e: ${captured.length} full images (${captured[0]!.image!.bytes} bytes, 8 KiB chunks) verified in the bucket; a ${video.length}-byte video of ${captured.length} frames rendered from it`);
}, 180_000);

test("an upload half-done in the bucket resumes after the hub is killed: the restarted hub reads where it stands from the bucket", async () => {
  const name = `e2e-resume-${crypto.randomUUID().slice(0, 8)}`;
  await ceph.createBucket(name);
  const env = hubS3Env(ceph, name);
  const bucket = new S3Client({ ...ceph, bucket: name });
  const clock = sharedClock(new Date(T("14:00")).toISOString(), 60, 2500);
  const thumbnailsOnly = { ...config, cameras: { ridge: { ...config.cameras.ridge, image_sync: "thumbnails" } } };
  let hub = track(await startHub({ config: thumbnailsOnly, clock, env }));
  const port = Number(new URL(hub.url).port);
  const { token } = await hub.json("/api/cameras/ridge/token", { method: "POST" });
  const agent = track(await startAgent({ cameraId: "ridge", hub, token, clock }));
  await waitFor("a thumbnail in the bucket", async () => (await keysUnder(bucket, "ridge/thumbnails/")).length > 0, 30_000, 100);
  await agent.stop();
  const row = agentLog(agent.dataDir).find((r) => r.uploaded && r.record.image)!;
  const { record } = row;
  const bytes = new Uint8Array(await Bun.file(join(agent.dataDir, "images", record.image!.file)).arrayBuffer());
  const url = (offset?: number) => `/agent/v1/captures/${record.id}/image${offset === undefined ? "" : `?offset=${offset}`}`;
  const call = (path: string, init: RequestInit = {}) => fetch(hub.url + path, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" } });
  const put = (offset: number, end: number) => call(url(offset), { method: "PUT", body: bytes.subarray(offset, end) as unknown as BodyInit });

  const cut = Math.floor(bytes.length / 3);
  expect((await put(0, cut)).status).toBe(200);
  expect((await put(cut, 2 * cut)).status).toBe(200);
  expect((await keysUnder(bucket, imageKey("ridge", record.id, "partial"))).length).toBe(2);
  await hub.stop(true);
  hub = track(await startHub({ config: thumbnailsOnly, clock, env, dataDir: hub.dataDir, port }));
  expect(await (await call(url())).json()).toEqual({ bytes_received: 2 * cut, complete: false });
  expect((await put(cut, 2 * cut)).status).toBe(409);
  expect(await (await put(2 * cut, bytes.length)).json()).toEqual({ bytes_received: bytes.length, complete: true });
  expect(sha256(new Uint8Array(await bucket.file(imageKey("ridge", record.id, "full")).arrayBuffer()))).toBe(record.image!.sha256);
  expect(await keysUnder(bucket, "ridge/partial/")).toEqual([]);
}, 120_000);

test("S3 settings that cannot work stop the hub at start, naming what is wrong", async () => {
  const hubExit = async (env: Record<string, string>) => {
    const dir = tempDir("hub-s3-bad");
    const proc = Bun.spawn(["bun", join(import.meta.dir, "../../hub/main.ts")], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", SKYLAPSE_PORT: "0", SKYLAPSE_HOST: "127.0.0.1", SKYLAPSE_DATA_DIR: dir, SKYLAPSE_OPERATOR_TOKEN: "test-operator-token-0123456789", ...env },
      stdout: "pipe",
      stderr: "pipe",
    });
    const timer = setTimeout(() => proc.kill(9), 30_000);
    const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    clearTimeout(timer);
    return { code, stderr };
  };
  const all = hubS3Env(ceph);
  const partial = await hubExit({ SKYLAPSE_S3_ENDPOINT: all.SKYLAPSE_S3_ENDPOINT!, SKYLAPSE_S3_BUCKET: all.SKYLAPSE_S3_BUCKET! });
  expect(partial.code).toBe(2);
  expect(partial.stderr).toContain("missing SKYLAPSE_S3_REGION, SKYLAPSE_S3_ACCESS_KEY_ID, SKYLAPSE_S3_SECRET_ACCESS_KEY");
  const noBucket = await hubExit({ ...all, SKYLAPSE_S3_BUCKET: "no-such-bucket" });
  expect(noBucket.code).toBe(2);
  expect(noBucket.stderr).toContain(`cannot use bucket no-such-bucket at ${ceph.endpoint}: NoSuchBucket`);
  const badSecret = await hubExit({ ...all, SKYLAPSE_S3_SECRET_ACCESS_KEY: "wrong" });
  expect(badSecret.code).toBe(2);
  expect(badSecret.stderr).toContain(`cannot use bucket ${ceph.bucket}`);
  console.log(`bad S3 settings: ${[partial, noBucket, badSecret].map((r) => r.stderr.trim().split("\n").at(-1)).join(" | ")}`);
}, 90_000);
