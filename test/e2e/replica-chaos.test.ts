/**
 * Replica chaos (issue 13's proof): three hub replicas on one PostgreSQL database
 * and one S3 bucket behind HAProxy (health check on /ready, retries + redispatch),
 * 20 simulated agents uploading records and full images through the proxy, renders
 * queued through the API; every KILL_EVERY seconds one replica (round robin) is
 * kill -9'd and started again on its port. Afterwards, once the agents' outboxes
 * are empty: every record at the hub once, every full image in the bucket hashes to
 * what its record says, every render done once with a playable video, and
 * planned = captured + missed for every camera.
 *
 * SKYLAPSE_CHAOS_SECONDS (default 120), SKYLAPSE_CHAOS_AGENTS (default 20) and
 * SKYLAPSE_CHAOS_KILL_EVERY_SECONDS (default 10) size it.
 */
import { beforeAll, expect, test } from "bun:test";
import { S3Client, SQL } from "bun";
import { join } from "node:path";
import { agentLog, duplicates } from "../harness/agent-db";
import { type CephS3, hubS3Env, sharedCephS3 } from "../harness/ceph-s3";
import { startHaproxy } from "../harness/haproxy";
import { freePort } from "../harness/ports";
import { freshDatabase } from "../harness/postgres";
import { agentLogs, expectEachRecordOnce, imagesInBucket } from "../harness/records-at-hub";
import { realMsUntil, sharedClock, simNow, type StartedAgent, startAgent, startHub, type StartedHub, tempDir, waitFor } from "../harness/processes";
import { DENVER, expectedTicks } from "../harness/scenario";
import { stopAfterEach } from "../harness/tracked";
import { timelapseKey } from "../../hub/storage";

const CHAOS_SECONDS = Number(process.env.SKYLAPSE_CHAOS_SECONDS ?? 120);
const AGENTS = Number(process.env.SKYLAPSE_CHAOS_AGENTS ?? 20);
const KILL_EVERY_MS = Number(process.env.SKYLAPSE_CHAOS_KILL_EVERY_SECONDS ?? 10) * 1000;
const REPLICAS = 3;
/** Sim seconds per real second: the capture window spans the chaos. */
const SPEED = 10;
const TOKEN = "chaos-operator-token-0123456789";

const T0 = Date.parse("2026-11-24T14:00:00Z"); // 07:00 at Denver
const windowMinutes = Math.ceil((CHAOS_SECONDS * SPEED) / 60);
const WINDOW_END = T0 + windowMinutes * 60_000;
const hhmm = (ms: number) => new Date(ms - 7 * 3_600_000).toISOString().slice(11, 16);
const cameraIds = Array.from({ length: AGENTS }, (_, i) => `cam${String(i + 1).padStart(2, "0")}`);
const config: { cameras: Record<string, Record<string, unknown>> } & Record<string, unknown> = {
  location: DENVER,
  schedules: { morning: { start_time: hhmm(T0), end_time: hhmm(WINDOW_END), interval_seconds: 30 } },
  cameras: {
    ...Object.fromEntries(cameraIds.map((id) => [id, { deployed_profile: "f", schedules: ["morning"], image_sync: "all" }])),
    // Driven by the hub's live orchestration, whichever replicas are killed.
    live: { mode: "live", host: "127.0.0.1", port: 0, deployed_profile: "f", schedules: ["morning"] },
  },
  profiles: { f: { base: { metering: "matrix" } } },
  sync: { poll_interval_seconds: 30, plan_days: 1 },
};

let ceph: CephS3;
beforeAll(async () => {
  ceph = await sharedCephS3("chaos");
}, 90_000);
const track = stopAfterEach();

test(`replica chaos: ${REPLICAS} replicas on PostgreSQL+S3 behind HAProxy, ${AGENTS} agents, a replica kill -9'd every ${KILL_EVERY_MS / 1000} s for ${CHAOS_SECONDS} s`, async () => {
  const bucketName = `chaos-${crypto.randomUUID().slice(0, 8)}`;
  await ceph.createBucket(bucketName);
  const bucket = new S3Client({ ...ceph, bucket: bucketName });
  const databaseUrl = await freshDatabase();
  const env = {
    ...hubS3Env(ceph, bucketName),
    SKYLAPSE_DATABASE_URL: databaseUrl,
    SKYLAPSE_TIMELAPSE_DEFLICKER: "none",
    SKYLAPSE_RENDER_POLL_SECONDS: "1",
    // Every replica looks for closed sessions; each camera's session is rendered once.
    SKYLAPSE_AUTO_TIMELAPSE: "1",
    SKYLAPSE_TIMELAPSE_SETTLE_MINUTES: "1",
    SKYLAPSE_TIMELAPSE_SCAN_SECONDS: "2",
    SKYLAPSE_TRUST_PROXY: "1",
  };
  const clock = sharedClock(new Date(T0 - 30_000).toISOString(), SPEED, 4000);
  const liveAgent = track(await startAgent({ cameraId: "live", clock, seed: 99, env: { SKYLAPSE_CLOCK_TRUSTED: "true" } }));
  config.cameras.live!.port = Number(new URL(liveAgent.url).port);
  const ports = await Promise.all(Array.from({ length: REPLICAS }, () => freePort()));
  const dirs = ports.map(() => tempDir("chaos-hub"));
  const replica = (i: number) => startHub({ config, clock, env, port: ports[i], dataDir: dirs[i], operatorToken: TOKEN });
  // The first one migrates alone; the others start on a migrated database.
  const hubs: StartedHub[] = [track(await replica(0))];
  for (let i = 1; i < REPLICAS; i++) hubs.push(track(await replica(i)));
  const proxy = track(await startHaproxy({ backends: hubs.map((h) => h.url), check: "/ready", checkEveryMs: 1000, fall: 2 }));
  const allUp = () => proxy.waitUntilUp(hubs.map((_, i) => i), 30_000).catch((e) => {
    throw new Error(`${e.message}\n${hubs.map((h, i) => `replica ${i}: ${h.output.split("\n").filter((l) => l.includes("ready")).slice(-3).join(" | ")}`).join("\n")}`);
  });
  await allUp();
  const api = async <T = any>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(proxy.url + path, { ...init, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" } });
    if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<T>;
  };

  const tokens: string[] = [];
  const agent = (i: number, dataDir?: string) =>
    startAgent({ cameraId: cameraIds[i]!, clock, seed: i + 1, dataDir, env: { SKYLAPSE_HUB_URL: proxy.url, SKYLAPSE_AGENT_TOKEN: tokens[i]!, SKYLAPSE_IMAGE_CHUNK_KB: "32" } });
  const agents: StartedAgent[] = [];
  for (const [i, cameraId] of cameraIds.entries()) {
    tokens.push((await api(`/api/cameras/${cameraId}/token`, { method: "POST" })).token);
    agents.push(track(await agent(i)));
  }

  // Chaos: round robin, one replica kill -9'd and started again every KILL_EVERY_MS; renders queued meanwhile.
  const renders: string[] = [];
  const queueRender = async (cameraId: string) => {
    const to = Math.min(simNow(clock), WINDOW_END);
    const body = JSON.stringify({ camera_id: cameraId, from: new Date(T0).toISOString(), to: new Date(to).toISOString() });
    const { id } = await waitFor(`render of ${cameraId} queued`, () => api<{ id: string }>("/api/timelapses", { method: "POST", body }), 20_000, 250);
    renders.push(id);
  };
  // Two cameras go offline for longer than the outage threshold (5 sim minutes) mid-chaos: one outage each, whichever replicas see them go and return.
  const offline = CHAOS_SECONDS >= 60 ? [0, 1] : [];
  const OFFLINE_FROM_MS = 10_000;
  const OFFLINE_FOR_MS = (6 * 60_000) / SPEED;
  await Bun.sleep(realMsUntil(clock, T0));
  const chaosStart = Date.now();
  let kills = 0;
  const outage = (async () => {
    if (!offline.length) return;
    await Bun.sleep(OFFLINE_FROM_MS);
    await Promise.all(offline.map((i) => agents[i]!.stop()));
    await Bun.sleep(OFFLINE_FOR_MS);
    for (const i of offline) agents[i] = track(await agent(i, agents[i]!.dataDir));
  })();
  for (let k = 1; k * KILL_EVERY_MS <= CHAOS_SECONDS * 1000; k++) {
    await Bun.sleep(Math.max(0, chaosStart + k * KILL_EVERY_MS - KILL_EVERY_MS / 2 - Date.now()));
    if (k % 2 === 0) await queueRender(cameraIds[renders.length % cameraIds.length]!);
    await Bun.sleep(Math.max(0, chaosStart + k * KILL_EVERY_MS - Date.now()));
    const i = (k - 1) % REPLICAS;
    await hubs[i]!.stop(true);
    kills++;
    hubs[i] = track(await replica(i));
  }
  await outage;
  await Bun.sleep(Math.max(0, realMsUntil(clock, WINDOW_END + 30_000)));
  await allUp();

  // The agents drain their outboxes: every record and every picture sent.
  for (const agent of agents) void agent.json("/sync", { method: "POST" }).catch(() => {});
  await waitFor("every agent's outbox empty", async () => {
    const states = await Promise.all(agents.map((a) => a.json("/status")));
    return states.every((s) => s.backlog.count === 0 && s.image_sync.pending === 0 && s.image_sync.thumbnails_pending === 0);
  }, 120_000, 500);
  await Promise.all([...agents, liveAgent].map((a) => a.stop()));
  // Renders queued after the chaos too, over the whole window: those see every frame.
  for (const cameraId of cameraIds.slice(0, 2)) await queueRender(cameraId);

  // Every record once: the agents' logs against the hub's table.
  const pg = new SQL(databaseUrl, { max: 1 });
  const rows: { id: string; camera_id: string; tick_key: string }[] = await pg`SELECT id, camera_id, tick_key FROM captures WHERE camera_id <> 'live'`;
  const logs = agentLogs(agents);
  const records = expectEachRecordOnce(rows, logs);
  expect(records.length).toBeGreaterThanOrEqual(AGENTS * windowMinutes);

  // Every full image in the bucket, whole.
  const images = await imagesInBucket(bucket, logs);
  expect(images.bad).toEqual([]);
  // No upload left half-done anywhere.
  for (const cameraId of cameraIds) expect({ cameraId, partial: (await bucket.list({ prefix: `${cameraId}/partial/` })).contents ?? [] }).toEqual({ cameraId, partial: [] });

  // Every render done, once, with a playable video: the requested ones and one per camera's session.
  const autoJobs = await waitFor("a session render of every camera", async () => {
    const auto: { id: string; camera_ids: string[] }[] = await pg`SELECT id, camera_ids FROM timelapses WHERE origin = 'auto'`;
    return auto.length >= AGENTS ? auto : null;
  }, 120_000, 1000);
  expect(duplicates(autoJobs.map((j) => JSON.stringify(j.camera_ids)))).toEqual([]);
  const allJobs = [...renders, ...autoJobs.map((j) => j.id)];
  const jobs = await waitFor("every render finished", async () => {
    const all = await Promise.all(allJobs.map((id) => api(`/api/timelapses/${id}`)));
    return all.every((t) => ["done", "failed", "cancelled"].includes(t.status)) ? all : null;
  }, 240_000, 1000);
  const dbJobs: { id: string; attempt: number; status: string }[] = await pg`SELECT id, attempt, status FROM timelapses`;
  expect(dbJobs.filter((j) => allJobs.includes(j.id)).length).toBe(allJobs.length);
  const probeDir = tempDir("chaos-probe");
  for (const job of jobs) {
    expect(job).toMatchObject({ status: "done", error: null });
    expect(job.frames).toBeGreaterThan(0);
    expect(await bucket.file(timelapseKey(job.id, "video")).exists()).toBe(true);
    const video = new Uint8Array(await (await fetch(proxy.url + job.url, { headers: { authorization: `Bearer ${TOKEN}` } })).arrayBuffer());
    const file = join(probeDir, `${job.id}.mp4`);
    await Bun.write(file, video);
    const probe = Bun.spawnSync(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries", "stream=codec_name,nb_read_frames", "-of", "json", file]);
    expect(probe.exitCode).toBe(0);
    expect(JSON.parse(probe.stdout.toString()).streams[0]).toMatchObject({ codec_name: "h264", nb_read_frames: String(job.frames) });
  }
  const videos = (await bucket.list({ prefix: "timelapses/" })).contents?.filter((o) => o.key.endsWith(".mp4")) ?? [];
  expect(videos.length).toBe(allJobs.length);

  // planned = captured + missed, for every camera; what the agent captured is what the hub counts.
  for (const { cameraId, rows: log } of logs) {
    const q = new URLSearchParams({ from: new Date(T0).toISOString(), to: new Date(WINDOW_END).toISOString() });
    const report = await api(`/api/cameras/${cameraId}/report?${q}`);
    expect({ cameraId, ok: report.planned === report.captured + report.missed }).toEqual({ cameraId, ok: true });
    const outages = report.outages.length;
    expect({ cameraId, outages }).toEqual({ cameraId, outages: offline.includes(cameraIds.indexOf(cameraId)) ? 1 : 0 });
    // Whichever replica saw the backlog empty again closed it.
    expect(report.outages.filter((o: { caught_up_at: string | null }) => o.caught_up_at === null)).toEqual([]);
    const captured = log.filter((r) => r.record.outcome === "captured" && Date.parse(r.record.planned_at) < WINDOW_END).length;
    expect({ cameraId, captured: report.captured }).toEqual({ cameraId, captured });
  }
  // The live camera: one record per tick at the hub, and no more shots than ticks at the camera.
  const liveTicks = expectedTicks(config, "live", T0, WINDOW_END).length;
  const liveShots = agentLog(liveAgent.dataDir).filter((r) => r.record.outcome === "captured").length;
  const liveRows: { tick_key: string }[] = await pg`SELECT tick_key FROM captures WHERE camera_id = 'live'`;
  expect(duplicates(liveRows.map((r) => r.tick_key))).toEqual([]);
  expect(liveShots).toBeLessThanOrEqual(liveTicks);
  expect(liveShots).toBeGreaterThanOrEqual(liveTicks / 2);
  await pg.close();

  const takeovers = dbJobs.filter((j) => j.attempt > 1).length;
  console.log(
    `replica chaos: ${kills} kill -9s over ${CHAOS_SECONDS} s; ${records.length} records from ${AGENTS} agents, each once; ${images.checked} full images verified in the bucket; ${renders.length} requested + ${autoJobs.length} session renders done once (${takeovers} taken over after a kill), videos playable; the live camera shot ${liveShots} of ${liveTicks} ticks, one record each`,
  );
}, (CHAOS_SECONDS + 200) * 1000);
