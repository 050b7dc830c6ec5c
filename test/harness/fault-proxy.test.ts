import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { FAULTS, FaultProxy, type Fault } from "./fault-proxy.ts";

/** ~20 KB of JSON, so responses span several TCP reads. */
const BIG = JSON.stringify({
  items: Array.from({ length: 400 }, (_, i) => ({ id: i, name: `item-${i}`, note: "x".repeat(20) })),
});

let upstream: Server<undefined>;
/** Requests whose handler ran (head received). */
let seen = 0;
/** Requests the upstream read in full (body included). */
let handled = 0;

beforeAll(() => {
  upstream = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      seen++;
      const body = req.method === "POST" ? await req.text() : BIG;
      handled++;
      return new Response(body, { headers: { "content-type": "application/json" } });
    },
  });
});

afterAll(() => upstream.stop(true));

let proxy: FaultProxy;

beforeEach(async () => {
  proxy = await FaultProxy.start({ target: { host: "127.0.0.1", port: upstream.port! }, seed: 3 });
});

afterEach(async () => {
  await proxy.close();
});

const post = (body = BIG, init: RequestInit = {}) =>
  fetch(`${proxy.url}/echo`, { method: "POST", body, headers: { "content-type": "application/json" }, ...init });

describe("FaultProxy", () => {
  test("BIG is about 20 KB", () => {
    expect(BIG.length).toBeGreaterThan(18_000);
    expect(BIG.length).toBeLessThan(25_000);
  });

  test("none: forwards POST and GET faithfully, several requests over keep-alive", async () => {
    const before = seen;
    const p = await post();
    expect(p.status).toBe(200);
    expect(await p.text()).toBe(BIG);

    const g = await fetch(`${proxy.url}/big`);
    expect(g.status).toBe(200);
    expect(g.headers.get("content-length")).toBe(String(BIG.length));
    expect(new Uint8Array(await g.arrayBuffer())).toEqual(new TextEncoder().encode(BIG));

    for (let i = 0; i < 5; i++) {
      const body = JSON.stringify({ i, pad: "y".repeat(1000 * i) });
      const r = await post(body);
      expect(r.status).toBe(200);
      expect(await r.text()).toBe(body);
    }
    expect(seen - before).toBe(7);
    expect(proxy.stats.none).toBe(7);
    // keep-alive: 7 requests did not need 7 connections
    expect(proxy.connectionsAccepted).toBeLessThan(7);
  });

  test("refuse: fetch rejects and upstream sees nothing", async () => {
    proxy.setMode("refuse");
    const before = seen;
    await expect(fetch(`${proxy.url}/big`)).rejects.toThrow();
    await expect(post()).rejects.toThrow();
    expect(seen).toBe(before);
    expect(proxy.stats.refuse).toBeGreaterThanOrEqual(2);
  });

  test("drop_request: fetch rejects and upstream never gets a whole request", async () => {
    proxy.setMode("drop_request");
    const before = handled;
    await expect(post()).rejects.toThrow();
    await expect(fetch(`${proxy.url}/big`)).rejects.toThrow();
    await Bun.sleep(20); // let the server notice the partial POST body
    // Bun.serve runs the handler once the head is in; the half-sent POST body then fails to read.
    expect(handled).toBe(before);
    expect(proxy.stats.drop_request).toBeGreaterThanOrEqual(2);
  });

  test("stall: the client times out; after setMode('none') requests succeed and the stall is released", async () => {
    proxy.setMode("stall");
    const started = Date.now();
    const err = await post(BIG, { signal: AbortSignal.timeout(300) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe("TimeoutError");
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);

    // A second stalled request whose client does not give up: released by the mode change.
    const hanging = fetch(`${proxy.url}/big`).then(
      () => "resolved",
      () => "rejected",
    );
    await Bun.sleep(50);
    expect(proxy.stats.stall).toBe(2);

    proxy.setMode("none");
    expect(await hanging).toBe("rejected");
    const r = await post();
    expect(r.status).toBe(200);
    expect(await r.text()).toBe(BIG);
  });

  test("error_503: answers 503 itself and never forwards", async () => {
    proxy.setMode("error_503");
    const before = seen;
    const r = await post();
    expect(r.status).toBe(503);
    expect(r.headers.get("connection")).toBe("close");
    expect(await r.text()).toContain("503");
    const g = await fetch(`${proxy.url}/big`);
    expect(g.status).toBe(503);
    await g.text();
    expect(seen).toBe(before);
    expect(proxy.stats.error_503).toBe(2);
  });

  test("truncate: the body cannot be read in full", async () => {
    proxy.setMode("truncate");
    const before = seen;
    for (const send of [() => fetch(`${proxy.url}/big`), () => post()]) {
      const outcome = await send().then(
        async (r) => {
          const expected = Number(r.headers.get("content-length"));
          try {
            const got = (await r.arrayBuffer()).byteLength;
            return got < expected ? "short" : "complete";
          } catch {
            return "body-error";
          }
        },
        () => "fetch-error",
      );
      expect(outcome).not.toBe("complete");
    }
    expect(seen - before).toBe(2); // the requests themselves were delivered
    expect(proxy.stats.truncate).toBe(2);
  });

  test("random mode: seeded, hits several fault kinds, stats add up", async () => {
    const run = async (p: FaultProxy) => {
      p.setMode({ random: { none: 3, refuse: 1, drop_request: 1, error_503: 1, truncate: 1, stall: 0.5 } });
      const outcomes: string[] = [];
      for (let i = 0; i < 40; i++) {
        const outcome = await fetch(`${p.url}/big`, { signal: AbortSignal.timeout(150) }).then(
          async (r) => {
            try {
              const text = await r.text();
              return r.status === 200 && text === BIG ? "ok" : `status-${r.status}-${text.length}`;
            } catch {
              return "body-error";
            }
          },
          (e: unknown) => ((e as Error).name === "TimeoutError" ? "timeout" : "error"),
        );
        outcomes.push(outcome);
      }
      return outcomes;
    };

    const outcomes = await run(proxy);
    const stats = proxy.stats;
    const kinds = FAULTS.filter((f) => stats[f] > 0);
    expect(kinds.length).toBeGreaterThanOrEqual(4);
    const total = FAULTS.reduce((s, f) => s + stats[f], 0);
    expect(total).toBe(proxy.requests);
    // Bun's fetch retries a GET once when a reused keep-alive connection closes before any response byte
    // (refuse / drop_request); the retry is a new request to the proxy and gets its own decision.
    expect(total).toBeGreaterThanOrEqual(40);
    expect(total - 40).toBeLessThanOrEqual(stats.refuse + stats.drop_request);
    expect(outcomes.filter((o) => o === "ok").length).toBe(stats.none);
    expect(outcomes.filter((o) => o.startsWith("status-503")).length).toBe(stats.error_503);
    expect(outcomes.filter((o) => o === "timeout").length).toBe(stats.stall);

    // Same seed, same workload → same decisions.
    const again = await FaultProxy.start({ target: { host: "localhost", port: upstream.port! }, seed: 3 });
    try {
      expect(await run(again)).toEqual(outcomes);
      expect(again.stats).toEqual(stats);
    } finally {
      await again.close();
    }
  });

  test("close() releases stalled connections promptly", async () => {
    proxy.setMode("stall");
    const hanging = fetch(`${proxy.url}/big`).then(
      () => "resolved",
      () => "rejected",
    );
    await Bun.sleep(50);
    expect(proxy.openConnections).toBe(1);
    const t0 = Date.now();
    await proxy.close();
    expect(await hanging).toBe("rejected");
    expect(Date.now() - t0).toBeLessThan(500);
    expect(proxy.openConnections).toBe(0);
    await proxy.close(); // idempotent
  });

  test("refuses non-loopback targets and bad modes", async () => {
    for (const host of ["10.0.0.1", "example.com", "0.0.0.0", "192.168.1.1", "::", "2001:db8::1"]) {
      await expect(FaultProxy.start({ target: { host, port: 80 } })).rejects.toThrow(/non-loopback/);
    }
    expect(() => proxy.setMode("explode" as Fault)).toThrow();
    expect(() => proxy.setMode({ random: {} })).toThrow();
    expect(() => proxy.setMode({ random: { none: -1 } })).toThrow();
    expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}`);
  });
});
