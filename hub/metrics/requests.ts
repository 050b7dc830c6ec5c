import { Elysia } from "elysia";
import { errorStatus } from "../../shared/http";
import type { UploadResult } from "../../shared/contracts/sync";
import { pathOf } from "../auth";
import { clientAddress } from "../forwarded";
import { Counter, type Family, Histogram } from "./exposition";

/** Seconds; fine at the low end (a 304 poll takes well under a millisecond), 0.2 s for the fleet's p99 goal. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10];

/** Requests refused before a route was matched (no or a wrong credential, an unknown path). */
export const UNROUTED = "(unrouted)";

/**
 * What this process saw over HTTP since it started. Counters are per process:
 * Prometheus scrapes each replica and sums.
 */
export class RequestMetrics {
  readonly requests = new Counter("skylapse_http_requests_total", "HTTP requests answered, by method, route pattern and status code.");
  readonly latency = new Histogram("skylapse_http_request_duration_seconds", "Time from a request's arrival to its answer, by method and route pattern.", LATENCY_BUCKETS);
  readonly polls = new Counter("skylapse_agent_polls_total", "Agents' desired-state polls answered, by answer: changed (200) or not_modified (304).")
    .declare({ answer: "changed" })
    .declare({ answer: "not_modified" });
  readonly records = new Counter("skylapse_records_ingested_total", "Capture records uploaded by agents, by outcome: accepted (new) or duplicate.")
    .declare({ outcome: "accepted" })
    .declare({ outcome: "duplicate" });
  readonly imageBytes = new Counter("skylapse_image_bytes_received_total", "Picture bytes agents uploaded and the hub took in, by kind: thumbnail or full (image chunks).")
    .declare({ kind: "thumbnail" })
    .declare({ kind: "full" });

  /** What one answered request adds. */
  observe(r: { method: string; route: string; status: number; seconds: number; body: unknown; result: unknown }): void {
    this.requests.inc({ method: r.method, route: r.route, code: String(r.status) });
    this.latency.observe({ method: r.method, route: r.route }, r.seconds);
    if (r.method === "POST" && r.route === "/agent/v1/state" && (r.status === 200 || r.status === 304))
      this.polls.inc({ answer: r.status === 304 ? "not_modified" : "changed" });
    if (r.status !== 200 || r.method !== "PUT" && r.method !== "POST") return;
    if (r.route === "/agent/v1/captures") {
      const result = r.result as Partial<UploadResult> | undefined;
      this.records.inc({ outcome: "accepted" }, result?.accepted ?? 0);
      this.records.inc({ outcome: "duplicate" }, result?.duplicates ?? 0);
    }
    const bytes = r.body instanceof Uint8Array ? r.body.byteLength : 0;
    if (r.route === "/agent/v1/captures/:id/thumbnail") this.imageBytes.inc({ kind: "thumbnail" }, bytes);
    if (r.route === "/agent/v1/captures/:id/image") this.imageBytes.inc({ kind: "full" }, bytes);
  }

  families(): Family[] {
    return [this.polls.family(), this.records.family(), this.imageBytes.family(), this.requests.family(), this.latency.family()];
  }
}

/** When each request arrived, and from where (the socket's address is gone once the answer is sent). */
const arrivals = new WeakMap<Request, { at: number; peer: string | null }>();

/**
 * The one app-level hook that times and counts every request (registered first,
 * so every route after it is observed). Refused credentials and server errors are
 * logged with the client's address, for the operator (and fail2ban).
 */
export const observeRequests = (metrics: RequestMetrics, trustProxy: boolean) =>
  new Elysia({ name: "observe-requests" })
    .onRequest(({ request, server }) => {
      arrivals.set(request, { at: performance.now(), peer: server?.requestIP(request)?.address ?? null });
    })
    .onAfterResponse({ as: "global" }, (c) => {
      const context = c as typeof c & { route?: string; body?: unknown; responseValue?: unknown };
      const { request } = context;
      const arrival = arrivals.get(request);
      if (!arrival) return;
      const status = errorStatus(request) ?? (typeof context.set.status === "number" ? context.set.status : 200);
      const route = context.route || UNROUTED;
      metrics.observe({ method: request.method, route, status, seconds: (performance.now() - arrival.at) / 1000, body: context.body, result: context.responseValue });
      if (status === 401 || status === 403 || status === 500)
        console.warn(`hub: ${status} to ${request.method} ${pathOf(request)} from ${clientAddress(request, arrival.peer, trustProxy) ?? "an unknown address"}`);
    });
