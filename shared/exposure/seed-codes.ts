import type { Metering, WhiteBalanceMode } from "../contracts/settings";

/** The first system's `awb_mode` codes (not libcamera's AwbMode numbering). */
export const SEED_AWB_CODES: Record<number, WhiteBalanceMode> = {
  0: "auto",
  1: "daylight",
  2: "cloudy",
  3: "tungsten",
  4: "fluorescent",
  5: "incandescent",
  6: "kelvin",
};

/** The first system's `ae_metering_mode` codes. */
export const SEED_METERING_CODES: Record<number, Metering> = { 0: "centre", 1: "spot", 2: "matrix" };

export const SEED_AF_CODES: Record<number, "manual" | "auto" | "continuous"> = { 0: "manual", 1: "auto", 2: "continuous" };

export function seedCodeOf<V extends string>(codes: Record<number, V>, value: V): number {
  const entry = Object.entries(codes).find(([, v]) => v === value);
  if (!entry) throw new Error(`no seed code for ${value}`);
  return Number(entry[0]);
}

/** "1/500" → 2000 µs, "2" → 2 s, "auto" → null. */
export function parseSeedShutter(text: string): number | null {
  if (text === "auto") return null;
  if (text.startsWith("1/")) return Math.round(1_000_000 / Number(text.slice(2)));
  return Math.round(Number(text) * 1_000_000);
}

/** 2000 µs → "1/500", 2 s → "2". */
export function formatSeedShutter(us: number): string {
  if (us >= 1_000_000) return String(Math.round((us / 1_000_000) * 10) / 10);
  return `1/${Math.round(1_000_000 / us)}`;
}

const ISO_STEPS = [100, 200, 400, 800, 1600, 3200];
/** Analogue gain → the nearest standard ISO (gain × 100 snapped to 100…3200). */
export function suggestIso(analogueGain: number): number {
  const iso = analogueGain * 100;
  return ISO_STEPS.reduce((best, step) => (Math.abs(Math.log2(step / iso)) < Math.abs(Math.log2(best / iso)) ? step : best));
}
