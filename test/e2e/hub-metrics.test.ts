/**
 * GET /metrics on a real hub after a real agent's polls and uploads: the
 * Prometheus text parses, each family has its type, and the figures match what
 * the hub holds (records, picture bytes on disk, polls and their 304s, backlog,
 * attention); without the operator or metrics token it is a 401.
 */
import { describe, expect, test } from "bun:test";
import { hubImageKeys } from "../harness/hub-storage";
import { realMsUntil, sharedClock, type StartedHub, startAgent, startHub, waitFor } from "../harness/processes";
import { parseExposition, type ParsedFamily, sampleValue } from "../harness/prometheus";
import { DENVER, hubCaptures } from "../harness/scenario";
import { stopAfterEach } from "../harness/tracked";
import { HUB_VERSION } from "../../hub/version";


const config = {
  location: DENVER,
  schedules: { morning: { start_time: "07:00", end_time: "07:03", interval_seconds: 10 } },
  cameras: { ridge: { deployed_profile: "f", schedules: ["morning"] }, spare: { deployed_profile: "f", schedules: [] } },
  profiles: { f: { base: { metering: "matrix" } } },
  sync: { poll_interval_seconds: 10, plan_days: 1 },
};
const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00Z`);
const METRICS_TOKEN = "metrics-scraper-token-0123456789";

const track = stopAfterEach();

/** Bytes in one of the camera's picture folders at the hub. */
async function bytesIn(hub: StartedHub, cameraId: string, ...folders: string[]): Promise<number> {
  let total = 0;
  for (const folder of folders) for (const o of await hubImageKeys(hub, `${cameraId}/${folder}/`)) total += o.size;
  return total;
}

const sum = (family: ParsedFamily | undefined, filter: (labels: Record<string, string>) => boolean, name?: string) =>
  (family?.samples ?? []).filter((s) => (!name || s.name === name) && filter(s.labels)).reduce((n, s) => n + s.value, 0);

describe("GET /metrics", () => {
  test("after real polls and uploads: types, labels and values match the hub's own data; 401 without a token", async () => {
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 20, 2500);
    const hub = track(await startHub({ config, clock, env: { SKYLAPSE_METRICS_TOKEN: METRICS_TOKEN } }));
    const agent = track(await startAgent({ cameraId: "ridge", hub, clock }));
    await Bun.sleep(realMsUntil(clock, T("14:03") + 20_000));
    await waitFor("the session's records and pictures at the hub", async () => {
      const { cameras } = await hub.json("/api/fleet");
      const ridge = cameras.find((c: { id: string }) => c.id === "ridge");
      return ridge.backlog === 0 && ridge.images?.pending === 0;
    }, 30_000);

    expect((await fetch(`${hub.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${hub.url}/metrics`, { headers: { authorization: "Bearer not-the-token-at-all-000" } })).status).toBe(401);
    const { token: agentToken } = await hub.json("/api/cameras/spare/token", { method: "POST" });
    expect((await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${agentToken}` } })).status).toBe(401);
    expect((await hub.api("/metrics")).status).toBe(200);
    const res = await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const m = parseExposition(await res.text());

    const types = Object.fromEntries([...m].map(([name, f]) => [name, f.type]));
    expect(types).toMatchObject({
      skylapse_agent_polls_total: "counter",
      skylapse_records_ingested_total: "counter",
      skylapse_image_bytes_received_total: "counter",
      skylapse_http_requests_total: "counter",
      skylapse_http_request_duration_seconds: "histogram",
      skylapse_camera_backlog_records: "gauge",
      skylapse_renders: "gauge",
      skylapse_cameras: "gauge",
      skylapse_cameras_attention: "gauge",
      skylapse_hub_info: "gauge",
      skylapse_hub_build_info: "gauge",
    });
    expect(sampleValue(m, "skylapse_hub_build_info", { version: HUB_VERSION })).toBe(1);

    // Records: every one the hub holds was accepted once, through this process.
    const held = await hubCaptures(hub, "ridge", 0, 4e12);
    expect(held.length).toBeGreaterThan(10);
    expect(sampleValue(m, "skylapse_records_ingested_total", { outcome: "accepted" })).toBe(held.length);
    // Picture bytes: what lies in the store, thumbnails and full images apart.
    expect(sampleValue(m, "skylapse_image_bytes_received_total", { kind: "thumbnail" })).toBe(await bytesIn(hub, "ridge", "thumbnails"));
    expect(sampleValue(m, "skylapse_image_bytes_received_total", { kind: "full" })).toBe(await bytesIn(hub, "ridge", "full", "partial"));
    expect(sampleValue(m, "skylapse_image_bytes_received_total", { kind: "full" })).toBeGreaterThan(0);

    // Polls: the same count as the poll route's answers; most are 304s once the agent holds the state.
    const changed = sampleValue(m, "skylapse_agent_polls_total", { answer: "changed" })!;
    const notModified = sampleValue(m, "skylapse_agent_polls_total", { answer: "not_modified" })!;
    expect(changed).toBeGreaterThanOrEqual(1);
    expect(notModified).toBeGreaterThanOrEqual(3);
    const requests = m.get("skylapse_http_requests_total");
    expect(sum(requests, (l) => l.route === "/agent/v1/state" && l.code === "200")).toBe(changed);
    expect(sum(requests, (l) => l.route === "/agent/v1/state" && l.code === "304")).toBe(notModified);
    console.log(`polls: ${changed + notModified}, ${((100 * notModified) / (changed + notModified)).toFixed(0)} % answered 304`);

    // The latency histogram of the poll route: cumulative buckets, +Inf = count = the route's requests.
    const latency = m.get("skylapse_http_request_duration_seconds")!;
    const buckets = latency.samples.filter((s) => s.name.endsWith("_bucket") && s.labels.route === "/agent/v1/state" && s.labels.method === "POST");
    expect(buckets.length).toBeGreaterThan(5);
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    expect(buckets.at(-1)!.labels.le).toBe("+Inf");
    const count = sampleValue(m, "skylapse_http_request_duration_seconds_count", { route: "/agent/v1/state", method: "POST" });
    expect(buckets.at(-1)!.value).toBe(count!);
    expect(count).toBe(sum(requests, (l) => l.route === "/agent/v1/state"));
    expect(sampleValue(m, "skylapse_http_request_duration_seconds_sum", { route: "/agent/v1/state", method: "POST" })).toBeGreaterThan(0);
    // The three refusals above; an operator route refused before routing counts under "(unrouted)".
    expect(sampleValue(m, "skylapse_http_requests_total", { route: "/metrics", code: "401" })).toBe(3);
    expect((await fetch(`${hub.url}/api/fleet`)).status).toBe(401);
    expect(sampleValue(parseExposition(await (await hub.api("/metrics")).text()), "skylapse_http_requests_total", { route: "(unrouted)", code: "401" })).toBe(1);

    // Gauges from the shared store.
    const { cameras } = await hub.json("/api/fleet");
    expect(sampleValue(m, "skylapse_camera_backlog_records", { camera: "ridge" })).toBe(cameras.find((c: { id: string }) => c.id === "ridge").backlog);
    expect(sampleValue(m, "skylapse_cameras", { status: "online" })).toBe(1);
    expect(sampleValue(m, "skylapse_cameras", { status: "waiting_for_first_contact" })).toBe(1);
    expect(sampleValue(m, "skylapse_renders", { state: "queued" })).toBe(0);
    // Device health: each camera's latest report, as the fleet shows it.
    const ridge = cameras.find((c: { id: string }) => c.id === "ridge");
    expect(m.get("skylapse_camera_uptime_seconds")?.type).toBe("gauge");
    // (the agent may have polled in between: a simulated Pi warms slowly)
    expect(Math.abs(sampleValue(m, "skylapse_camera_soc_temperature_celsius", { camera: "ridge" })! - ridge.health.soc_temp_c)).toBeLessThan(3);

    // The agent goes away: offline after three poll intervals, counted under its reason.
    await agent.stop(true);
    const after = await waitFor("the camera offline in /metrics", async () => {
      const text = await (await hub.api("/metrics")).text();
      return sampleValue(parseExposition(text), "skylapse_cameras_attention", { reason: "offline" }) === 1 ? parseExposition(text) : null;
    }, 30_000, 300);
    expect(sampleValue(after, "skylapse_cameras", { status: "offline" })).toBe(1);
    expect(sampleValue(after, "skylapse_cameras_needing_attention")).toBe(1);
    expect(hub.output).toContain("hub: 401 to GET /metrics from 127.0.0.1");
  }, 120_000);
});
