import { Elysia } from "elysia";
import type { Clock } from "../shared/clock";
import { problems } from "../shared/http";
import { abTestsModule } from "./ab-tests";
import { agentsModule } from "./agents";
import { alertsModule } from "./alerts";
import { auditModule } from "./audit";
import { ContactLog, DesiredStateCache, hashToken } from "./agents/service";
import { camerasModule } from "./cameras";
import { DIAGNOSTICS_BODY_LIMITS, diagnosticsModule } from "./diagnostics";
import { Diagnostics } from "./diagnostics/service";
import { ENROLL_BODY_LIMITS, enrollmentAgentModule, enrollmentOperatorModule } from "./enrollment";
import { openapiModule } from "./openapi";
import { configModule } from "./config";
import { dashboardModule } from "./dashboard";
import { type TimelapsesOptions, timelapsesModule } from "./timelapses";
import { TimelapseJobs } from "./timelapses/service";
import { SessionRenders } from "./timelapses/sessions";
import { fleetModule } from "./fleet";
import { healthModule } from "./health";
import { IMAGE_BODY_LIMITS, imagesModule, type ImagesOptions } from "./images";
import { CaptureImages } from "./images/service";
import { liveModule } from "./live";
import { profilesModule } from "./profiles";
import { LiveOrchestrator } from "./live/service";
import { backfillPlanHistory, PlanHistory } from "./plans/service";
import { reportsModule } from "./reports";
import { releasesModule } from "./releases";
import { Releases } from "./releases/service";
import { statusModule } from "./status";
import type { HubContext } from "./context";
import type { HubDb } from "./db/client";
import { metricsModule } from "./metrics";
import { observeRequests, RequestMetrics } from "./metrics/requests";
import { StoreGauges } from "./metrics/service";
import { readinessModule } from "./readiness";
import { ReadinessProbe } from "./readiness/service";
import { versionModule } from "./version";

export type HubRole = "api" | "worker" | "all";

/** How this process is run (main.ts, from SKYLAPSE_ROLE, SKYLAPSE_METRICS_TOKEN, SKYLAPSE_TRUST_PROXY). */
export interface OperationOptions {
  role: HubRole;
  metricsToken?: string;
  trustProxy: boolean;
}

/** Request bodies above this are refused with 413 as they stream (after the credential is checked). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * The hub's app and context from what main.ts (or a test) built: the database,
 * the clock, the picture store inside `images` and `timelapses`. Nothing here
 * reads the environment or starts a timer.
 */
export async function createHub(options: { db: HubDb; clock: Clock; operatorToken: string; liveTimeoutMs?: number; timelapses: TimelapsesOptions; images: ImagesOptions; operation?: OperationOptions }) {
  const ctx = {
    db: options.db,
    clock: options.clock,
    desiredStates: new DesiredStateCache(),
    contacts: new ContactLog(options.db),
    planHistory: new PlanHistory(options.db),
    operatorTokenHash: hashToken(options.operatorToken),
    diagnostics: new Diagnostics(options.db, options.clock),
  } as HubContext;
  await backfillPlanHistory(options.db);
  const captureImages = new CaptureImages(ctx.db, options.images.storage);
  ctx.releases = new Releases(ctx.db, options.images.storage);
  ctx.live = new LiveOrchestrator(ctx, options.liveTimeoutMs ?? 10_000, captureImages);
  const renders = options.timelapses;
  ctx.timelapses = new TimelapseJobs(ctx, renders);
  ctx.sessionRenders = renders.auto ? new SessionRenders(ctx, ctx.timelapses, renders.auto) : null;
  const operation = options.operation ?? { role: "all", trustProxy: false };
  const requests = new RequestMetrics();
  const readiness = new ReadinessProbe(ctx.db, options.images.storage);
  // Every process answers these, a worker-only one nothing else: the hook that observes requests comes first.
  const operations = () =>
    new Elysia()
      .use(problems(MAX_BODY_BYTES, { ...IMAGE_BODY_LIMITS, ...ENROLL_BODY_LIMITS, ...DIAGNOSTICS_BODY_LIMITS }))
      .use(observeRequests(requests, operation.trustProxy))
      .use(versionModule())
      .get("/health", () => ({ status: "ok", time: new Date(ctx.clock.now()).toISOString() }), { detail: { summary: "The hub is up; its clock", security: [] } })
      .use(readinessModule(readiness))
      .use(metricsModule({ requests, store: new StoreGauges(ctx), role: operation.role, operatorTokenHash: ctx.operatorTokenHash, metricsToken: operation.metricsToken }));
  const app = new Elysia()
    .use(operations())
    .use(openapiModule())
    .use(enrollmentAgentModule(ctx))
    .use(agentsModule(ctx))
    .use(camerasModule(ctx))
    .use(enrollmentOperatorModule(ctx))
    .use(reportsModule(ctx))
    .use(statusModule(ctx))
    .use(fleetModule(ctx))
    .use(alertsModule(ctx))
    .use(healthModule(ctx))
    .use(liveModule(ctx))
    .use(profilesModule(ctx))
    .use(auditModule(ctx))
    .use(abTestsModule(ctx))
    .use(configModule(ctx))
    .use(imagesModule(ctx, captureImages))
    .use(diagnosticsModule(ctx))
    .use(timelapsesModule(ctx))
    .use(releasesModule(ctx, ctx.releases))
    .use(dashboardModule(ctx));
  return { app, ctx, captureImages, readiness, requests, workerApp: () => new Elysia().use(operations()) };
}

export type HubApp = Awaited<ReturnType<typeof createHub>>["app"];
