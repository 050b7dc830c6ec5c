/** The operator API over HTTP, its failures sorted into the CLI's exit codes. */

/** The hub answered with an error (its message is shown): exit 1. */
export class HubRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** No answer from the hub at all: exit 3. */
export class HubUnreachable extends Error {}

export interface HubClientOptions {
  url: string;
  token: string | undefined;
  timeoutMs?: number;
}

export class HubClient {
  constructor(private readonly options: HubClientOptions) {}

  get url(): string {
    return this.options.url;
  }

  async get<T>(path: string): Promise<T> {
    const url = `${this.options.url.replace(/\/+$/, "")}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        headers: this.options.token ? { authorization: `Bearer ${this.options.token}` } : {},
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
      });
    } catch (e) {
      const why = (e as Error).name === "TimeoutError" ? "no answer in time" : (e as Error).message;
      throw new HubUnreachable(`cannot reach the hub at ${this.options.url} (${why}); is it running? (SKYLAPSE_HUB_URL)`);
    }
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      if (res.ok) throw new HubRefused(res.status, `the hub at ${this.options.url} answered ${res.status} with something other than JSON`);
    }
    if (!res.ok) {
      const message = (body as { message?: unknown } | null)?.message;
      let text = typeof message === "string" ? message : `HTTP ${res.status}`;
      if (res.status === 401) text += this.options.token ? " (check SKYLAPSE_OPERATOR_TOKEN)" : " (set SKYLAPSE_OPERATOR_TOKEN)";
      throw new HubRefused(res.status, `hub refused (${res.status}): ${text}`);
    }
    return body as T;
  }
}
