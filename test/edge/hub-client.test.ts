/**
 * The agent's one hub client against real local servers (Bun.serve on loopback):
 * timeouts, how failures are classified (5xx and link trouble retryable, 401 not),
 * Retry-After, byte counts, and a Range download resumed after it was cut off.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { type AddressInfo, createServer, type Server } from "node:net";
import { HubClient, HubError, LinkBudget, type Traffic } from "../../edge/hub-client";
import { HUB_BACKOFF, retryDelay } from "../../edge/sync/backoff";

const servers: ReturnType<typeof Bun.serve>[] = [];
const tcpServers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.stop(true);
  for (const s of tcpServers) s.close();
});

function serve(fetch: (req: Request) => Response | Promise<Response>) {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch });
  servers.push(server);
  return `http://127.0.0.1:${server.port}`;
}

async function failure(p: Promise<unknown>): Promise<HubError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(HubError);
    return e as HubError;
  }
  throw new Error("expected the request to fail");
}

async function readAll(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/**
 * A file served with Range support over a plain TCP server, so a cut link is a
 * real one: `cutAfter` bytes into the first answer the socket closes; after
 * `stallAfter` bytes no more come.
 */
async function fileServer(file: Uint8Array, options: { cutAfter?: number; ignoreRange?: boolean; stallAfter?: number } = {}) {
  const seen: (string | null)[] = [];
  let answers = 0;
  const server = createServer((socket) => {
    let head = "";
    socket.on("data", (data) => {
      head += data.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      const range = /^range: *(.*)$/im.exec(head)?.[1]?.trim() ?? null;
      seen.push(range);
      const m = /^bytes=(\d+)-$/.exec(range ?? "");
      const partial = m !== null && !options.ignoreRange;
      const start = partial ? Number(m[1]) : 0;
      const part = file.subarray(start);
      const lines = [
        partial ? "HTTP/1.1 206 Partial Content" : "HTTP/1.1 200 OK",
        `content-length: ${part.length}`,
        "content-type: application/octet-stream",
        ...(partial ? [`content-range: bytes ${start}-${file.length - 1}/${file.length}`] : []),
        "connection: close",
      ];
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
      const cut = options.cutAfter !== undefined && answers++ === 0 ? options.cutAfter : null;
      const upTo = cut ?? options.stallAfter ?? part.length;
      socket.write(part.subarray(0, upTo));
      if (cut !== null) setTimeout(() => socket.destroy(), 50);
      else if (options.stallAfter === undefined) socket.end();
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  tcpServers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe("requests", () => {
  test("the bearer token is read at each request; anonymous requests carry none; JSON goes as application/json", async () => {
    const got: { auth: string | null; type: string | null; body: string }[] = [];
    const url = serve(async (req) => {
      got.push({ auth: req.headers.get("authorization"), type: req.headers.get("content-type"), body: await req.text() });
      return Response.json({ ok: true });
    });
    let token: string | null = null;
    const hub = new HubClient({ baseUrl: url, token: () => token, timeoutMs: 5_000 });
    await hub.send("first", "/x", { method: "POST", json: { a: 1 } });
    token = "tok-123";
    await hub.send("second", "/x");
    await hub.send("third", "/x", { anonymous: true });
    expect(got).toEqual([
      { auth: null, type: "application/json", body: '{"a":1}' },
      { auth: "Bearer tok-123", type: null, body: "" },
      { auth: null, type: null, body: "" },
    ]);
  });

  test("no answer within the timeout: a retryable timeout error, given up in about the timeout", async () => {
    const url = serve(async () => {
      await Bun.sleep(3_000);
      return new Response("late");
    });
    const hub = new HubClient({ baseUrl: url, timeoutMs: 300 });
    const started = performance.now();
    const e = await failure(hub.send("poll", "/slow"));
    const took = performance.now() - started;
    expect({ kind: e.kind, retryable: e.retryable, status: e.status }).toEqual({ kind: "timeout", retryable: true, status: null });
    expect(e.message).toContain("no answer within 300 ms");
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2_500);
  });

  test("a per-request timeout overrides the client's", async () => {
    const url = serve(async () => {
      await Bun.sleep(600);
      return new Response("{}");
    });
    const hub = new HubClient({ baseUrl: url, timeoutMs: 100 });
    expect((await hub.send("slow but allowed", "/", { timeoutMs: 5_000 })).status).toBe(200);
  });

  test("nothing listening: a retryable network error", async () => {
    const port = (() => {
      const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
      const p = s.port;
      s.stop(true);
      return p;
    })();
    const e = await failure(new HubClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 5_000 }).send("poll", "/"));
    expect({ kind: e.kind, retryable: e.retryable }).toEqual({ kind: "network", retryable: true });
    expect(e.message).toStartWith("hub unreachable: ");
  });

  test("5xx, 408 and 429 are retryable; 401, 404, 409, 422 are not; the status, body and message are kept", async () => {
    const url = serve((req) => {
      const status = Number(new URL(req.url).pathname.slice(1));
      return Response.json({ error: "x", message: `status ${status}` }, { status });
    });
    const hub = new HubClient({ baseUrl: url, timeoutMs: 5_000 });
    const classes: Record<number, boolean> = {};
    for (const status of [500, 502, 503, 408, 429, 401, 403, 404, 409, 422]) {
      const e = await failure(hub.send("upload", `/${status}`));
      expect(e.kind).toBe("http");
      expect(e.status).toBe(status);
      expect(e.message).toStartWith(`upload: hub answered ${status} `);
      expect(JSON.parse(e.body).message).toBe(`status ${status}`);
      classes[status] = e.retryable;
    }
    expect(classes).toEqual({ 500: true, 502: true, 503: true, 408: true, 429: true, 401: false, 403: false, 404: false, 409: false, 422: false });
  });

  test("accepted statuses (304) are answers, not errors", async () => {
    const url = serve(() => new Response(null, { status: 304 }));
    const reply = await new HubClient({ baseUrl: url, timeoutMs: 5_000 }).send("poll", "/", { accept: [304] });
    expect(reply.status).toBe(304);
  });

  test("an answer off the contract is a contract error", async () => {
    const url = serve((req) => (new URL(req.url).pathname === "/text" ? new Response("<html>") : Response.json({ other: 1 })));
    const hub = new HubClient({ baseUrl: url, timeoutMs: 5_000 });
    const { z } = await import("zod");
    const Shape = z.object({ ok: z.boolean() }).strict();
    expect((await failure(hub.parse("poll", "/text", Shape))).message).toBe("poll: response is not JSON (truncated?)");
    const e = await failure(hub.parse("poll", "/json", Shape));
    expect({ kind: e.kind, retryable: e.retryable, message: e.message }).toEqual({ kind: "contract", retryable: false, message: "poll: the hub's answer does not match the contract" });
  });

  test("the caller's signal gives a request up (an aborted error, not a timeout)", async () => {
    const url = serve(async () => {
      await Bun.sleep(3_000);
      return new Response();
    });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 100);
    const e = await failure(new HubClient({ baseUrl: url, timeoutMs: 10_000 }).send("image", "/", { signal: stop.signal }));
    expect({ kind: e.kind, retryable: e.retryable }).toEqual({ kind: "aborted", retryable: false });
  });
});

describe("Retry-After and the backoff", () => {
  test("delta-seconds: the wait is never shorter than the hub asked", async () => {
    const url = serve(() => new Response("busy", { status: 503, headers: { "retry-after": "7" } }));
    const e = await failure(new HubClient({ baseUrl: url, timeoutMs: 5_000 }).send("poll", "/"));
    expect(e.retryAfterMs).toBe(7_000);
    const policy = { baseMs: 100, capMs: 60_000 };
    for (let i = 0; i < 20; i++) expect(retryDelay(1, policy, e)).toBeGreaterThanOrEqual(7_000);
    // Without Retry-After, the first failure waits the backoff: ½–1 × base.
    expect(retryDelay(1, policy, new HubError("http", "x", { status: 503, body: "", retryAfterMs: null }))).toBeLessThanOrEqual(100);
    // A longer backoff is kept, and Retry-After never goes past the cap.
    expect(retryDelay(10, HUB_BACKOFF, e, () => 1)).toBe(HUB_BACKOFF.capMs);
    const huge = new HubError("http", "x", { status: 503, body: "", retryAfterMs: 86_400_000 });
    expect(retryDelay(1, policy, huge)).toBe(60_000);
  });

  test("an HTTP date is read against the answer's own Date header", async () => {
    const date = new Date(Date.parse("2026-11-30T12:00:00Z"));
    const url = serve(() => new Response("later", { status: 429, headers: { date: date.toUTCString(), "retry-after": new Date(date.getTime() + 90_000).toUTCString() } }));
    const e = await failure(new HubClient({ baseUrl: url, timeoutMs: 5_000 }).send("poll", "/"));
    expect({ status: e.status, retryable: e.retryable, retryAfterMs: e.retryAfterMs }).toEqual({ status: 429, retryable: true, retryAfterMs: 90_000 });
  });
});

describe("bytes", () => {
  test("every request and answer is counted, bodies exactly and headers as sent, and reported to onBytes", async () => {
    const reply = "x".repeat(5_000);
    const url = serve(async (req) => {
      await req.arrayBuffer();
      if (new URL(req.url).pathname === "/slow") await Bun.sleep(2_000);
      return new Response(reply);
    });
    const events: Traffic[] = [];
    const hub = new HubClient({ baseUrl: url, timeoutMs: 5_000, onBytes: (b) => events.push(b) });
    const body = new Uint8Array(10_000);
    await hub.send("chunk", "/upload", { method: "PUT", body, contentType: "application/octet-stream" });
    const sum = events.reduce((a, b) => ({ sent: a.sent + b.sent, received: a.received + b.received }), { sent: 0, received: 0 });
    expect(sum).toEqual(hub.traffic);
    expect(hub.traffic.sent).toBeGreaterThan(10_000);
    expect(hub.traffic.sent).toBeLessThan(10_300);
    expect(hub.traffic.received).toBeGreaterThan(5_000);
    expect(hub.traffic.received).toBeLessThan(5_300);
    const before = hub.traffic.sent;
    await failure(hub.send("no answer", "/slow", { method: "POST", json: { n: 1 }, timeoutMs: 200 }));
    // A request that got no answer still counts what it sent.
    expect(hub.traffic.sent - before).toBeGreaterThan(7);
  });
});

describe("downloads with Range", () => {
  const file = new Uint8Array(300_000).map((_, i) => (i * 31 + 7) % 251);
  const sha = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");

  test("cut off mid-way, resumed from the bytes kept: the same file, the rest only sent once", async () => {
    const { url, seen } = await fileServer(file, { cutAfter: 120_000 });
    const hub = new HubClient({ baseUrl: url, timeoutMs: 5_000 });
    const kept: Uint8Array[] = [];
    let have = 0;
    const first = await hub.download("release", "/release.bin");
    expect({ status: first.status, offset: first.offset, total: first.total }).toEqual({ status: 200, offset: 0, total: file.length });
    const reader = first.body.getReader();
    const e = await failure(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          kept.push(value);
          have += value.length;
        }
      })(),
    );
    expect({ kind: e.kind, retryable: e.retryable }).toEqual({ kind: "network", retryable: true });
    expect(have).toBe(120_000);
    const received = hub.traffic.received;
    const rest = await hub.download("release", "/release.bin", { offset: have });
    expect({ status: rest.status, offset: rest.offset, total: rest.total }).toEqual({ status: 206, offset: 120_000, total: file.length });
    kept.push(await readAll(rest.body));
    expect(sha(Buffer.concat(kept))).toBe(sha(file));
    expect(seen).toEqual([null, "bytes=120000-"]);
    expect(hub.traffic.received - received).toBeGreaterThanOrEqual(180_000);
    expect(hub.traffic.received - received).toBeLessThan(181_000);
  });

  test("a hub that ignores Range sends it all: offset 0, the caller starts over", async () => {
    const { url } = await fileServer(file, { ignoreRange: true });
    const d = await new HubClient({ baseUrl: url, timeoutMs: 5_000 }).download("release", "/release.bin", { offset: 5_000 });
    expect({ status: d.status, offset: d.offset }).toEqual({ status: 200, offset: 0 });
    expect(sha(await readAll(d.body))).toBe(sha(file));
  });

  test("a stalled body fails with a timeout after the idle time, though the whole download may take longer", async () => {
    const { url } = await fileServer(file, { stallAfter: 50_000 });
    const d = await new HubClient({ baseUrl: url, timeoutMs: 400 }).download("release", "/release.bin");
    const e = await failure(readAll(d.body));
    expect({ kind: e.kind, retryable: e.retryable }).toEqual({ kind: "timeout", retryable: true });
  });

  test("a refused download is an HTTP error like any other", async () => {
    const url = serve(() => Response.json({ error: "not_found", message: "no such release" }, { status: 404 }));
    const e = await failure(new HubClient({ baseUrl: url, timeoutMs: 5_000 }).download("release", "/nope"));
    expect({ kind: e.kind, status: e.status, retryable: e.retryable }).toEqual({ kind: "http", status: 404, retryable: false });
  });
});

describe("the link's one budget", () => {
  test("every byte either way is charged: a records POST delays the background transfer waiting on the budget, by its time at the cap", async () => {
    const url = serve(async (req) => new Response(`ok ${(await req.arrayBuffer()).byteLength}`));
    // 40 kB/s: a 20 kB records batch is half a second of the link.
    const hub = new HubClient({ baseUrl: url, timeoutMs: 5000, budget: new LinkBudget(40_000) });
    const signal = new AbortController().signal;
    await hub.budget.ready(signal);
    await hub.send("records", "/agent/v1/records", { method: "POST", body: new Uint8Array(20_000), contentType: "application/json" });
    const t0 = performance.now();
    await hub.budget.ready(signal);
    const waited = performance.now() - t0;
    // 500 ms of bytes less the 250 ms burst credit, at least; the answer and headers add a little.
    expect(waited).toBeGreaterThan(200);
    expect(waited).toBeLessThan(1500);
    const uncapped = new HubClient({ baseUrl: url, timeoutMs: 5000 });
    await uncapped.send("records", "/r", { method: "POST", body: new Uint8Array(20_000) });
    const t1 = performance.now();
    await uncapped.budget.ready(signal);
    expect(performance.now() - t1).toBeLessThan(50);
  });
});
