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

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { peer, url: base, token, urlVar, tokenVar } = this.options;
    let res: Response;
    try {
      res = await fetch(`${base.replace(/\/+$/, "")}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
      });
    } catch (e) {
      const why = (e as Error).name === "TimeoutError" ? "no answer in time" : (e as Error).message;
      throw new ApiUnreachable(`cannot reach the ${peer} at ${base} (${why}); is it running? (${urlVar})`);
    }
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
