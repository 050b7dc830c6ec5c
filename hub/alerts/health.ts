/**
 * Device health and the agent's update outcome as alert inputs, read from a camera's
 * observed state (pure). Health is the poll's `health` (shared/contracts/health.ts);
 * anything an agent does not report is null, and the rule reading it stays quiet.
 */
import type { ObservedState } from "../../shared/contracts/sync";
import { throttleFlags } from "../../shared/contracts/health";
import type { CameraAlertInput } from "./compute";

export type Health = Pick<CameraAlertInput, "socTempC" | "underVoltageNow" | "underVoltageSinceBoot" | "updateFailed" | "updateDetail">;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : null);
const FAILED_STATES = new Set(["failed", "rolled_back"]);

export function healthFromObserved(observed: unknown): Health {
  const o = obj(observed) ?? {};
  const h = (o as Partial<ObservedState>).health ?? null;
  const flags = h?.throttled == null ? null : throttleFlags(h.throttled);
  const u = obj(o.agent_update);
  const state = typeof u?.state === "string" ? u.state : null;
  const failed = u ? FAILED_STATES.has(state ?? "") : null;
  const detail = failed ? (typeof u!.error === "string" && u!.error ? u!.error : typeof u!.version === "string" ? u!.version : null) : null;
  return {
    socTempC: h?.soc_temp_c ?? null,
    underVoltageNow: flags ? flags.now.under_voltage : null,
    underVoltageSinceBoot: flags ? flags.since_boot.under_voltage : null,
    updateFailed: failed,
    updateDetail: detail,
  };
}
