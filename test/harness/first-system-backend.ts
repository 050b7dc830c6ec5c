import { basename, dirname } from "node:path";

/**
 * The first system's backend (nicholasmparker/Skylapse backend/main.py and
 * backend/exposure.py), as its HTTP calls to the Pi: the settings dict its
 * ExposureCalculator builds (meter → profile base → adaptive WB/EV), then
 * trigger_capture or, for a profile with hdr_enabled, trigger_bracket_capture,
 * each downloading what the Pi names. Requests are built the way its Python builds
 * them (dict.update, dict.get returning None → null) and sent verbatim.
 */

/** backend/config.json's profiles, verbatim (c and e are disabled there and left out). */
export const FIRST_SYSTEM_PROFILES: Record<string, { base: Record<string, unknown>; adaptive_wb: { enabled: boolean; curve?: string }; adaptive_ev: { enabled: boolean; curve?: string } }> = {
  a: {
    base: { iso: 0, shutter_speed: "auto", exposure_compensation: 0.0, awb_mode: 0, hdr_mode: 0, bracket_count: 1, ae_metering_mode: 0 },
    adaptive_wb: { enabled: false },
    adaptive_ev: { enabled: false },
  },
  b: {
    base: { awb_mode: 6, hdr_mode: 0, bracket_count: 1, af_mode: 0, lens_position: 2.45, sharpness: 8.0, contrast: 2.0, saturation: 2.0 },
    adaptive_wb: { enabled: true, curve: "warm" },
    adaptive_ev: { enabled: false },
  },
  d: {
    base: { awb_mode: 6, hdr_mode: 0, bracket_count: 1, af_mode: 0, lens_position: 2.45, hdr_enabled: true, bracket_exposures: [-2.0, 0.0, 2.0] },
    adaptive_wb: { enabled: true, curve: "warm" },
    adaptive_ev: { enabled: false },
  },
  f: {
    base: { iso: 0, shutter_speed: "auto", exposure_compensation: 0.7, awb_mode: 1, hdr_mode: 0, bracket_count: 1, ae_metering_mode: 1 },
    adaptive_wb: { enabled: false },
    adaptive_ev: { enabled: false },
  },
  g: {
    base: { awb_mode: 6, hdr_mode: 0, bracket_count: 1, af_mode: 0, lens_position: 2.45, sharpness: 1.5, contrast: 1.15, saturation: 1.05 },
    adaptive_wb: { enabled: true, curve: "balanced" },
    adaptive_ev: { enabled: true, curve: "adaptive" },
  },
};

/** shared/wb_curves.py (lux descending → kelvin / EV), the rows the profiles above use. */
const WB_CURVES: Record<string, [number, number][]> = {
  balanced: [[10000, 5500], [8000, 5500], [6000, 5450], [4000, 5300], [3000, 5100], [2000, 4800], [1500, 4600], [1000, 4300], [700, 4100], [500, 3900], [300, 3700], [100, 3500]],
  warm: [[10000, 5500], [8000, 5500], [6000, 5350], [4000, 5100], [3000, 4800], [2000, 4500], [1500, 4300], [1000, 4000], [700, 3800], [500, 3600], [300, 3500], [100, 3400]],
};
const EV_CURVES: Record<string, [number, number][]> = {
  adaptive: [[40000, -0.7], [30000, -0.5], [20000, -0.3], [10000, 0.0], [6000, 0.0], [3000, 0.3], [1500, 0.5], [1000, 0.7], [500, 1.0], [100, 1.0]],
};

function interpolate(lux: number, table: [number, number][]): number {
  if (lux >= table[0]![0]) return table[0]![1];
  if (lux <= table[table.length - 1]![0]) return table[table.length - 1]![1];
  for (let i = 0; i < table.length - 1; i++) {
    const [hi, a] = table[i]!;
    const [lo, b] = table[i + 1]!;
    if (lux <= hi && lux >= lo) return a + ((lux - hi) / (lo - hi)) * (b - a);
  }
  return table[0]![1];
}

/** ExposureCalculator.calculate_settings with the Pi's /meter, then _apply_profile_settings (no smoothing: all_day). */
export async function firstSystemSettings(pi: string, profile: string): Promise<Record<string, unknown>> {
  const meter = (await (await fetch(`${pi}/meter`)).json()) as { lux: number; suggested_iso: number; suggested_shutter: string };
  const p = FIRST_SYSTEM_PROFILES[profile]!;
  const settings: Record<string, unknown> = { iso: meter.suggested_iso, shutter_speed: meter.suggested_shutter, exposure_compensation: 0.0, profile };
  Object.assign(settings, p.base);
  if (p.adaptive_wb.enabled) {
    settings.awb_mode = 6;
    settings.wb_temp = Math.trunc(interpolate(meter.lux, WB_CURVES[p.adaptive_wb.curve ?? "balanced"]!));
  }
  if (p.adaptive_ev.enabled) settings.exposure_compensation = Math.round(interpolate(meter.lux, EV_CURVES[p.adaptive_ev.curve ?? "adaptive"]!) * 100) / 100;
  return settings;
}

async function raiseForStatus(res: Response, what: string): Promise<Response> {
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

/** trigger_capture: POST /capture, then GET /images/<parent dir of image_path>/<file name>. */
export async function triggerCapture(pi: string, settings: Record<string, unknown>, backendName: string | null) {
  const body: Record<string, unknown> = { ...settings, ...(backendName ? { backend_name: backendName } : {}) };
  const res = await raiseForStatus(await fetch(`${pi}/capture`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }), "POST /capture");
  const result = (await res.json()) as Record<string, any>;
  if (result.status !== "success") throw new Error(`POST /capture answered status ${result.status}`);
  const imagePath = result.image_path as string;
  if (!imagePath) throw new Error("Pi did not return image_path");
  const url = `/images/${basename(dirname(imagePath))}/${basename(imagePath)}`;
  const image = new Uint8Array(await (await raiseForStatus(await fetch(pi + url), `GET ${url}`)).arrayBuffer());
  return { body, result, url, image };
}

/** trigger_bracket_capture: POST /capture-bracket with its request dict, then each frame from /images/profile-<p>/<filename>. */
export async function triggerBracketCapture(pi: string, settings: Record<string, unknown>, backendName: string | null) {
  const get = (key: string, fallback: unknown = null) => (key in settings ? settings[key] : fallback);
  const body: Record<string, unknown> = {
    bracket_exposures: get("bracket_exposures", [-2.0, 0.0, 2.0]),
    iso: get("iso", 100),
    shutter_speed: get("shutter_speed", "1/500"),
    profile: get("profile", "d"),
    awb_mode: get("awb_mode", 1),
    wb_temp: get("wb_temp"),
    af_mode: get("af_mode"),
    lens_position: get("lens_position"),
    sharpness: get("sharpness"),
    contrast: get("contrast"),
    saturation: get("saturation"),
    ...(backendName ? { backend_name: backendName } : {}),
  };
  const res = await raiseForStatus(await fetch(`${pi}/capture-bracket`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }), "POST /capture-bracket");
  const result = (await res.json()) as Record<string, any>;
  if (result.status !== "success") throw new Error(`POST /capture-bracket answered status ${result.status}`);
  const filenames = (result.filenames ?? []) as string[];
  if (!filenames.length || !result.bracket_count) throw new Error("Pi did not return bracket filenames");
  const images: Uint8Array[] = [];
  for (const filename of filenames) {
    const url = `/images/profile-${get("profile", "default")}/${filename}`;
    images.push(new Uint8Array(await (await raiseForStatus(await fetch(pi + url), `GET ${url}`)).arrayBuffer()));
  }
  return { body, result, images };
}
