/**
 * The README's rolling restart, for real: two hubs behind HAProxy checking
 * /ready, clients hitting the proxy without pause; each hub in turn is sent
 * SIGTERM (its /ready turns 503, the proxy takes it out, requests still answered
 * through the drain), stops and starts again. Not one request fails.
 */
import { describe, expect, test } from "bun:test";
import { startHaproxy } from "../harness/haproxy";
import { freePort } from "../harness/ports";
import { startHub, type StartedHub, waitFor } from "../harness/processes";
import { DENVER } from "../harness/scenario";
import { stopAfterEach } from "../harness/tracked";

const config = { location: DENVER, cameras: { ridge: { schedules: [] } } };
const TOKEN = "rolling-operator-token-0123456789";

const track = stopAfterEach();

const hubOn = (port: number, dataDir?: string) =>
  startHub({ config, port, dataDir, operatorToken: TOKEN, env: { SKYLAPSE_SHUTDOWN_DRAIN_SECONDS: "2", SKYLAPSE_TRUST_PROXY: "1" } });

describe("rolling restart behind HAProxy", () => {
  test("each hub in turn drains, stops and starts again while clients go on: no request fails", async () => {
    const ports = [await freePort(), await freePort()];
    const hubs: StartedHub[] = [track(await hubOn(ports[0]!)), track(await hubOn(ports[1]!))];
    // A check's time is also its timeout: /ready writes a probe to the picture store (a bucket on PostgreSQL+S3),
    // which under six busy clients can take longer than 250 ms; once a second still sees each 2 s drain.
    const proxy = track(await startHaproxy({ backends: hubs.map((h) => h.url), check: "/ready", checkEveryMs: 1000, fall: 1 }));
    await proxy.waitUntilUp([0, 1]);

    let running = true;
    const outcomes = { ok: 0, failed: [] as string[] };
    const client = async () => {
      while (running) {
        try {
          const res = await fetch(`${proxy.url}/api/cameras`, { headers: { authorization: `Bearer ${TOKEN}` } });
          const body = await res.text();
          if (res.status === 200 && body.includes("ridge")) outcomes.ok++;
          else outcomes.failed.push(`${res.status} ${body.slice(0, 80)}`);
        } catch (e) {
          outcomes.failed.push((e as Error).message);
        }
      }
    };
    const clients = Array.from({ length: 6 }, client);

    for (const i of [0, 1]) {
      const hub = hubs[i]!;
      await Bun.sleep(500);
      hub.proc.kill(15);
      expect(await hub.proc.exited).toBe(0);
      expect(hub.output).toContain("hub: draining for 2 s before stopping");
      hubs[i] = track(await hubOn(ports[i]!, hub.dataDir));
      await waitFor(`hub${i + 1} back in the proxy`, async () => proxy.output().split(`replicas/b${i} is UP`).length >= 2, 15_000, 100);
    }
    await Bun.sleep(500);
    running = false;
    await Promise.all(clients);

    expect(outcomes.failed).toEqual([]);
    expect(outcomes.ok).toBeGreaterThan(100);
    // The proxy took each out on its /ready and put it back.
    for (const name of ["b0", "b1"]) {
      expect(proxy.output()).toContain(`replicas/${name} is DOWN`);
      expect(proxy.output()).toContain(`replicas/${name} is UP`);
    }
    console.log(`rolling restart: ${outcomes.ok} requests through the proxy, none failed`);
  }, 90_000);
});
