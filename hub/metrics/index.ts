import { Elysia } from "elysia";
import { bearerToken, HttpError, sameSecret } from "../../shared/http";
import { hashToken } from "../agents/service";
import { gauge, render } from "./exposition";
import type { RequestMetrics } from "./requests";
import type { StoreGauges } from "./service";
import { HUB_VERSION } from "../version";

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export interface MetricsOptions {
  requests: RequestMetrics;
  store: StoreGauges;
  /** This process's SKYLAPSE_ROLE, as a label of skylapse_hub_info. */
  role: string;
  operatorTokenHash: string;
  /** SKYLAPSE_METRICS_TOKEN, for a scraper that should not hold the operator token. */
  metricsToken?: string;
}

/** What this process is (gauges of the process itself, not of the shared store). */
function processFamilies(role: string) {
  return [
    gauge("skylapse_hub_info", "This hub process: its role (api, worker, all).", [{ labels: { role }, value: 1 }]),
    gauge("skylapse_hub_build_info", "This hub process's version.", [{ labels: { version: HUB_VERSION }, value: 1 }]),
    gauge("process_start_time_seconds", "When this process started, in seconds since the Unix epoch.", [{ labels: {}, value: Math.round(performance.timeOrigin) / 1000 }]),
    gauge("process_resident_memory_bytes", "This process's resident memory.", [{ labels: {}, value: process.memoryUsage.rss() }]),
  ];
}

/**
 * GET /metrics in Prometheus text format, with the operator token or the metrics
 * token. Counters are this process's (scrape every replica); gauges of the fleet
 * and the render queue come from the shared store.
 */
export const metricsModule = (options: MetricsOptions) => {
  const accepted = [options.operatorTokenHash, ...(options.metricsToken ? [hashToken(options.metricsToken)] : [])];
  return new Elysia().get(
    "/metrics",
    async ({ request, set }) => {
      const token = bearerToken(request.headers.get("authorization"));
      if (!token) throw new HttpError(401, "unauthorized", "the metrics token or the operator token is required");
      const hash = hashToken(token);
      if (!accepted.some((h) => sameSecret(hash, h))) throw new HttpError(401, "unauthorized", "the token is not valid for /metrics");
      const families = [...processFamilies(options.role), ...(await options.store.families()), ...options.requests.families()];
      set.headers["content-type"] = EXPOSITION_CONTENT_TYPE;
      set.headers["cache-control"] = "no-store";
      return render(families);
    },
    { detail: { summary: "Prometheus metrics of this process and of the shared store (the operator token or SKYLAPSE_METRICS_TOKEN)" } },
  );
};
