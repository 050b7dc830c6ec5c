/**
 * Credentials before bodies, on a real hub and a real agent: 50 concurrent chunked
 * (no Content-Length) oversized POSTs without a valid credential are each a 401, and
 * the process's resident memory (VmRSS) stays within a few MB of what it was before.
 * A body with a valid credential is counted as it streams and refused at the limit.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { sharedClock, startAgent, startHub, type StartedAgent, type StartedHub } from "../harness/processes";
import { DENVER } from "../harness/scenario";

const config = {
  location: DENVER,
  schedules: { night: { type: "time_of_day", start_time: "03:00", end_time: "03:05", interval_seconds: 60, enabled: true } },
  cameras: { ridge: { deployed_profile: "f", schedules: ["night"] } },
  profiles: { f: { base: { ev: 0 } } },
};
const TECHNICIAN = "auth-before-body-technician-0123456789";
const CONCURRENT = 50;
/**
 * Allowed growth of the process's RSS after the flood, MiB: nothing of the bodies may be kept. While a token
 * is looked up (a database round trip, slow on a loaded machine) Bun reads ahead at most about 2 MiB of each
 * unread body before TCP backpressure stops the sender, so the bound is per connection, far below the bodies
 * (50 × 15 MiB or 50 × 4 MiB).
 */
const RSS_SLACK_MB = CONCURRENT * 2;

let hub: StartedHub;
let agent: StartedAgent;
let agentToken = "";

beforeAll(async () => {
  const clock = sharedClock("2026-11-24T12:00:00-07:00", 1, 500);
  hub = await startHub({ config, clock });
  agentToken = (await hub.json("/api/cameras/ridge/token", { method: "POST" })).token;
  agent = await startAgent({ cameraId: "ridge", hub, token: agentToken, clock, env: { SKYLAPSE_CLOCK_TRUSTED: "true", SKYLAPSE_EDGE_TOKEN: TECHNICIAN } });
}, 30_000);

afterAll(async () => {
  await Promise.all([agent?.stop(true), hub?.stop(true)]);
});

const rssMb = (pid: number) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/)![1]) / 1024;

/** A chunked body of `bytes` (64 KiB chunks), made as it is read: the sender holds one chunk at a time. */
function chunkedBody(bytes: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= bytes) return c.close();
      sent += chunk.length;
      c.enqueue(chunk);
    },
  });
}

async function post(url: string, bytes: number, authorization?: string): Promise<number | string> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
      body: chunkedBody(bytes),
      signal: AbortSignal.timeout(60_000),
    });
    await res.text();
    return res.status;
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

/** Sends `CONCURRENT` oversized requests at once; returns their answers and the RSS before and after (MB). */
async function flood(pid: number, url: string, bytes: number, authorization?: string, count = CONCURRENT) {
  Bun.gc(true);
  await Bun.sleep(200);
  const before = rssMb(pid);
  const statuses = await Promise.all(Array.from({ length: count }, () => post(url, bytes, authorization)));
  const after = rssMb(pid);
  console.log(`${url}: RSS ${before.toFixed(1)} MiB before, ${after.toFixed(1)} MiB after ${count} × ${bytes / 1024 / 1024} MiB`);
  return { statuses, before, after };
}

describe("50 concurrent chunked oversized POSTs without a credential: 401 each, memory stays flat", () => {
  const MIB15 = 15 * 1024 * 1024;
  const cases: { name: string; target: () => { pid: number; url: string }; authorization?: string; bytes: number }[] = [
    { name: "hub /agent/v1/captures, no token", target: () => ({ pid: hub.proc.pid, url: hub.url + "/agent/v1/captures" }), bytes: MIB15 },
    { name: "hub /agent/v1/state, a wrong token", target: () => ({ pid: hub.proc.pid, url: hub.url + "/agent/v1/state" }), authorization: "Bearer slk_nobody-0123456789", bytes: MIB15 },
    { name: "hub /api/cameras, no token", target: () => ({ pid: hub.proc.pid, url: hub.url + "/api/cameras" }), bytes: MIB15 },
    { name: "agent /capture, no technician token", target: () => ({ pid: agent.proc.pid, url: agent.url + "/capture" }), bytes: 4 * 1024 * 1024 },
    { name: "agent /profile/deploy, a wrong technician token", target: () => ({ pid: agent.proc.pid, url: agent.url + "/profile/deploy" }), authorization: "Bearer wrong-0123456789", bytes: 4 * 1024 * 1024 },
  ];
  for (const c of cases)
    test(c.name, async () => {
      const { pid, url } = c.target();
      const { statuses, before, after } = await flood(pid, url, c.bytes, c.authorization);
      expect(statuses).toEqual(Array(CONCURRENT).fill(401));
      expect(after - before).toBeLessThan(RSS_SLACK_MB);
      expect((await fetch(hub.url + "/health")).status).toBe(200);
      expect((await fetch(agent.url + "/health")).status).toBe(200);
    }, 120_000);

  test("hub /agent/v1/enroll (no bearer: the code is in the body) reads only its few KiB: 413 each, memory stays flat", async () => {
    const { statuses, before, after } = await flood(hub.proc.pid, hub.url + "/agent/v1/enroll", MIB15);
    expect(statuses).toEqual(Array(CONCURRENT).fill(413));
    expect(after - before).toBeLessThan(RSS_SLACK_MB);
  }, 120_000);

  test("a declared size far over any limit is still a 401 without the credential, not a 413", async () => {
    for (const [base, path] of [[hub.url, "/agent/v1/captures"], [hub.url, "/api/config"], [agent.url, "/capture"]] as const) {
      const res = await rawRequest(base, `POST ${path} HTTP/1.1`, { "content-type": "application/json", "content-length": String(100 * 1024 ** 3) }, "{");
      expect(`${path} ${res.status}`).toBe(`${path} 401`);
    }
  });
});

/** A request sent as written (headers that fetch would not let through), answered before its body ends. */
function rawRequest(base: string, requestLine: string, headers: Record<string, string>, partialBody: string): Promise<{ status: number }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
      socket.write(`${requestLine}\r\nHost: ${hostname}\r\n${head}\r\n${partialBody}`);
    });
    let data = "";
    socket.on("data", (d) => {
      data += d.toString("latin1");
      const m = data.match(/^HTTP\/1\.1 (\d+)/);
      if (m) {
        socket.destroy();
        resolve({ status: Number(m[1]) });
      }
    });
    socket.on("error", reject);
    socket.on("close", () => resolve({ status: 0 }));
  });
}

describe("with a valid credential the limit is counted as the body streams", () => {
  test("hub: 20 chunked 15 MiB uploads with the camera's token are each a 413, memory bounded by the 8 MiB limit", async () => {
    const n = 20;
    const { statuses, before, after } = await flood(hub.proc.pid, hub.url + "/agent/v1/captures", 15 * 1024 * 1024, `Bearer ${agentToken}`, n);
    expect(statuses).toEqual(Array(n).fill(413));
    // Each request holds at most its 8 MiB (and what Bun read ahead) while it is refused, never the 15 MiB it sends.
    expect(after - before).toBeLessThan(n * 11.5);
    expect((await fetch(hub.url + "/health")).status).toBe(200);
  }, 120_000);

  test("agent: a chunked 4 MiB /capture with the technician token is a 413 naming the 1 MiB limit", async () => {
    const res = await fetch(agent.url + "/capture", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TECHNICIAN}` },
      body: chunkedBody(4 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
    expect((await res.json()).message).toContain("1 MiB");
  });
});
