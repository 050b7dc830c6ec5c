import { Elysia } from "elysia";
import pkg from "../../package.json";

/** This build's version (package.json): what /version, /ready, /metrics and every answer's header report. */
export const HUB_VERSION: string = pkg.version;

export const VERSION_HEADER = "x-skylapse-hub-version";

/** GET /version (no token) and the version header on every answer: which replica runs what, behind a load balancer too. */
export const versionModule = () =>
  new Elysia()
    .onRequest(({ set }) => void (set.headers[VERSION_HEADER] = HUB_VERSION))
    .get("/version", () => ({ version: HUB_VERSION }), { detail: { summary: "This hub process's version", security: [] } })
    .as("global");
