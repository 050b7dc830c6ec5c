import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { agentLog } from "../harness/agent-db";
import { realMsUntil, sharedClock, startAgent, startHub, tempDir, type StartedHub, waitFor } from "../harness/processes";
import { DENVER } from "../harness/scenario";
import { stopAfterEach } from "../harness/tracked";

/** One morning window 07:00–07:06 local (14:00–14:06Z), a capture every 10 s: 36 ticks. */
const config = {
  location: DENVER,
  schedules: { morning: { start_time: "07:00", end_time: "07:06", interval_seconds: 10 } },
  cameras: {
    ridge: { deployed_profile: "f", schedules: ["morning"] },
    valley: { deployed_profile: "f", schedules: ["morning"] },
  },
  profiles: { f: { base: { metering: "matrix" } } },
  sync: { poll_interval_seconds: 20, plan_days: 1 },
};
const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00Z`);
const WINDOW = { from: "2026-11-24T14:00:00.000Z", to: "2026-11-24T14:06:00.000Z" };
const FIXTURES = join(import.meta.dir, "..", "fixtures");

const track = stopAfterEach();

const autoEnv = { SKYLAPSE_AUTO_TIMELAPSE: "1", SKYLAPSE_TIMELAPSE_SCAN_SECONDS: "0.3", SKYLAPSE_TIMELAPSE_SETTLE_MINUTES: "30" };

interface Probe {
  codec_name: string;
  pix_fmt: string;
  width: number;
  height: number;
  nb_read_frames: string;
  r_frame_rate: string;
}
async function ffprobe(bytes: Uint8Array): Promise<Probe> {
  const file = join(tempDir("probe"), "v.mp4");
  await Bun.write(file, bytes);
  const p = Bun.spawnSync(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries", "stream=codec_name,pix_fmt,width,height,nb_read_frames,r_frame_rate", "-of", "json", file]);
  expect(p.exitCode).toBe(0);
  return JSON.parse(p.stdout.toString()).streams[0];
}

/** +faststart: the moov box comes before mdat, so a player starts before the whole file arrived. */
function moovFirst(bytes: Uint8Array): boolean {
  const text = new TextDecoder("latin1").decode(bytes.subarray(0, Math.min(bytes.length, 1 << 20)));
  const moov = text.indexOf("moov");
  const mdat = text.indexOf("mdat");
  return moov >= 0 && (mdat < 0 || moov < mdat);
}

const finished = (hub: StartedHub, id: string, timeoutMs = 60_000) =>
  waitFor(`timelapse ${id} to finish`, async () => {
    const t = await hub.json(`/api/timelapses/${id}`);
    return ["done", "failed", "cancelled"].includes(t.status) ? t : null;
  }, timeoutMs, 100);

const video = async (hub: StartedHub, t: { url: string }) => new Uint8Array(await (await hub.api(t.url)).arrayBuffer());

describe("timelapses", () => {
  test("a session renders itself when its window closes: H.264 yuv420p, +faststart, one frame per capture; missing ticks counted; on demand, deflicker, grid, ranges", async () => {
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 20, 2500);
    const hub = track(await startHub({ config, clock, env: autoEnv }));
    const ridge = track(await startAgent({ cameraId: "ridge", hub, clock, seed: 1 }));
    const valley = track(await startAgent({ cameraId: "valley", hub, clock, seed: 2 }));
    // Ridge is down for a minute in the middle of the session: those ticks are missing from its video, not a failure.
    await Bun.sleep(realMsUntil(clock, T("14:02")));
    await ridge.stop(true);
    await Bun.sleep(realMsUntil(clock, T("14:03")));
    const ridgeAgain = track(await startAgent({ cameraId: "ridge", hub, clock, seed: 1, dataDir: ridge.dataDir }));

    const auto = await waitFor("both sessions rendered", async () => {
      const { timelapses } = await hub.json("/api/timelapses");
      return timelapses.length >= 2 && timelapses.every((t: { status: string }) => t.status === "done" || t.status === "failed") ? timelapses : null;
    }, 90_000, 200);
    expect(auto.map((t: { status: string; error: string | null }) => [t.status, t.error])).toEqual([["done", null], ["done", null]]);
    await ridgeAgain.stop();
    await valley.stop();

    const ridgeAuto = auto.find((t: { camera_ids: string[] }) => t.camera_ids[0] === "ridge");
    expect(ridgeAuto).toMatchObject({ origin: "auto", schedule: "morning", ...WINDOW, fps: 24, crf: 20, deflicker: "rolling", source: "full", progress: 1, error: null });
    const log = agentLog(ridgeAgain.dataDir).map((r) => r.record).filter((r) => r.schedule === "morning");
    const captured = log.filter((r) => r.outcome === "captured");
    expect(log.length).toBe(36);
    expect(captured.length).toBeLessThan(36);
    expect(ridgeAuto.frames).toBe(captured.length);
    expect(ridgeAuto.missing).toBe(36 - captured.length);
    const bytes = await video(hub, ridgeAuto);
    expect(bytes.length).toBe(ridgeAuto.bytes);
    expect(moovFirst(bytes)).toBe(true);
    const probe = await ffprobe(bytes);
    expect(probe).toMatchObject({ codec_name: "h264", pix_fmt: "yuv420p", width: 640, height: 360, r_frame_rate: "24/1" });
    expect(Number(probe.nb_read_frames)).toBe(captured.length);
    console.log(`session render: ${captured.length} frames of 36 ticks (${ridgeAuto.missing} missing while the agent was down), ${bytes.length} bytes`);

    // The video streams with ranges; the poster is a JPEG; both need the operator token.
    const part = await hub.api(ridgeAuto.url, { headers: { range: "bytes=0-1023" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 0-1023/${bytes.length}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(0, 1024));
    expect((await hub.api(ridgeAuto.url, { headers: { range: `bytes=${bytes.length}-` } })).status).toBe(416);
    const poster = new Uint8Array(await (await hub.api(ridgeAuto.poster_url)).arrayBuffer());
    expect([poster[0], poster[1]]).toEqual([0xff, 0xd8]);
    expect((await fetch(hub.url + ridgeAuto.url)).status).toBe(401);

    // On demand, the same spec again: the same job, rendered again in place.
    const spec = { camera_id: "ridge", ...WINDOW, schedule: "morning", fps: 24, crf: 20, deflicker: "rolling" };
    const again = await hub.api("/api/timelapses", { method: "POST", body: JSON.stringify(spec) });
    expect(again.status).toBe(202);
    expect((await again.json()).id).toBe(ridgeAuto.id);
    const rerendered = await finished(hub, ridgeAuto.id);
    expect(rerendered).toMatchObject({ status: "done", frames: captured.length });
    expect(Date.parse(rerendered.finished_at)).toBeGreaterThan(Date.parse(ridgeAuto.finished_at));

    // Each deflicker, another frame rate, thumbnails; and a grid of both cameras on their shared ticks.
    const valleyCaptured = agentLog(valley.dataDir).filter((r) => r.record.outcome === "captured").map((r) => Date.parse(r.record.planned_at));
    const union = new Set([...captured.map((r) => Date.parse(r.planned_at)), ...valleyCaptured]).size;
    const requests = [
      { camera_id: "ridge", ...WINDOW, deflicker: "ffmpeg", fps: 30 },
      { camera_id: "ridge", ...WINDOW, deflicker: "none", source: "thumbnails" },
      { camera_ids: ["ridge", "valley"], ...WINDOW, deflicker: "rolling" },
    ];
    const ids = [];
    for (const body of requests) {
      const res = await hub.api("/api/timelapses", { method: "POST", body: JSON.stringify(body) });
      expect(res.status).toBe(202);
      ids.push((await res.json()).id);
    }
    const [ff, thumbs, grid] = await Promise.all(ids.map((id) => finished(hub, id)));
    expect(ff).toMatchObject({ status: "done", frames: captured.length, deflicker: "ffmpeg", fps: 30 });
    expect(await ffprobe(await video(hub, ff))).toMatchObject({ r_frame_rate: "30/1", nb_read_frames: String(captured.length) });
    expect(thumbs).toMatchObject({ status: "done", frames: captured.length, width: 160, height: 90 });
    expect(grid).toMatchObject({ status: "done", frames: union, width: 1280, height: 360, camera_ids: ["ridge", "valley"] });
    expect(grid.missing).toBe(36 - captured.length + (36 - valleyCaptured.length));
    expect(Number((await ffprobe(await video(hub, grid))).nb_read_frames)).toBe(union);

    const list = await hub.json("/api/timelapses?camera_id=valley");
    expect(list.timelapses.map((t: { id: string }) => t.id).sort()).toEqual([grid.id, auto.find((t: { camera_ids: string[] }) => t.camera_ids[0] === "valley").id].sort());
  }, 180_000);

  test("renders are jobs: a failed render says why, a cancel stops ffmpeg, a hub killed mid-render finishes it after restart, delete removes it; bad requests change nothing", async () => {
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 60, 2500);
    let hub = track(await startHub({ config, clock }));
    const port = Number(new URL(hub.url).port);
    const agent = track(await startAgent({ cameraId: "ridge", hub, clock }));
    await Bun.sleep(realMsUntil(clock, T("14:06") + 10_000));
    await waitFor("the session's images at the hub", async () => {
      const captured = agentLog(agent.dataDir).filter((r) => r.record.outcome === "captured");
      for (const r of captured) if ((await hub.api(`/api/cameras/ridge/captures/${r.record.id}/image`, { method: "HEAD" })).status !== 200) return false;
      return captured.length > 0;
    }, 60_000, 250);

    // Nothing to render: failed, with the reason.
    const empty = await hub.json("/api/timelapses", { method: "POST", body: JSON.stringify({ camera_id: "ridge", from: "2026-11-23T14:00:00Z", to: "2026-11-23T15:00:00Z" }) });
    expect(await finished(hub, empty.id)).toMatchObject({ status: "failed", frames: 0, url: null });
    expect((await hub.json(`/api/timelapses/${empty.id}`)).error).toMatch(/no pictures/);

    // Bad requests: refused, nothing queued.
    const before = (await hub.json("/api/timelapses")).timelapses.length;
    const bad: [unknown, number][] = [
      [{ camera_id: "nope", ...WINDOW }, 422],
      [{ camera_id: "ridge", camera_ids: ["ridge", "valley"], ...WINDOW }, 422],
      [{ camera_id: "ridge", from: WINDOW.to, to: WINDOW.from }, 422],
      [{ camera_id: "ridge", ...WINDOW, fps: 0 }, 422],
      [{ camera_id: "ridge", ...WINDOW, crf: 70 }, 422],
      [{ camera_id: "ridge", ...WINDOW, deflicker: "magic" }, 422],
      [{ camera_id: "ridge", ...WINDOW, profile_id: "nope" }, 422],
      [{ camera_ids: ["ridge", "ridge"], ...WINDOW }, 422],
      [{ camera_id: "ridge", from: "2026-01-01T00:00:00Z", to: "2026-11-24T00:00:00Z" }, 422],
      [{ camera_id: "ridge", ...WINDOW, extra: 1 }, 422],
      ["not json{", 400],
    ];
    for (const [body, status] of bad) {
      const res = await hub.api("/api/timelapses", { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });
      expect({ body, status: res.status }).toEqual({ body, status });
    }
    expect((await hub.api("/api/timelapses/../../hub.sqlite")).status).toBe(404);
    expect((await hub.api("/api/timelapses/tl_nothere")).status).toBe(404);
    expect((await hub.api("/api/timelapses/not-an-id")).status).toBe(422);
    expect((await fetch(`${hub.url}/api/timelapses`)).status).toBe(401);
    expect((await hub.json("/api/timelapses")).timelapses.length).toBe(before);

    // A slow ffmpeg keeps renders running: cancel one; kill the hub under another.
    await hub.stop();
    hub = track(await startHub({ config, clock, dataDir: hub.dataDir, port, env: { SKYLAPSE_FFMPEG: join(FIXTURES, "slow-ffmpeg"), SKYLAPSE_RENDER_CONCURRENCY: "2" } }));
    const post = async (body: object) => (await hub.json("/api/timelapses", { method: "POST", body: JSON.stringify({ camera_id: "ridge", ...WINDOW, ...body }) })).id as string;
    const toCancel = await post({ crf: 30 });
    const toSurvive = await post({ crf: 31 });
    await waitFor("both renders running", async () => (await hub.json("/api/timelapses?status=running")).timelapses.length === 2, 10_000, 50);
    const cancelled = await hub.json(`/api/timelapses/${toCancel}/cancel`, { method: "POST" });
    expect(cancelled).toMatchObject({ status: "cancelled", url: null });
    expect((await hub.api(`/api/timelapses/${toCancel}/cancel`, { method: "POST" })).status).toBe(409);
    expect((await hub.api(`/api/timelapses/${toCancel}/video`)).status).toBe(409);

    await hub.stop(true);
    hub = track(await startHub({ config, clock, dataDir: hub.dataDir, port }));
    const survived = await finished(hub, toSurvive);
    expect(survived).toMatchObject({ status: "done", crf: 31, frames: agentLog(agent.dataDir).filter((r) => r.record.outcome === "captured").length });
    expect((await hub.json(`/api/timelapses/${toCancel}`)).status).toBe("cancelled");

    // Delete: the job and its video are gone.
    expect((await hub.api(`/api/timelapses/${toSurvive}`, { method: "DELETE" })).status).toBe(204);
    expect((await hub.api(`/api/timelapses/${toSurvive}`)).status).toBe(404);
    expect((await hub.api(`/api/timelapses/${toSurvive}/video`)).status).toBe(404);
    const audit = await hub.json("/api/audit?limit=50");
    expect(audit.entries.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(["timelapse.request", "timelapse.cancel", "timelapse.delete"]));
  }, 180_000);
});
