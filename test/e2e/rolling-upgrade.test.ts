/**
 * The README's rolling upgrade, for real: two hub replicas of the previous release
 * (release PREVIOUS, unpacked from its source archive in test/fixtures/releases) on one PostgreSQL database and
 * one S3 bucket behind HAProxy checking /ready, agents of that release syncing
 * records, thumbnails and full images through the proxy, an operator client
 * hitting the API without pause. Each replica in turn drains (SIGTERM), stops,
 * and a replica of this tree starts on its port: the first new one migrates the
 * database while the other old one goes on serving, and the two versions serve
 * side by side for a while. Afterwards: no operator request failed, no agent
 * exchange failed, the old replica stayed ready on the new schema, every record
 * at the hub once, every full image whole in the bucket and its thumbnail there,
 * planned = captured + missed for every camera.
 */
import { beforeAll, expect, test } from "bun:test";
import { S3Client, SQL } from "bun";
import { join } from "node:path";
import { type CephS3, hubS3Env, sharedCephS3 } from "../harness/ceph-s3";
import { startHaproxy } from "../harness/haproxy";
import { freePort } from "../harness/ports";
import { freshDatabase } from "../harness/postgres";
import { previousRelease } from "../harness/previous-release";
import { agentLogs, expectEachRecordOnce, imagesInBucket } from "../harness/records-at-hub";
import { realMsUntil, sharedClock, type StartedAgent, startAgent, startHub, type StartedHub, tempDir, waitFor } from "../harness/processes";
import { DENVER } from "../harness/scenario";
import { stopAfterEach } from "../harness/tracked";
import { HUB_VERSION, VERSION_HEADER } from "../../hub/version";

/** The previous minor release (commit f0d8941): the "old" hub and agents. */
const PREVIOUS = "0.1.0";
const AGENTS = 6;
/** Sim seconds per real second: a tick every 3 s, the window spans both replacements. */
const SPEED = 10;
const TOKEN = "upgrade-operator-token-0123456789";
/** Real time each version pair serves side by side before the next replacement. */
const OVERLAP_MS = 8_000;

const T0 = Date.parse("2026-11-24T14:00:00Z"); // 07:00 at Denver
const WINDOW_MINUTES = 7;
const WINDOW_END = T0 + WINDOW_MINUTES * 60_000;
const hhmm = (ms: number) => new Date(ms - 7 * 3_600_000).toISOString().slice(11, 16);
const cameraIds = Array.from({ length: AGENTS }, (_, i) => `cam${i + 1}`);
const config = {
  location: DENVER,
  schedules: { morning: { start_time: hhmm(T0), end_time: hhmm(WINDOW_END), interval_seconds: 30 } },
  cameras: Object.fromEntries(cameraIds.map((id) => [id, { deployed_profile: "f", schedules: ["morning"], image_sync: "all" }])),
  profiles: { f: { base: { metering: "matrix" } } },
  sync: { poll_interval_seconds: 30, plan_days: 1 },
};

let ceph: CephS3;
let oldTree: string;
beforeAll(async () => {
  oldTree = previousRelease(PREVIOUS);
  ceph = await sharedCephS3("upgrade");
}, 90_000);
const track = stopAfterEach();

test(`rolling upgrade on PostgreSQL+S3 behind HAProxy: two replicas of ${PREVIOUS} replaced one at a time by this tree (${HUB_VERSION}), ${AGENTS} agents syncing`, async () => {
  const bucketName = `upgrade-${crypto.randomUUID().slice(0, 8)}`;
  await ceph.createBucket(bucketName);
  const bucket = new S3Client({ ...ceph, bucket: bucketName });
  const databaseUrl = await freshDatabase();
  const pg = new SQL(databaseUrl, { max: 1 });
  const env = { ...hubS3Env(ceph, bucketName), SKYLAPSE_DATABASE_URL: databaseUrl, SKYLAPSE_SHUTDOWN_DRAIN_SECONDS: "3", SKYLAPSE_TRUST_PROXY: "1" };
  const clock = sharedClock(new Date(T0 - 30_000).toISOString(), SPEED, 4000);
  const ports = [await freePort(), await freePort()];
  const dirs = ports.map(() => tempDir("upgrade-hub"));
  const replica = (i: number, root?: string) => startHub({ config, clock, env, port: ports[i], dataDir: dirs[i], operatorToken: TOKEN, root });
  const hubs: StartedHub[] = [track(await replica(0, oldTree))];
  hubs.push(track(await replica(1, oldTree)));
  const migrationsApplied = async () => Number((await pg`SELECT count(*) AS n FROM drizzle.__drizzle_migrations`)[0].n);
  const oldMigrations = await migrationsApplied();
  const proxy = track(await startHaproxy({ backends: hubs.map((h) => h.url), check: "/ready", checkEveryMs: 1000, fall: 2 }));
  await proxy.waitUntilUp([0, 1], 30_000);
  const api = async <T = any>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(proxy.url + path, { ...init, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" } });
    if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<T>;
  };

  // The fleet runs the previous release too: a new hub must serve the agents already out there.
  const agents: StartedAgent[] = [];
  for (const [i, cameraId] of cameraIds.entries()) {
    const { token } = await api(`/api/cameras/${cameraId}/token`, { method: "POST" });
    const command = ["bun", join(oldTree, "edge/main.ts")];
    agents.push(track(await startAgent({ cameraId, clock, seed: i + 1, command, env: { SKYLAPSE_HUB_URL: proxy.url, SKYLAPSE_AGENT_TOKEN: token, SKYLAPSE_IMAGE_CHUNK_KB: "32" } })));
  }

  // Watchers for the whole upgrade: an operator client through the proxy (which version answered), every agent's sync state.
  let running = true;
  const operator = { ok: 0, failed: [] as string[], byVersion: new Map<string, number>() };
  const operatorClient = async () => {
    while (running) {
      try {
        const res = await fetch(`${proxy.url}/api/cameras`, { headers: { authorization: `Bearer ${TOKEN}` } });
        const body = await res.text();
        if (res.status !== 200 || !body.includes("cam1")) operator.failed.push(`${res.status} ${body.slice(0, 80)}`);
        else operator.ok++;
        const version = res.headers.get(VERSION_HEADER) ?? PREVIOUS;
        operator.byVersion.set(version, (operator.byVersion.get(version) ?? 0) + 1);
      } catch (e) {
        operator.failed.push((e as Error).message);
      }
      await Bun.sleep(20);
    }
  };
  const agentErrors: string[] = [];
  const agentWatch = async () => {
    while (running) {
      const states = await Promise.all(agents.map((a) => a.json("/status").catch(() => null)));
      for (const [i, s] of states.entries()) {
        if (s?.hub?.last_error) agentErrors.push(`${cameraIds[i]} sync: ${s.hub.last_error}`);
        if (s?.image_sync?.last_error) agentErrors.push(`${cameraIds[i]} images: ${s.image_sync.last_error}`);
      }
      await Bun.sleep(300);
    }
  };
  const watchers = [operatorClient(), operatorClient(), agentWatch()];

  await Bun.sleep(realMsUntil(clock, T0) + 4_000);
  const oldReady: { status: number; newSchema: boolean }[] = [];
  for (const i of [0, 1]) {
    const old = hubs[i]!;
    await old.stop();
    expect(old.output).toContain("hub: draining for 3 s before stopping");
    hubs[i] = track(await replica(i));
    await proxy.waitUntilUp([0, 1], 30_000);
    if (i === 0) {
      // The new replica migrated while the other old one served; that one stays ready on the new schema.
      const until = Date.now() + OVERLAP_MS;
      while (Date.now() < until) {
        const newSchema = (await migrationsApplied()) > oldMigrations;
        oldReady.push({ status: (await fetch(`${hubs[1]!.url}/ready`)).status, newSchema });
        await Bun.sleep(250);
      }
    } else await Bun.sleep(OVERLAP_MS);
  }
  expect((await (await fetch(`${proxy.url}/version`)).json()).version).toBe(HUB_VERSION);

  // The agents drain their outboxes once the window is over: every record and every picture sent.
  await Bun.sleep(realMsUntil(clock, WINDOW_END + 30_000));
  for (const agent of agents) void agent.json("/sync", { method: "POST" }).catch(() => {});
  await waitFor("every agent's outbox empty", async () => {
    const states = await Promise.all(agents.map((a) => a.json("/status")));
    return states.every((s) => s.backlog.count === 0 && s.image_sync.pending === 0 && s.image_sync.thumbnails_pending === 0);
  }, 60_000, 500);
  running = false;
  await Promise.all(watchers);
  await Promise.all(agents.map((a) => a.stop()));

  expect(operator.failed).toEqual([]);
  expect(agentErrors).toEqual([]);
  expect(oldReady.length).toBeGreaterThan(10);
  expect(oldReady.every((r) => r.newSchema && r.status === 200)).toBe(true);
  expect((await pg`SELECT version FROM hub_versions`).map((r: { version: string }) => r.version)).toEqual([HUB_VERSION]);
  // Both versions answered through the proxy.
  expect(operator.byVersion.get(PREVIOUS)).toBeGreaterThan(0);
  expect(operator.byVersion.get(HUB_VERSION)).toBeGreaterThan(0);

  // Every record once: the agents' logs against the hub's table.
  const rows: { id: string; camera_id: string; tick_key: string }[] = await pg`SELECT id, camera_id, tick_key FROM captures`;
  const logs = agentLogs(agents);
  const records = expectEachRecordOnce(rows, logs);
  // Two ticks a minute; an agent's first tick may fall before it has settled its clock.
  expect(records.length).toBeGreaterThanOrEqual(AGENTS * WINDOW_MINUTES);

  // Every full image whole in the bucket, its thumbnail beside it.
  const images = await imagesInBucket(bucket, logs, { thumbnails: true });
  expect(images.bad).toEqual([]);
  expect(images.checked).toBeGreaterThan(0);

  // planned = captured + missed for every camera; what the agent captured is what the hub counts.
  for (const { cameraId, rows: log } of logs) {
    const q = new URLSearchParams({ from: new Date(T0).toISOString(), to: new Date(WINDOW_END).toISOString() });
    const report = await api(`/api/cameras/${cameraId}/report?${q}`);
    expect({ cameraId, ok: report.planned === report.captured + report.missed }).toEqual({ cameraId, ok: true });
    const captured = log.filter((r) => r.record.outcome === "captured" && Date.parse(r.record.planned_at) < WINDOW_END).length;
    expect({ cameraId, captured: report.captured }).toEqual({ cameraId, captured });
  }
  await pg.close();
  console.log(
    `rolling upgrade ${PREVIOUS} → ${HUB_VERSION}: ${operator.ok} operator requests (${[...operator.byVersion].map(([v, n]) => `${n} by ${v}`).join(", ")}), none failed; ${records.length} records from ${AGENTS} agents, each once; ${images.checked} full images and thumbnails verified; the old replica answered /ready 200 ${oldReady.length} times on the new schema`,
  );
}, 150_000);
