import type { DiagnosticsBundle, DiagnosticsView } from "../../shared/contracts/diagnostics";
import type { Clock } from "../../shared/clock";
import { HttpError, notFound } from "../../shared/http";
import type { HubDb } from "../db/client";
import { presentRequest, uploadVerdict } from "./compute";
import { cameraOf, insertRequest, latestRequest, openRequest, pruneRequests, requestById, storeBundle } from "./store";

/** Requests (with their bundles) kept per camera; older ones are removed as new bundles arrive. */
const KEEP_PER_CAMERA = 10;

/**
 * Remote diagnostics: an operator's request waits until the camera's next poll
 * carries it (a header on the poll answer), and the agent's bundle is stored
 * against it. Asking again while a request is open returns that request.
 */
export class Diagnostics {
  constructor(
    private readonly db: HubDb,
    private readonly clock: Clock,
  ) {}

  private async camera(cameraId: string) {
    const camera = await cameraOf(this.db, cameraId);
    if (!camera) throw notFound(`camera ${cameraId}`);
    return camera;
  }

  async request(cameraId: string): Promise<{ view: DiagnosticsView; created: boolean }> {
    const camera = await this.camera(cameraId);
    if (camera.retiredAt !== null) throw new HttpError(409, "retired", `camera ${cameraId} is retired: it polls no more`);
    const open = await openRequest(this.db, cameraId);
    if (open) return { view: presentRequest((await requestById(this.db, open.id))!, camera.lastContactAt), created: false };
    const row = { id: `diag-${crypto.randomUUID()}`, cameraId, requestedAt: this.clock.now() };
    await insertRequest(this.db, row);
    return { view: presentRequest({ ...row, receivedAt: null, bundle: null, bytes: null }, camera.lastContactAt), created: true };
  }

  /** The request a poll of this camera carries, if one is open. */
  async pendingFor(cameraId: string): Promise<string | null> {
    return (await openRequest(this.db, cameraId))?.id ?? null;
  }

  async receive(cameraId: string, requestId: string, bundle: DiagnosticsBundle): Promise<{ request_id: string; received_at: string; duplicate: boolean }> {
    if (bundle.request_id !== requestId) throw new HttpError(422, "invalid_request", `the bundle is for request ${bundle.request_id}, not ${requestId}`);
    const row = await requestById(this.db, requestId);
    const verdict = uploadVerdict(row, cameraId);
    if (verdict === "unknown") throw notFound(`diagnostics request ${requestId} of camera ${cameraId}`);
    const now = this.clock.now();
    const stored = verdict === "store" && (await storeBundle(this.db, requestId, cameraId, bundle, Buffer.byteLength(JSON.stringify(bundle)), now));
    if (stored) await pruneRequests(this.db, cameraId, KEEP_PER_CAMERA);
    const receivedAt = stored ? now : ((await requestById(this.db, requestId))?.receivedAt ?? now);
    return { request_id: requestId, received_at: new Date(receivedAt).toISOString(), duplicate: !stored };
  }

  async latest(cameraId: string): Promise<DiagnosticsView> {
    const camera = await this.camera(cameraId);
    const row = await latestRequest(this.db, cameraId);
    if (!row) throw notFound(`diagnostics of camera ${cameraId} (none requested yet)`);
    return presentRequest(row, camera.lastContactAt);
  }
}
