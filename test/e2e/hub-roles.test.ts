/**
 * SKYLAPSE_ROLE on one SQLite data dir: an api-only hub serves agents and
 * operators and never renders (nor scans sessions); a worker-only hub beside it
 * on the same data dir renders what the api queued and answers nothing but
 * /health, /ready and /metrics; a second process of a duty is refused.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { realMsUntil, sharedClock, startAgent, startHub, type StartedHub, waitFor } from "../harness/processes";
import { DENVER } from "../harness/scenario";
import { stopAfterEach } from "../harness/tracked";

/** One morning window 07:00–07:03 local (14:00–14:03Z), a capture every 10 s. */
const config = {
  location: DENVER,
  schedules: { morning: { start_time: "07:00", end_time: "07:03", interval_seconds: 10 } },
  cameras: { ridge: { deployed_profile: "f", schedules: ["morning"] } },
  profiles: { f: { base: { metering: "matrix" } } },
  sync: { poll_interval_seconds: 20, plan_days: 1 },
};
const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00Z`);
const onDemand = { camera_id: "ridge", from: "2026-11-24T14:00:00.000Z", to: "2026-11-24T14:03:00.000Z", source: "thumbnails", fps: 12 };
const auto = { SKYLAPSE_AUTO_TIMELAPSE: "1", SKYLAPSE_TIMELAPSE_SCAN_SECONDS: "0.3", SKYLAPSE_TIMELAPSE_SETTLE_MINUTES: "1" };

const track = stopAfterEach();

function spawnHub(dataDir: string, role: string) {
  return Bun.spawn(["bun", join(import.meta.dir, "..", "..", "hub/main.ts")], {
    cwd: join(import.meta.dir, "..", ".."),
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", SKYLAPSE_DATA_DIR: dataDir, SKYLAPSE_PORT: "0", SKYLAPSE_HOST: "127.0.0.1", SKYLAPSE_ROLE: role, SKYLAPSE_AUTO_TIMELAPSE: "0" },
    stdout: "pipe",
    stderr: "pipe",
  });
}

async function refused(dataDir: string, role: string): Promise<string> {
  const p = spawnHub(dataDir, role);
  const exited = await Promise.race([p.exited, Bun.sleep(20_000).then(() => null)]);
  if (exited === null) p.kill(9);
  expect(exited).toBe(2);
  return new Response(p.stderr).text();
}

const timelapses = async (hub: StartedHub) => (await hub.json("/api/timelapses")).timelapses as { id: string; status: string; origin: string; error: string | null }[];

describe("roles on one SQLite data dir", () => {
  test("an api-only hub never renders or scans; a worker-only hub beside it renders both the queued job and the session; each duty once", async () => {
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 20, 2500);
    const api = track(await startHub({ config, clock, env: { SKYLAPSE_ROLE: "api", ...auto } }));
    expect(api.output).toContain("role api");
    const agent = track(await startAgent({ cameraId: "ridge", hub: api, clock }));
    await Bun.sleep(realMsUntil(clock, T("14:03") + 30_000));
    await waitFor("the session's thumbnails at the hub", async () => {
      const { cameras } = await api.json("/api/fleet");
      return cameras[0].backlog === 0 && cameras[0].images?.pending === 0;
    }, 30_000);

    const { id } = await api.json("/api/timelapses", { method: "POST", body: JSON.stringify(onDemand) });
    // The session closed and is complete, the job is queued: an api-only hub does neither.
    await Bun.sleep(3000);
    expect((await timelapses(api)).map((t) => [t.id, t.status])).toEqual([[id, "queued"]]);
    const metrics = await (await api.api("/metrics")).text();
    expect(metrics).toContain('skylapse_renders{state="queued"} 1');
    expect(metrics).toContain('skylapse_hub_info{role="api"} 1');

    // One api and one worker per data dir: a second of either is refused; a third role "all" would be both.
    expect(await refused(api.dataDir, "api")).toContain("doing its API");
    expect(await refused(api.dataDir, "all")).toContain("doing its API");

    const worker = track(await startHub({ config, clock, dataDir: api.dataDir, env: { SKYLAPSE_ROLE: "worker", SKYLAPSE_RENDER_POLL_SECONDS: "0.5", ...auto } }));
    expect(worker.output).toContain("worker listening on http://");
    expect(await refused(api.dataDir, "worker")).toContain("doing its background work");
    // The worker answers the operations endpoints alone.
    expect((await fetch(`${worker.url}/health`)).status).toBe(200);
    expect((await fetch(`${worker.url}/ready`)).status).toBe(200);
    expect((await worker.api("/api/fleet")).status).toBe(404);
    expect((await worker.api("/api/timelapses", { method: "POST", body: JSON.stringify(onDemand) })).status).toBe(404);
    expect(await (await worker.api("/metrics")).text()).toContain('skylapse_hub_info{role="worker"} 1');

    const done = await waitFor("both renders done by the worker", async () => {
      const all = await timelapses(api);
      return all.length === 2 && all.every((t) => t.status === "done" || t.status === "failed") ? all : null;
    }, 90_000, 200);
    expect(done.map((t) => [t.origin, t.status, t.error]).sort()).toEqual([["auto", "done", null], ["request", "done", null]]);
    const video = await api.api(`/api/timelapses/${id}/video`);
    expect(video.status).toBe(200);
    expect((await video.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    expect(worker.output).not.toContain("internal error");
    await agent.stop();
  }, 180_000);
});
