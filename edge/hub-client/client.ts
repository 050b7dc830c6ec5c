import type { ZodType } from "zod";
import { LinkBudget } from "./budget";
import { HubError, parseRetryAfter } from "./errors";

/** Bytes of one exchange, or a part of one: request and status lines, headers and bodies (not TCP/TLS framing). */
export interface Traffic {
  sent: number;
  received: number;
}

export interface HubClientOptions {
  /** The hub, e.g. http://hub:8082. */
  baseUrl: string;
  /** The bearer token, read at each request (an enrollment may bring one later); null: none yet. */
  token?: () => string | null;
  /** Real ms a request may wait for its answer (a download: for each piece of it) before it is given up. */
  timeoutMs: number;
  /** Told of the bytes of every request and answer as they go (a download's body piece by piece). */
  onBytes?: (bytes: Traffic) => void;
  /** The link's bandwidth cap, charged with every byte either way (default: none). */
  budget?: LinkBudget;
}

export interface HubRequest {
  method?: string;
  /** A JSON body (sent as application/json). */
  json?: unknown;
  /** Raw bytes, sent as `contentType`. */
  body?: Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
  /** Gives the request up (the agent stopping): a HubError of kind "aborted". */
  signal?: AbortSignal;
  /** This request's own timeout, real ms. */
  timeoutMs?: number;
  /** Statuses besides 2xx that are answers, not errors (304). */
  accept?: number[];
  /** Without the bearer token (enrollment, before there is one). */
  anonymous?: boolean;
  /** Called as the answer's status and headers arrive, before its body is read (a round trip's end, for clock readings). */
  onHeaders?: () => void;
}

export interface HubReply {
  status: number;
  headers: Headers;
  text: string;
}

export interface HubDownload {
  status: number;
  /** Where the body starts in the whole file: the offset asked for (206), or 0 when the hub sent all of it (200). */
  offset: number;
  /** The whole file's bytes, when the hub says. */
  total: number | null;
  /** The bytes from `offset`; a stalled link errors it with a timeout HubError. */
  body: ReadableStream<Uint8Array>;
}

const utf8 = new TextDecoder();
const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/;

function requestHeadBytes(method: string, url: URL, headers: Record<string, string>): number {
  let n = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n\r\n`.length;
  for (const [k, v] of Object.entries(headers)) n += k.length + v.length + 4;
  return n;
}

function responseHeadBytes(res: Response): number {
  let n = `HTTP/1.1 ${res.status} ${res.statusText}\r\n\r\n`.length;
  res.headers.forEach((v, k) => (n += k.length + v.length + 4));
  return n;
}

/**
 * The agent's one way to the hub: the base URL and bearer token, a timeout on
 * every request, failures as one HubError (network, timeout, aborted, HTTP
 * status with Retry-After, contract), and a count of the bytes that went each way,
 * charged to the link's one budget (the bandwidth cap background transfers wait on).
 * It never retries by itself: each caller's loop waits by the one backoff policy
 * (edge/sync/backoff.ts `retryDelay`) and decides what a status means for its job.
 */
export class HubClient {
  /** Bytes sent and received since this client was made. */
  readonly traffic: Traffic = { sent: 0, received: 0 };
  /** The link's budget: image uploads and update downloads wait on it before each piece. */
  readonly budget: LinkBudget;

  constructor(private readonly options: HubClientOptions) {
    this.budget = options.budget ?? new LinkBudget(null);
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  /** One request; the whole answer as text. Throws a HubError for anything but 2xx and the `accept`ed statuses. */
  async send(what: string, path: string, req: HubRequest = {}): Promise<HubReply> {
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
    const res = await this.fetch(path, req, signal, timeoutMs, timeout);
    req.onHeaders?.();
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      throw this.failure(e, timeout, req.signal, timeoutMs, `${what}: response cut off`);
    }
    this.count(0, responseHeadBytes(res) + bytes.byteLength);
    const text = utf8.decode(bytes);
    if (!res.ok && !req.accept?.includes(res.status)) throw this.refusal(what, res, text);
    return { status: res.status, headers: res.headers, text };
  }

  /** A request whose answer must match `schema`. */
  async parse<T>(what: string, path: string, schema: ZodType<T>, req: HubRequest = {}): Promise<T> {
    return this.decode(what, await this.send(what, path, req), schema);
  }

  /** An answer's JSON body, checked against `schema`. */
  decode<T>(what: string, reply: HubReply, schema: ZodType<T>): T {
    let body: unknown;
    try {
      body = JSON.parse(reply.text);
    } catch {
      throw new HubError("contract", `${what}: response is not JSON (truncated?)`);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new HubError("contract", `${what}: the hub's answer does not match the contract`);
    return parsed.data;
  }

  /**
   * A streaming GET from `offset` on (Range: bytes=offset-), for resuming a
   * download after an outage or a restart. The hub may send the whole file
   * instead (200): then `offset` is 0 and the caller starts over. The timeout
   * covers the wait for the answer and then each piece of the body, so a long
   * download on a slow link is fine and a stalled one is not. With `end`, only
   * bytes offset..end (inclusive) are asked for.
   */
  async download(what: string, path: string, options: { offset?: number; end?: number; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<HubDownload> {
    const offset = options.offset ?? 0;
    const range = options.end !== undefined ? `bytes=${offset}-${options.end}` : offset > 0 ? `bytes=${offset}-` : null;
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    const idle = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(new DOMException(`no data within ${timeoutMs} ms`, "TimeoutError")), timeoutMs);
    };
    const signal = options.signal ? AbortSignal.any([idle.signal, options.signal]) : idle.signal;
    arm();
    let res: Response;
    try {
      res = await this.fetch(path, { headers: range ? { range } : {}, signal: options.signal }, signal, timeoutMs, idle.signal);
    } finally {
      clearTimeout(timer);
    }
    if (!res.ok) {
      const text = await res.text().catch(() => "");
      this.count(0, responseHeadBytes(res) + text.length);
      throw this.refusal(what, res, text);
    }
    this.count(0, responseHeadBytes(res));
    let start = 0;
    let total: number | null = null;
    if (res.status === 206) {
      const range = CONTENT_RANGE.exec(res.headers.get("content-range") ?? "");
      if (!range || Number(range[1]) !== offset) {
        await res.body?.cancel().catch(() => undefined);
        throw new HubError("contract", `${what}: the hub answered bytes ${res.headers.get("content-range")} to a request from byte ${offset}`);
      }
      start = offset;
      total = range[3] === "*" ? null : Number(range[3]);
    } else {
      const length = res.headers.get("content-length");
      total = length === null ? null : Number(length);
    }
    const reader = res.body!.getReader();
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        arm();
        try {
          const { done, value } = await reader.read();
          clearTimeout(timer);
          if (done) return controller.close();
          this.count(0, value.byteLength);
          controller.enqueue(value);
        } catch (e) {
          clearTimeout(timer);
          controller.error(this.failure(e, idle.signal, options.signal, timeoutMs, `${what}: download cut off`));
        }
      },
      cancel: (reason) => {
        clearTimeout(timer);
        return reader.cancel(reason);
      },
    });
    return { status: res.status, offset: start, total, body };
  }

  private async fetch(path: string, req: HubRequest, signal: AbortSignal, timeoutMs: number, timeout: AbortSignal): Promise<Response> {
    const url = new URL(path, this.options.baseUrl);
    const method = req.method ?? "GET";
    const token = req.anonymous ? null : (this.options.token?.() ?? null);
    const body = req.json !== undefined ? JSON.stringify(req.json) : req.body;
    const type = req.json !== undefined ? "application/json" : req.contentType;
    const headers: Record<string, string> = {
      ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
      ...(type ? { "content-type": type } : {}),
      ...req.headers,
    };
    const bodyBytes = typeof body === "string" ? Buffer.byteLength(body) : (body?.byteLength ?? 0);
    this.count(requestHeadBytes(method, url, headers) + bodyBytes, 0);
    try {
      return await fetch(url, { method, headers, body: body as BodyInit | undefined, signal });
    } catch (e) {
      throw this.failure(e, timeout, req.signal, timeoutMs);
    }
  }

  /** A request that failed before a whole answer came: the timeout, the caller, or the link. */
  private failure(e: unknown, timeout: AbortSignal, caller: AbortSignal | undefined, timeoutMs: number, cutOff?: string): HubError {
    if (caller?.aborted) return new HubError("aborted", "request given up: the agent is stopping");
    if (timeout.aborted) return new HubError("timeout", `hub unreachable: no answer within ${timeoutMs} ms`);
    const message = (e as Error).message;
    return new HubError("network", cutOff ? `${cutOff} (${message})` : `hub unreachable: ${message}`);
  }

  private refusal(what: string, res: Response, text: string): HubError {
    const retryAfter = parseRetryAfter(res.headers.get("retry-after"), res.headers.get("date"));
    return new HubError("http", `${what}: hub answered ${res.status} ${text.slice(0, 200)}`, { status: res.status, body: text, retryAfterMs: retryAfter });
  }

  private count(sent: number, received: number): void {
    this.traffic.sent += sent;
    this.traffic.received += received;
    this.budget.charge(sent + received);
    this.options.onBytes?.({ sent, received });
  }
}
