/**
 * Device health and the outcome of the agent's last update (its `update.history`) as alert inputs, read from a camera's
 * observed state (pure). Health is the poll's `health` (shared/contracts/health.ts);
 * anything an agent does not report is null, and the rule reading it stays quiet.
 */
import type { ObservedState } from "../../shared/contracts/sync";
import { throttleFlags } from "../../shared/contracts/health";
import type { CameraAlertInput } from "./compute";

export type Health = Pick<CameraAlertInput, "socTempC" | "underVoltageNow" | "underVoltageSinceBoot" | "updateFailed" | "updateDetail">;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : null);

export function healthFromObserved(observed: unknown): Health {
  const o = obj(observed) ?? {};
  const h = (o as Partial<ObservedState>).health ?? null;
  const flags = h?.throttled == null ? null : throttleFlags(h.throttled);
  // The updater's latest outcome stands until a later one: a rolled-back or refused
  // release stays an alert until an update installs.
  const last = (o as Partial<ObservedState>).update?.history.at(-1) ?? null;
  const failed = last ? last.result !== "installed" : null;
  const detail = failed ? `${last!.version} ${last!.result.replace("_", " ")}${last!.detail ? `: ${last!.detail}` : ""}` : null;
  return {
    socTempC: h?.soc_temp_c ?? null,
    underVoltageNow: flags ? flags.now.under_voltage : null,
    underVoltageSinceBoot: flags ? flags.since_boot.under_voltage : null,
    updateFailed: failed,
    updateDetail: detail,
  };
}
