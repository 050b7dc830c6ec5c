import { z } from "zod";
import { SEED_ISO } from "../../shared/contracts/seed-api";
import type { CaptureSettings } from "../../shared/contracts/settings";
import { settingsToSeedRequest } from "../../shared/exposure/compile";

/**
 * The first system's Pi API (nicholasmparker/Skylapse `pi/main.py`), as the hub
 * drives it in live mode: what its /capture understands and how its pictures are
 * served. Pure functions; the calls are in service.ts.
 */

/** The profile names its /capture accepts (anything else is a 422 there); they name its image folders. */
const FIRST_SYSTEM_PROFILES = new Set(["default", "a", "b", "c", "d", "e", "f", "g"]);

const nearestIso = (iso: number) => SEED_ISO.slice(1).reduce((best, step) => (Math.abs(Math.log2(step / iso)) < Math.abs(Math.log2(best / iso)) ? step : best));

/**
 * Our settings as its explicit-settings /capture body: only the fields it reads.
 * It has no half-automatic mode, so an automatic ISO or shutter means full auto (iso 0);
 * a manual ISO snaps to its steps (100…3200); EV is capped at ±2 as it requires.
 */
export function firstSystemCaptureRequest(settings: CaptureSettings, profile: string) {
  const seed = settingsToSeedRequest(settings);
  const manual = settings.iso !== null && settings.shutter_us !== null;
  return {
    iso: manual ? nearestIso(settings.iso!) : 0,
    shutter_speed: manual ? seed.shutter_speed : "1/500",
    exposure_compensation: seed.exposure_compensation,
    profile: FIRST_SYSTEM_PROFILES.has(profile) ? profile : "default",
    awb_mode: seed.awb_mode,
    ...(seed.wb_temp === undefined ? {} : { wb_temp: seed.wb_temp }),
    ae_metering_mode: seed.ae_metering_mode,
    af_mode: seed.af_mode,
    ...(seed.lens_position === undefined ? {} : { lens_position: seed.lens_position }),
    sharpness: seed.sharpness,
    contrast: seed.contrast,
    saturation: seed.saturation,
    ...(seed.bracket_count === undefined ? {} : { bracket_count: seed.bracket_count, bracket_ev: seed.bracket_ev }),
  };
}

/** Its /capture answer (`CaptureResponse`). */
export const FirstSystemCaptureReply = z.object({ status: z.string(), image_path: z.string().nullish(), message: z.string().nullish() });

/**
 * Where it serves a capture: `/images/<parent folder of image_path>/<file>`, as its own
 * backend downloads them; then `/images/<file>` for a picture in the image root
 * (profile "default"), which its static mount serves there.
 */
export function firstSystemImagePaths(imagePath: string): { file: string; urls: string[] } {
  const parts = imagePath.split("/").filter(Boolean);
  const name = parts.at(-1) ?? "";
  const folder = parts.at(-2);
  const safe = (s: string) => /^[\w][\w.-]*$/.test(s) && !s.includes("..");
  if (!safe(name)) throw new Error(`its image_path ${JSON.stringify(imagePath)} does not name a file`);
  if (!folder || !safe(folder)) return { file: name, urls: [`/images/${name}`] };
  return { file: `${folder}/${name}`, urls: [`/images/${folder}/${name}`, `/images/${name}`] };
}
