/** A JSON API over HTTP (the hub's or the agent's), its failures sorted into the CLIs' exit codes. */

/** The server answered with an error (its message is shown): exit 1. */
export class ApiRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** No answer at all: exit 3. */
export class ApiUnreachable extends Error {}

export interface ApiClientOptions {
  /** "hub" or "agent", for messages. */
  peer: string;
  url: string;
  token: string | undefined;
  /** The variables a user sets, named in messages. */
  urlVar: string;
  tokenVar: string;
  timeoutMs?: number;
}

export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  get url(): string {
    return this.options.url;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("POST", path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>("DELETE", path);
  }

  /**
   * A GET whose answer is a file (a video, an image): the response, its body
   * unread, once the server said yes. `timeoutMs` covers reading the body too.
   */
  async download(path: string, timeoutMs = 30 * 60_000): Promise<Response> {
    const res = await this.send("GET", path, undefined, timeoutMs);
    if (res.ok) return res;
    await this.parse(res);
    throw new ApiRefused(res.status, `${this.options.peer} refused (${res.status})`);
  }

  private async send(method: string, path: string, body: unknown, timeoutMs: number): Promise<Response> {
    const { peer, url: base, token, urlVar } = this.options;
    try {
      return await fetch(`${base.replace(/\/+$/, "")}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { "content-type": body instanceof Uint8Array ? "application/octet-stream" : "application/json" }),
        },
        body: body === undefined ? undefined : body instanceof Uint8Array ? (body as Uint8Array<ArrayBuffer>) : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const why = (e as Error).name === "TimeoutError" ? "no answer in time" : (e as Error).message;
      throw new ApiUnreachable(`cannot reach the ${peer} at ${base} (${why}); is it running? (${urlVar})`);
    }
  }

  /** A JSON request; a Uint8Array body goes as application/octet-stream. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.parse<T>(await this.send(method, path, body, this.options.timeoutMs ?? 60_000));
  }

  /** The JSON answer, or the server's refusal as an ApiRefused. */
  private async parse<T>(res: Response): Promise<T> {
    const { peer, url: base, token, tokenVar } = this.options;
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      if (res.ok) throw new ApiRefused(res.status, `the ${peer} at ${base} answered ${res.status} with something other than JSON`);
    }
    if (!res.ok) {
      const message = (parsed as { message?: unknown } | null)?.message;
      let shown = typeof message === "string" ? message : `HTTP ${res.status}`;
      if (res.status === 401) shown += token ? ` (check ${tokenVar})` : ` (set ${tokenVar})`;
      throw new ApiRefused(res.status, `${peer} refused (${res.status}): ${shown}`);
    }
    return parsed as T;
  }
}
