/**
 * Remote diagnostics with a real hub, a real agent and the operator CLI as
 * processes: an operator's request reaches the agent in its next poll answer, the
 * agent's bundle (log lines, status, config, disk, versions) arrives at the hub
 * with every secret taken out, and `skylapse diagnostics CAMERA` prints it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sharedClock, startAgent, startHub, type StartedAgent, type StartedHub, waitFor } from "../harness/processes";
import { DENVER } from "../harness/scenario";
import { operatorCli } from "../harness/operator-cli";

const TECHNICIAN = "diagnostics-technician-secret-0123456789";
const URL_PASSWORD = "url-pass-secret-98765";
const POLL_SECONDS = 2;

const config = {
  location: DENVER,
  schedules: { day: { type: "time_of_day", start_time: "11:00", end_time: "14:00", interval_seconds: 30, enabled: true } },
  cameras: { ridge: { deployed_profile: "f", schedules: ["day"] } },
  profiles: { f: { base: { ev: 0 } } },
  sync: { poll_interval_seconds: POLL_SECONDS, plan_days: 1 },
};

let hub: StartedHub;
let agent: StartedAgent;
let token: string;
let clock: ReturnType<typeof sharedClock>;

beforeAll(async () => {
  clock = sharedClock("2026-11-24T12:00:00-07:00", 1, 500);
  hub = await startHub({ config, clock });
  token = (await hub.json("/api/cameras/ridge/token", { method: "POST" })).token;
  // The hub's URL with credentials in it: the agent logs its hub URL at start, so they must be scrubbed from the log too.
  const withCredentials = hub.url.replace("http://", `http://fieldcrew:${URL_PASSWORD}@`);
  agent = await startAgent({ cameraId: "ridge", hub, token, clock, env: { SKYLAPSE_HUB_URL: withCredentials, SKYLAPSE_CLOCK_TRUSTED: "true", SKYLAPSE_EDGE_TOKEN: TECHNICIAN } });
  await waitFor("the agent's first sync", async () => (await agent.json("/status")).hub?.last_sync_at, 20_000, 100);
}, 60_000);

afterAll(async () => {
  await agent?.stop(true);
  await hub?.stop(true);
});

async function cli(...args: string[]) {
  const { stdout: out, stderr: err, code } = await operatorCli({ url: hub.url, token: hub.operatorToken }, args);
  return { code, out, err };
}

const secrets = () => [token, TECHNICIAN, URL_PASSWORD];

describe("remote diagnostics, real processes", () => {
  test("request with --no-wait → the next poll → the bundle at the hub, without secrets", async () => {
    const asked = await cli("diagnostics", "ridge", "--no-wait", "--json");
    expect(asked.code).toBe(0);
    const request = JSON.parse(asked.out);
    expect(request.camera_id).toBe("ridge");
    expect(request.request_id).toMatch(/^diag-/);
    const requestedAt = Date.now();

    const view = await waitFor(
      "the bundle at the hub",
      async () => {
        const v = await hub.json(`/api/cameras/ridge/diagnostics`);
        return v.request_id === request.request_id && v.status === "received" ? v : null;
      },
      30_000,
      200,
    );
    // It came with a poll: within a few poll intervals of the request, not at once by some other path.
    expect(Date.now() - requestedAt).toBeLessThan(20_000);
    expect(agent.output).toContain(`diagnostics ${request.request_id} sent to the hub`);

    const b = view.bundle;
    expect(b.request_id).toBe(request.request_id);
    expect(view.bytes).toBeGreaterThan(500);
    expect(view.bytes).toBeLessThanOrEqual(256 * 1024);
    // Status, versions, disk.
    expect(b.observed.log_id).toBeString();
    expect(b.observed.clock.trusted).toBe(true);
    expect(b.versions.agent).toBe(b.observed.agent_version);
    expect(b.versions.bun).toBe(Bun.version);
    expect(b.disk.total_bytes).toBeGreaterThan(0);
    expect(b.disk.path).toBe(agent.dataDir);
    expect(b.hub.last_success_at).not.toBeNull();
    expect(b.hub.bytes_sent).toBeGreaterThan(0);
    expect(b.hub.bytes_received).toBeGreaterThan(0);
    // Config: secrets redacted by name, the URL without its credentials, the rest as set.
    expect(b.config.SKYLAPSE_AGENT_TOKEN).toBe("[redacted]");
    expect(b.config.SKYLAPSE_EDGE_TOKEN).toBe("[redacted]");
    expect(b.config.SKYLAPSE_CAMERA_ID).toBe("ridge");
    expect(b.config.SKYLAPSE_HUB_URL).toStartWith("http://");
    expect(b.config.SKYLAPSE_HUB_URL).toContain(new URL(hub.url).host);
    expect(b.config.SKYLAPSE_HUB_URL).not.toContain("fieldcrew");
    // The log: the agent's own lines, its start line among them (scrubbed of the URL's credentials).
    const lines: string[] = b.log.map((l: { text: string }) => l.text);
    expect(lines.some((l) => l.startsWith("edge: ridge on http://"))).toBe(true);
    // No secret anywhere in what the hub stored.
    const stored = JSON.stringify(view);
    for (const secret of secrets()) expect(stored).not.toContain(secret);

    // Once answered, polls stop carrying the request: no second upload.
    await Bun.sleep(POLL_SECONDS * 2 * 1000);
    expect(agent.output.split(`diagnostics ${request.request_id} sent`).length - 1).toBe(1);
  }, 60_000);

  test("`skylapse diagnostics CAMERA` asks, waits for the next poll and prints the bundle readably", async () => {
    const earlier = await hub.api(`/api/cameras/ridge/diagnostics`);
    const before = earlier.ok ? (await earlier.json()).request_id : null;
    const run = await cli("diagnostics", "ridge", "--timeout", "60");
    expect(run.code).toBe(0);
    expect(run.err).toContain("waiting for the camera's next poll");
    const out = run.out;
    if (process.env.SHOW_CLI) console.log(out);
    const latest = await hub.json(`/api/cameras/ridge/diagnostics`);
    expect(latest.request_id).not.toBe(before);
    expect(latest.status).toBe("received");
    expect(out).toContain(`diagnostics   ridge — ${latest.request_id}, received`);
    expect(out).toMatch(/agent\s+\S+ on Bun /);
    expect(out).toMatch(/disk\s+[\d.]+ GB free of/);
    expect(out).toContain("config (secrets redacted):");
    expect(out).toMatch(/SKYLAPSE_AGENT_TOKEN\s+\[redacted\]/);
    expect(out).toMatch(/log, last \d+ line\(s\)/);
    expect(out).toContain("edge: ridge on http://");
    for (const secret of secrets()) expect(out).not.toContain(secret);

    // --latest prints the same without asking again.
    const again = await cli("diagnostics", "ridge", "--latest");
    expect(again.code).toBe(0);
    expect(again.out).toContain(latest.request_id);
    expect((await hub.json(`/api/cameras/ridge/diagnostics`)).request_id).toBe(latest.request_id);
  }, 90_000);

  test("a camera that does not poll: --timeout ends the wait with exit 1, the request stays open for its next poll", async () => {
    await agent.stop(true);
    const run = await cli("diagnostics", "ridge", "--timeout", "2");
    expect(run.code).toBe(1);
    expect(run.err).toContain("stays open");
    const open = await hub.json(`/api/cameras/ridge/diagnostics`);
    expect(open.status).toBe("requested");
    const text = await cli("diagnostics", "ridge", "--latest");
    expect(text.out).toContain("waiting for the camera's next poll");
    // Back up: its first poll carries the open request.
    agent = await startAgent({ cameraId: "ridge", hub, token, clock, dataDir: agent.dataDir, env: { SKYLAPSE_CLOCK_TRUSTED: "true", SKYLAPSE_EDGE_TOKEN: TECHNICIAN } });
    const view = await waitFor(
      "the open request answered",
      async () => {
        const v = await hub.json(`/api/cameras/ridge/diagnostics`);
        return v.request_id === open.request_id && v.status === "received" ? v : null;
      },
      30_000,
      200,
    );
    expect(view.bundle.request_id).toBe(open.request_id);
  }, 90_000);
});
