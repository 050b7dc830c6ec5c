/**
 * A loopback-only TCP fault proxy for fault-injection tests.
 *
 * It listens on 127.0.0.1 (port chosen by the OS) and relays raw bytes to a loopback HTTP/1.1 server, e.g.
 * agent `fetch` → proxy → hub. It understands just enough HTTP/1.1 framing (request head, Content-Length and
 * chunked bodies) to find where each request starts, so a fault is decided **per request**, even when the
 * client reuses one keep-alive connection for many requests. That matters: a keep-alive client would
 * otherwise keep using a connection opened under the old mode after `setMode()`.
 *
 * Every fault other than "none" ends the client connection, so the client reconnects for its next request.
 *
 * ```ts
 * const proxy = await FaultProxy.start({ target: { host: "127.0.0.1", port: hub.port }, seed: 7 });
 * agent = startAgent({ hubUrl: proxy.url });
 * proxy.setMode("stall");                                   // every request hangs
 * proxy.setMode({ random: { none: 3, error_503: 1, refuse: 1 } }); // weighted, deterministic from seed
 * proxy.stats;                                              // { none: 12, error_503: 4, refuse: 3, ... }
 * await proxy.close();
 * ```
 */
import { createServer, connect, isIP, type Server, type Socket } from "node:net";

export type Fault =
  /** Forward faithfully. */
  | "none"
  /** Close the client connection as soon as the request starts arriving; nothing is forwarded, no response. */
  | "refuse"
  /** Forward only part of the request upstream (head + half the body, or half the head), then close both sides. */
  | "drop_request"
  /** Swallow the request and never answer; held until the mode changes away from "stall" or the proxy closes. */
  | "stall"
  /** Answer with `HTTP/1.1 503 Service Unavailable` (Content-Length, Connection: close); never forwarded. */
  | "error_503"
  /** Forward the request, but pass on only the response head and half its body (or half the head), then close. */
  | "truncate";

export const FAULTS: readonly Fault[] = ["none", "refuse", "drop_request", "stall", "error_503", "truncate"];

/** A fixed fault for every request, or a weighted random pick per request (deterministic from the seed). */
export type FaultMode = Fault | { random: Partial<Record<Fault, number>> };

export interface FaultProxyOptions {
  /** Where to forward. Must be loopback: "127.x.x.x", "localhost" (dialled as 127.0.0.1) or "::1". */
  target: { host: string; port: number };
  /** Seed for random mode. Default 1. */
  seed?: number;
  /** Initial mode. Default "none". */
  mode?: FaultMode;
}

const MAX_HEAD_BYTES = 64 * 1024;
const CRLFCRLF = Buffer.from("\r\n\r\n");

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}

/** mulberry32: tiny, seedable, good enough to pick faults. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function validateMode(mode: FaultMode): void {
  if (typeof mode === "string") {
    if (!FAULTS.includes(mode)) throw new Error(`fault-proxy: unknown fault ${JSON.stringify(mode)}`);
    return;
  }
  let total = 0;
  for (const [fault, weight] of Object.entries(mode.random)) {
    if (!FAULTS.includes(fault as Fault)) throw new Error(`fault-proxy: unknown fault ${JSON.stringify(fault)}`);
    if (typeof weight !== "number" || !Number.isFinite(weight) || weight < 0) {
      throw new Error(`fault-proxy: weight for ${fault} must be a finite number >= 0`);
    }
    total += weight;
  }
  if (total <= 0) throw new Error("fault-proxy: random weights must add up to more than 0");
}

// ---------------------------------------------------------------------------------------------------------
// HTTP/1.1 request framing (client → server direction only)

type FrameEvent =
  | { type: "start" }
  | { type: "head"; bytes: Buffer; method: string; body: number | "chunked" }
  | { type: "body"; bytes: Buffer }
  | { type: "end" }
  /** Bytes we do not frame any more (after an Upgrade/CONNECT, or an unparsable head). */
  | { type: "raw"; bytes: Buffer };

function parseHeaders(head: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of head.split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  return headers;
}

class RequestFramer {
  private phase: "idle" | "head" | "fixed" | "chunked" | "raw" = "idle";
  private headBuf: Buffer = Buffer.alloc(0);
  private fixedLeft = 0;
  private chunk: "size" | "data" | "crlf" | "trailer" = "size";
  private line = "";
  private dataLeft = 0;

  push(input: Buffer): FrameEvent[] {
    const events: FrameEvent[] = [];
    let buf = input;
    while (buf.length > 0) {
      switch (this.phase) {
        case "raw":
          events.push({ type: "raw", bytes: buf });
          return events;
        case "idle":
          events.push({ type: "start" });
          this.phase = "head";
          this.headBuf = Buffer.alloc(0);
          break;
        case "head": {
          const prevLen = this.headBuf.length;
          this.headBuf = Buffer.concat([this.headBuf, buf]);
          const idx = this.headBuf.indexOf(CRLFCRLF, Math.max(0, prevLen - 3));
          if (idx < 0) {
            if (this.headBuf.length > MAX_HEAD_BYTES) {
              events.push({ type: "raw", bytes: this.headBuf });
              this.phase = "raw";
            }
            return events;
          }
          const headBytes = this.headBuf.subarray(0, idx + 4);
          buf = this.headBuf.subarray(idx + 4);
          this.headBuf = Buffer.alloc(0);
          const text = headBytes.toString("latin1");
          const method = text.slice(0, text.indexOf(" ")).toUpperCase();
          const headers = parseHeaders(text);
          const te = headers.get("transfer-encoding")?.toLowerCase() ?? "";
          const cl = headers.get("content-length");
          let body: number | "chunked" = 0;
          if (te.includes("chunked")) body = "chunked";
          else if (cl !== undefined && /^\d+$/.test(cl.trim())) body = Number(cl.trim());
          events.push({ type: "head", bytes: headBytes, method, body });
          if (method === "CONNECT" || headers.has("upgrade")) {
            this.phase = "raw";
          } else if (body === "chunked") {
            this.phase = "chunked";
            this.chunk = "size";
            this.line = "";
          } else if (body > 0) {
            this.phase = "fixed";
            this.fixedLeft = body;
          } else {
            events.push({ type: "end" });
            this.phase = "idle";
          }
          break;
        }
        case "fixed": {
          const n = Math.min(this.fixedLeft, buf.length);
          events.push({ type: "body", bytes: buf.subarray(0, n) });
          buf = buf.subarray(n);
          this.fixedLeft -= n;
          if (this.fixedLeft === 0) {
            events.push({ type: "end" });
            this.phase = "idle";
          }
          break;
        }
        case "chunked": {
          const used = this.scanChunked(buf);
          events.push({ type: "body", bytes: buf.subarray(0, used.consumed) });
          buf = buf.subarray(used.consumed);
          if (used.done) {
            events.push({ type: "end" });
            this.phase = "idle";
          }
          break;
        }
      }
    }
    return events;
  }

  /** Walks chunked framing; returns how many bytes belong to this body and whether the body ended. */
  private scanChunked(buf: Buffer): { consumed: number; done: boolean } {
    let i = 0;
    while (i < buf.length) {
      if (this.chunk === "data") {
        const n = Math.min(this.dataLeft, buf.length - i);
        i += n;
        this.dataLeft -= n;
        if (this.dataLeft === 0) {
          this.chunk = "crlf";
          this.line = "";
        }
        continue;
      }
      const ch = String.fromCharCode(buf[i]!);
      i++;
      this.line += ch;
      if (!this.line.endsWith("\r\n")) {
        if (this.line.length > 8192) {
          // Nonsense framing: give up on this request's body and treat it as ended.
          return { consumed: i, done: true };
        }
        continue;
      }
      const line = this.line.slice(0, -2);
      this.line = "";
      if (this.chunk === "crlf") {
        this.chunk = "size";
      } else if (this.chunk === "size") {
        const size = parseInt(line.split(";")[0]!.trim(), 16);
        if (!Number.isFinite(size) || size <= 0) this.chunk = "trailer";
        else {
          this.chunk = "data";
          this.dataLeft = size;
        }
      } else if (this.chunk === "trailer") {
        if (line === "") {
          this.chunk = "size";
          return { consumed: i, done: true };
        }
      }
    }
    return { consumed: i, done: false };
  }
}

// ---------------------------------------------------------------------------------------------------------
// One client connection

function errorResponse(method: string): Buffer {
  const body = "fault-proxy: injected 503\n";
  const head =
    "HTTP/1.1 503 Service Unavailable\r\n" +
    "Content-Type: text/plain; charset=utf-8\r\n" +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    "Connection: close\r\n" +
    "\r\n";
  return Buffer.from(method === "HEAD" ? head : head + body, "latin1");
}

class ProxiedConnection {
  private framer = new RequestFramer();
  private upstream: Socket | null = null;
  /** Fault of the request currently arriving (or the last one); "sink" once a fault has ended the connection. */
  private fault: Fault | "sink" = "none";
  private method = "";
  private closed = false;
  // drop_request
  private dropCutoff = -1;
  private dropSent = 0;
  // truncate (response side)
  private truncating = false;
  private respBuf: Buffer = Buffer.alloc(0);

  constructor(
    private readonly proxy: FaultProxy,
    private readonly client: Socket,
    private readonly target: { host: string; port: number },
  ) {
    client.setNoDelay(true);
    client.on("data", (chunk: Buffer) => this.onClientData(chunk));
    client.on("end", () => {
      // Client finished sending; pass the half-close on when faithfully relaying, else just shut down.
      if (this.upstream && !this.closed && (this.fault === "none" || this.fault === "truncate")) this.upstream.end();
      else this.destroy();
    });
    client.on("error", () => this.destroy());
    client.on("close", () => this.destroy());
  }

  get stalled(): boolean {
    return !this.closed && this.fault === "stall";
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
    this.upstream?.destroy();
    this.proxy._forget(this);
  }

  private up(): Socket {
    if (this.upstream) return this.upstream;
    const host = this.target.host.toLowerCase() === "localhost" ? "127.0.0.1" : this.target.host.replace(/^\[(.*)\]$/, "$1");
    const up = connect({ host, port: this.target.port, noDelay: true });
    up.on("data", (chunk: Buffer) => this.onUpstreamData(chunk));
    up.on("end", () => {
      if (!this.closed) this.client.end();
    });
    up.on("error", () => this.destroy());
    up.on("close", () => {
      if (this.closed) return;
      // Let the client read what was already written, then close.
      this.client.end();
    });
    this.upstream = up;
    return up;
  }

  private onClientData(chunk: Buffer): void {
    if (this.closed) return;
    for (const ev of this.framer.push(chunk)) {
      if (this.closed) return;
      this.onEvent(ev);
    }
  }

  private onEvent(ev: FrameEvent): void {
    if (this.fault === "sink") return;
    if (ev.type === "start") {
      this.fault = this.proxy._decide();
      this.method = "";
      if (this.fault === "refuse") this.destroy();
      return;
    }
    switch (this.fault) {
      case "none":
      case "truncate":
        if (ev.type === "head") {
          if (this.fault === "truncate") {
            this.truncating = true;
            this.respBuf = Buffer.alloc(0);
          }
          this.up().write(ev.bytes);
        } else if (ev.type === "body" || ev.type === "raw") {
          this.up().write(ev.bytes);
        }
        return;
      case "stall":
        return;
      case "error_503":
        if (ev.type === "head") this.method = ev.method;
        else if (ev.type === "end" || ev.type === "raw") {
          this.fault = "sink";
          this.upstream?.destroy();
          this.client.end(errorResponse(this.method || "GET"));
          // Make sure nothing keeps this connection alive if the client never reads.
          setTimeout(() => this.destroy(), 2000).unref();
        }
        return;
      case "drop_request": {
        if (ev.type === "head") {
          const headLen = ev.bytes.length;
          this.dropSent = 0;
          this.dropCutoff =
            ev.body === "chunked" ? headLen : ev.body > 0 ? headLen + Math.floor(ev.body / 2) : Math.floor(headLen / 2);
        }
        if (ev.type === "head" || ev.type === "body" || ev.type === "raw") {
          const room = this.dropCutoff - this.dropSent;
          const part = ev.bytes.subarray(0, Math.max(0, room));
          this.dropSent += part.length;
          if (this.dropSent >= this.dropCutoff) this.drop(part);
          else if (part.length > 0) this.up().write(part);
        } else if (ev.type === "end") {
          this.drop(Buffer.alloc(0));
        }
        return;
      }
      case "refuse":
        return;
    }
  }

  /** drop_request: flush the partial request upstream, then close both sides. */
  private drop(last: Buffer): void {
    const up = this.up();
    // end() flushes `last` before the FIN, so the server really sees a partial request; then close both sides.
    up.end(last, () => this.destroy());
    setTimeout(() => this.destroy(), 1000).unref();
    this.fault = "sink"; // ignore anything else from either side
  }

  private onUpstreamData(chunk: Buffer): void {
    if (this.closed) return;
    if (!this.truncating) {
      if (this.fault === "none" || this.fault === "truncate") this.client.write(chunk);
      return;
    }
    this.respBuf = Buffer.concat([this.respBuf, chunk]);
    for (;;) {
      const idx = this.respBuf.indexOf(CRLFCRLF);
      if (idx < 0) {
        if (this.respBuf.length > MAX_HEAD_BYTES) return this.cut(Math.floor(this.respBuf.length / 2));
        return;
      }
      const headLen = idx + 4;
      const head = this.respBuf.subarray(0, headLen).toString("latin1");
      const status = Number(head.split(" ")[1]);
      if (status >= 100 && status < 200) {
        // Interim response (100 Continue): pass it through whole, truncate the real one.
        this.client.write(this.respBuf.subarray(0, headLen));
        this.respBuf = this.respBuf.subarray(headLen);
        continue;
      }
      const headers = parseHeaders(head);
      const cl = headers.get("content-length");
      const chunked = (headers.get("transfer-encoding") ?? "").toLowerCase().includes("chunked");
      if (cl !== undefined && Number(cl) >= 2) return this.cut(headLen + Math.floor(Number(cl) / 2));
      if (chunked) {
        const bodySoFar = this.respBuf.length - headLen;
        if (bodySoFar === 0) return; // wait for some body
        return this.cut(headLen + Math.max(1, Math.floor(bodySoFar / 2)));
      }
      // No body to cut (or close-delimited, where a short body is undetectable): cut the head itself.
      return this.cut(Math.floor(headLen / 2));
    }
  }

  private cut(at: number): void {
    if (this.respBuf.length < at) return; // need more bytes
    this.truncating = false;
    this.fault = "sink"; // ignore anything else
    const client = this.client;
    this.upstream?.destroy();
    client.end(this.respBuf.subarray(0, at));
    setTimeout(() => this.destroy(), 1000).unref();
  }
}

// ---------------------------------------------------------------------------------------------------------

export class FaultProxy {
  readonly port: number;
  readonly url: string;
  private mode: FaultMode = "none";
  private readonly random: () => number;
  private readonly connections = new Set<ProxiedConnection>();
  private readonly counts: Record<Fault, number> = { none: 0, refuse: 0, drop_request: 0, stall: 0, error_503: 0, truncate: 0 };
  private closing: Promise<void> | null = null;
  private accepted = 0;

  private constructor(
    private readonly server: Server,
    readonly target: { host: string; port: number },
    seed: number,
  ) {
    const address = server.address();
    if (!address || typeof address === "string") throw new Error("fault-proxy: no TCP address");
    this.port = address.port;
    this.url = `http://127.0.0.1:${this.port}`;
    this.random = prng(seed);
  }

  /** Listen on 127.0.0.1 on an OS-chosen port. Rejects a non-loopback target. */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const { host, port } = options.target;
    if (!isLoopbackHost(host)) throw new Error(`fault-proxy: refusing non-loopback target ${host}`);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`fault-proxy: bad target port ${port}`);
    if (options.mode !== undefined) validateMode(options.mode);

    let proxy: FaultProxy | undefined;
    const pending: Socket[] = [];
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      if (proxy) proxy._accept(socket);
      else pending.push(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", () => {});
    proxy = new FaultProxy(server, { host, port }, options.seed ?? 1);
    if (options.mode !== undefined) proxy.mode = options.mode;
    for (const socket of pending) proxy._accept(socket);
    return proxy;
  }

  /** Requests decided so far, per fault (a snapshot). */
  get stats(): Record<Fault, number> {
    return { ...this.counts };
  }

  /** TCP connections accepted so far (keep-alive clients reuse them across requests). */
  get connectionsAccepted(): number {
    return this.accepted;
  }

  /** Client connections currently open (relaying, stalled, or closing). */
  get openConnections(): number {
    return this.connections.size;
  }

  /** Total requests decided so far. */
  get requests(): number {
    return FAULTS.reduce((sum, f) => sum + this.counts[f], 0);
  }

  /**
   * Fault for requests that start from now on. Connections held by "stall" are closed unless the new mode
   * is "stall" again; requests already being relayed are left alone.
   */
  setMode(mode: FaultMode): void {
    validateMode(mode);
    this.mode = mode;
    if (mode !== "stall") this.releaseStalled();
  }

  /** Close every connection currently held by "stall" (the client sees the connection closed). */
  releaseStalled(): void {
    for (const conn of [...this.connections]) if (conn.stalled) conn.destroy();
  }

  resetStats(): void {
    for (const f of FAULTS) this.counts[f] = 0;
  }

  /** Stop listening and destroy every client and upstream socket. Idempotent. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        for (const conn of [...this.connections]) conn.destroy();
      });
    }
    return this.closing;
  }

  /** @internal */
  _accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.accepted++;
    socket.on("error", () => {});
    this.connections.add(new ProxiedConnection(this, socket, this.target));
  }

  /** @internal */
  _forget(conn: ProxiedConnection): void {
    this.connections.delete(conn);
  }

  /** @internal Picks the fault for a new request and counts it. */
  _decide(): Fault {
    let fault: Fault;
    if (typeof this.mode === "string") fault = this.mode;
    else {
      const entries = (Object.entries(this.mode.random) as [Fault, number][]).filter(([, w]) => w > 0);
      const total = entries.reduce((s, [, w]) => s + w, 0);
      let r = this.random() * total;
      fault = entries[entries.length - 1]![0];
      for (const [f, w] of entries) {
        if (r < w) {
          fault = f;
          break;
        }
        r -= w;
      }
    }
    this.counts[fault]++;
    return fault;
  }
}
