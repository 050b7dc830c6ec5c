/**
 * HTTPS: a hub given SKYLAPSE_TLS_CERT/KEY (a self-signed certificate made by
 * openssl here) serves HTTPS to a client that trusts the certificate, and a real
 * agent polls and uploads through it; behind a real HAProxy terminating TLS, the
 * hub takes the client address from X-Forwarded-For only with
 * SKYLAPSE_TRUST_PROXY (and only the address the proxy appended).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startHaproxy } from "../harness/haproxy";
import { selfSigned } from "../harness/tls";
import { realMsUntil, sharedClock, startAgent, startHub, tempDir, waitFor } from "../harness/processes";
import { DENVER, hubCaptures } from "../harness/scenario";
import { stopAfterEach } from "../harness/tracked";

const config = {
  location: DENVER,
  schedules: { morning: { start_time: "07:00", end_time: "07:02", interval_seconds: 10 } },
  cameras: { ridge: { deployed_profile: "f", schedules: ["morning"] } },
  profiles: { f: { base: { metering: "matrix" } } },
  sync: { poll_interval_seconds: 10, plan_days: 1 },
};
const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00Z`);

const track = stopAfterEach();

describe("TLS and proxies", () => {
  test("the hub serves HTTPS with SKYLAPSE_TLS_CERT/KEY: a client trusting the certificate gets through, one that does not is refused; a real agent syncs over it", async () => {
    const tls = selfSigned();
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 20, 2500);
    const hub = track(await startHub({ config, clock, ca: tls.ca, env: { SKYLAPSE_TLS_CERT: tls.cert, SKYLAPSE_TLS_KEY: tls.key } }));
    expect(hub.url).toStartWith("https://127.0.0.1:");
    expect((await fetch(`${hub.url}/health`, { tls: { ca: tls.ca } })).status).toBe(200);
    expect(fetch(`${hub.url}/health`)).rejects.toThrow();
    expect(fetch(`${hub.url.replace("https", "http")}/health`)).rejects.toThrow();

    // The agent trusts the certificate the usual way for a Bun or Node program.
    track(await startAgent({ cameraId: "ridge", hub, clock, env: { NODE_EXTRA_CA_CERTS: tls.cert } }));
    await Bun.sleep(realMsUntil(clock, T("14:02") + 20_000));
    await waitFor("the agent's records over HTTPS", async () => (await hub.json("/api/fleet")).cameras[0].backlog === 0, 30_000);
    const planned = 12;
    expect((await hubCaptures(hub, "ridge", T("14:00"), T("14:02"))).length).toBe(planned);
    expect((await hub.json("/api/fleet")).cameras[0].online).toBe(true);
  }, 90_000);

  test("a certificate without its key, or one that cannot be read, stops the hub at start with the variable named", async () => {
    const run = (env: Record<string, string>) =>
      Bun.spawnSync(["bun", join(import.meta.dir, "..", "..", "hub/main.ts")], {
        env: { PATH: process.env.PATH ?? "", SKYLAPSE_DATA_DIR: tempDir("hub"), SKYLAPSE_PORT: "0", SKYLAPSE_HOST: "127.0.0.1", ...env },
      });
    const alone = run({ SKYLAPSE_TLS_CERT: "/nonexistent/cert.pem" });
    expect(alone.exitCode).toBe(2);
    expect(alone.stderr.toString()).toContain("SKYLAPSE_TLS_CERT and SKYLAPSE_TLS_KEY go together");
    const missing = run({ SKYLAPSE_TLS_CERT: "/nonexistent/cert.pem", SKYLAPSE_TLS_KEY: "/nonexistent/key.pem" });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr.toString()).toContain("cannot read SKYLAPSE_TLS_CERT /nonexistent/cert.pem");
  }, 30_000);

  test("behind HAProxy terminating TLS: X-Forwarded-For is the client address only with SKYLAPSE_TRUST_PROXY, and only the hop the proxy appended", async () => {
    const tls = selfSigned();
    const direct = track(await startHub({ config }));
    const trusting = track(await startHub({ config, env: { SKYLAPSE_TRUST_PROXY: "1" } }));
    const refused = (url: string, init: RequestInit = {}) => fetch(`${url}/api/fleet`, { ...init, headers: { authorization: "Bearer wrong-token-0123456789abc", ...init.headers } });

    // Without the setting the header is the client's word: ignored.
    expect((await refused(direct.url, { headers: { "x-forwarded-for": "203.0.113.9" } })).status).toBe(401);
    // With it, straight to the hub (as the proxy would send): the last hop.
    expect((await refused(trusting.url, { headers: { "x-forwarded-for": "198.51.100.7, 203.0.113.9" } })).status).toBe(401);
    // Through the real proxy, a client writing its own header: the proxy appends the address it saw, and that one counts.
    const proxy = track(await startHaproxy({ backends: [trusting.url], tls }));
    await proxy.waitUntilUp([0]);
    const through = await refused(proxy.url, { tls: { ca: tls.ca }, headers: { "x-forwarded-for": "192.0.2.66" } } as RequestInit);
    expect(through.status).toBe(401);
    const ok = await fetch(`${proxy.url}/api/fleet`, { tls: { ca: tls.ca }, headers: { authorization: `Bearer ${trusting.operatorToken}` } } as RequestInit);
    expect(ok.status).toBe(200);

    await waitFor("the refusals logged", async () => direct.output.includes("hub: 401") && trusting.output.split("hub: 401").length >= 3, 5000, 50);
    expect(direct.output).toContain("hub: 401 to GET /api/fleet from 127.0.0.1");
    expect(direct.output).not.toContain("203.0.113.9");
    expect(trusting.output).toContain("hub: 401 to GET /api/fleet from 203.0.113.9");
    expect(trusting.output).toContain("hub: 401 to GET /api/fleet from 127.0.0.1");
    expect(trusting.output).not.toContain("192.0.2.66");
  }, 60_000);
});
