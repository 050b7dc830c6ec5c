import { z } from "zod";
import { DiagnosticsBundle, DiagnosticsRequestId, DiagnosticsView, MAX_DIAGNOSTICS_BYTES } from "../../shared/contracts/diagnostics";
import { Slug } from "../../shared/contracts/profile";
import { IsoTime } from "../../shared/contracts/plan";

export const diagnosticsModel = {
  cameraParams: z.object({ id: Slug }),
  requestParams: z.object({ request_id: DiagnosticsRequestId }),
  bundle: DiagnosticsBundle,
  view: DiagnosticsView,
  received: z.object({ request_id: DiagnosticsRequestId, received_at: IsoTime, duplicate: z.boolean() }).strict(),
};

/** The agent's bundle upload is read within its own limit as it streams. */
export const DIAGNOSTICS_BODY_LIMITS: Record<string, number> = { "/agent/v1/diagnostics/:request_id": MAX_DIAGNOSTICS_BYTES };
