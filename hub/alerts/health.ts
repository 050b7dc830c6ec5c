/**
 * Device health and the agent's update outcome as alert inputs, read from a camera's
 * observed state when its agent reports them (pure). Agents report them under `health`
 * and `agent_update` (or `update`); the few spellings below are accepted so the rules
 * work whichever the agent uses, and anything absent is null (the rule stays quiet).
 */
import type { CameraAlertInput } from "./compute";

export type Health = Pick<CameraAlertInput, "socTempC" | "underVoltageNow" | "underVoltageSinceBoot" | "updateFailed" | "updateDetail">;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : null);
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
const bool = (v: unknown) => (typeof v === "boolean" ? v : null);
const first = <T>(read: (v: unknown) => T | null, ...values: unknown[]): T | null => {
  for (const v of values) {
    const r = read(v);
    if (r !== null) return r;
  }
  return null;
};

/** The firmware's get_throttled word: a number, "0x50005", or `{bits}`/`{raw}`. */
function throttledBits(v: unknown): number | null {
  if (typeof v === "string" && /^(0x)?[0-9a-f]+$/i.test(v)) return Number.parseInt(v.replace(/^0x/i, ""), 16);
  return num(v) ?? num(obj(v)?.bits) ?? num(obj(v)?.raw);
}

/** Bit 0: under-voltage now; bit 16: under-voltage has occurred since boot. */
const UNDER_VOLTAGE_NOW = 0x1;
const UNDER_VOLTAGE_SINCE_BOOT = 0x10000;
const FAILED_STATES = new Set(["failed", "rolled_back", "rollback", "rolledback", "verification_failed"]);

export function healthFromObserved(observed: unknown): Health {
  const o = obj(observed) ?? {};
  const h = obj(o.health) ?? {};
  const t = obj(h.throttled) ?? {};
  const uv = obj(h.under_voltage) ?? obj(t.under_voltage) ?? {};
  const bits = throttledBits(h.throttled) ?? throttledBits(h.throttled_bits);
  const temperature = obj(h.temperature) ?? {};
  const u = obj(o.agent_update) ?? obj(o.update);
  const state = typeof (u?.state ?? u?.status ?? u?.outcome) === "string" ? String(u!.state ?? u!.status ?? u!.outcome) : null;
  const failed = u ? (bool(u.failed) ?? (state === null ? null : FAILED_STATES.has(state))) : null;
  const detail = failed ? first((v) => (typeof v === "string" && v ? v : null), u!.error, u!.detail, u!.reason, u!.version) : null;
  return {
    socTempC: first(num, h.soc_temp_c, h.soc_temperature_c, h.cpu_temp_c, temperature.soc_c, h.temperature_c),
    underVoltageNow: first(bool, h.under_voltage_now, t.under_voltage_now, uv.now, h.under_voltage) ?? (bits === null ? null : (bits & UNDER_VOLTAGE_NOW) !== 0),
    underVoltageSinceBoot:
      first(bool, h.under_voltage_since_boot, t.under_voltage_since_boot, uv.since_boot, h.under_voltage_occurred, t.under_voltage_occurred) ??
      (bits === null ? null : (bits & UNDER_VOLTAGE_SINCE_BOOT) !== 0),
    updateFailed: failed,
    updateDetail: detail,
  };
}
