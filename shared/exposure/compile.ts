import { contentChecksum } from "../canonical";
import {
  RAMP_DEFAULTS,
  RampParams,
  type ProfileDefinition,
  type ProfileSnapshot,
  type SeedBase,
  type SeedProfileDefinition,
} from "../contracts/profile";
import type { SeedDeployRequest } from "../contracts/seed-api";
import { CaptureSettings, DEFAULT_SETTINGS, type SettingsOverride } from "../contracts/settings";
import { EV_CURVE_TABLES, WB_CURVE_TABLES } from "./curves";
import { formatSeedShutter, parseSeedShutter, SEED_AF_CODES, SEED_AWB_CODES, SEED_METERING_CODES, seedCodeOf } from "./seed-codes";

const DEFAULT_BRACKETS: Record<3 | 5, number[]> = { 3: [-2, 0, 2], 5: [-2, -1, 0, 1, 2] };

/** The seed's `base` (names and codes of the first system) as our named override. */
export function seedBaseToOverride(base: SeedBase): SettingsOverride {
  const out: SettingsOverride = {};
  if (base.iso !== undefined) out.iso = base.iso === 0 ? null : base.iso;
  if (base.shutter_speed !== undefined) out.shutter_us = parseSeedShutter(base.shutter_speed);
  const ev = base.exposure_compensation ?? base.ev_compensation;
  if (ev !== undefined) out.ev = ev;
  if (base.awb_mode !== undefined) {
    const mode = SEED_AWB_CODES[base.awb_mode]!;
    out.white_balance = mode === "kelvin" ? { mode, kelvin: base.wb_temp ?? 5500 } : { mode };
  } else if (base.wb_temp !== undefined) out.white_balance = { mode: "kelvin", kelvin: base.wb_temp };
  const metering = base.ae_metering_mode ?? base.metering_mode;
  if (metering !== undefined) out.metering = SEED_METERING_CODES[metering];
  if (base.af_mode !== undefined) out.focus = SEED_AF_CODES[base.af_mode];
  if (base.lens_position !== undefined) out.lens_position = base.lens_position;
  for (const key of ["sharpness", "contrast", "saturation", "quality"] as const) {
    if (base[key] !== undefined) out[key] = base[key];
  }
  const count = base.bracket_count ?? (base.bracket_exposures?.length === 5 ? 5 : undefined);
  if (base.hdr_enabled === false || count === 1) out.bracket = null;
  else if (count === 3 || count === 5 || base.hdr_enabled) {
    const n = count === 5 ? 5 : 3;
    // The schema guarantees at least n values when bracket_exposures is given.
    const ev = base.bracket_exposures?.length ? base.bracket_exposures : DEFAULT_BRACKETS[n];
    out.bracket = { count: n, ev: ev.slice(0, n) };
  }
  return out;
}

/**
 * Our settings as the seed's explicit capture request (live orchestration):
 * named modes become the seed's codes. The seed's API caps EV at ±2.
 */
export function settingsToSeedRequest(s: CaptureSettings) {
  return {
    iso: s.iso ?? 0,
    shutter_speed: s.shutter_us === null ? "auto" : formatSeedShutter(s.shutter_us),
    exposure_compensation: Math.max(-2, Math.min(2, s.ev)),
    awb_mode: seedCodeOf(SEED_AWB_CODES, s.white_balance.mode),
    ...(s.white_balance.mode === "kelvin" ? { wb_temp: s.white_balance.kelvin } : {}),
    ae_metering_mode: seedCodeOf(SEED_METERING_CODES, s.metering),
    af_mode: seedCodeOf(SEED_AF_CODES, s.focus),
    ...(s.lens_position === null ? {} : { lens_position: s.lens_position }),
    sharpness: s.sharpness,
    contrast: s.contrast,
    saturation: s.saturation,
    quality: s.quality,
    ...(s.bracket ? { bracket_count: s.bracket.count, bracket_ev: s.bracket.ev.map((ev) => Math.max(-2, Math.min(2, ev))) } : {}),
  };
}

/** Turns either accepted form into our own profile definition. */
export function normalizeDefinition(input: ProfileDefinition | SeedProfileDefinition): ProfileDefinition {
  if (!("settings" in input)) return input;
  const s = input.settings;
  const overrides: Record<string, SettingsOverride> = {};
  for (const [schedule, base] of Object.entries(s.schedule_overrides ?? {})) overrides[schedule] = seedBaseToOverride(base);
  return {
    name: input.name,
    description: input.description,
    extends: input.extends,
    base: seedBaseToOverride(s.base),
    adaptive_wb: s.adaptive_wb && (s.adaptive_wb.enabled ? { curve: s.adaptive_wb.curve ?? "balanced" } : null),
    adaptive_ev: s.adaptive_ev && (s.adaptive_ev.enabled ? { curve: s.adaptive_ev.curve ?? "standard" } : null),
    schedule_overrides: overrides,
  };
}

/**
 * Resolves `extends` chains: the child's fields win over its parent's, and each
 * schedule override merges field by field. Missing parents and cycles are refused.
 */
export function resolveInheritance(id: string, definitions: Record<string, ProfileDefinition>): ProfileDefinition {
  const chain: string[] = [];
  let current: string | undefined = id;
  while (current !== undefined) {
    if (chain.includes(current)) throw new Error(`profile ${id}: inheritance cycle ${[...chain, current].join(" → ")}`);
    const def: ProfileDefinition | undefined = definitions[current];
    if (!def) {
      throw new Error(
        chain.length ? `profile ${chain[chain.length - 1]}: extends unknown profile '${current}'` : `unknown profile '${id}'`,
      );
    }
    chain.push(current);
    current = def.extends;
  }
  return chain
    .reverse()
    .map((name) => definitions[name]!)
    .reduce<ProfileDefinition>(
      (parent, child) => ({
        name: child.name ?? parent.name,
        description: child.description ?? parent.description,
        base: { ...parent.base, ...child.base },
        adaptive_wb: child.adaptive_wb !== undefined ? child.adaptive_wb : parent.adaptive_wb,
        adaptive_ev: child.adaptive_ev !== undefined ? child.adaptive_ev : parent.adaptive_ev,
        schedule_overrides: mergeOverrides(parent.schedule_overrides, child.schedule_overrides),
        // A child's ramp fields win one by one over its parent's; null switches ramping off.
        ramp: child.ramp === undefined ? parent.ramp : child.ramp === null ? null : { ...parent.ramp, ...child.ramp },
      }),
      { base: {}, schedule_overrides: {} },
    );
}

function mergeOverrides(a: Record<string, SettingsOverride>, b: Record<string, SettingsOverride>) {
  const out: Record<string, SettingsOverride> = { ...a };
  for (const [schedule, o] of Object.entries(b)) out[schedule] = { ...a[schedule], ...o };
  return out;
}

export type SnapshotContent = Omit<ProfileSnapshot, "version" | "checksum">;

/** A snapshot deployed by hand in the seed's shape (POST /profile/deploy) as our own snapshot. */
export function snapshotFromSeedDeploy(req: SeedDeployRequest): ProfileSnapshot {
  const s = req.settings;
  const table = (a: SeedDeployRequest["settings"]["adaptive_wb"]) => (a?.enabled && a.lux_table ? a.lux_table : null);
  const overrides: Record<string, SettingsOverride> = {};
  for (const [schedule, base] of Object.entries(s.schedule_overrides)) overrides[schedule] = seedBaseToOverride(base);
  const content: SnapshotContent = {
    profile_id: req.profile_id,
    base: CaptureSettings.parse({ ...DEFAULT_SETTINGS, ...seedBaseToOverride(s.base) }),
    wb_table: table(s.adaptive_wb),
    ev_table: table(s.adaptive_ev),
    schedule_overrides: overrides,
  };
  return snapshotOf(content, req.version);
}

/** Compiles a resolved definition: curve names become explicit lux tables, defaults are filled (the ramp's too). */
export function compileContent(profileId: string, def: ProfileDefinition): SnapshotContent {
  const base = CaptureSettings.parse({ ...DEFAULT_SETTINGS, ...def.base });
  const wb = def.adaptive_wb ?? null;
  const ev = def.adaptive_ev ?? null;
  return {
    profile_id: profileId,
    base,
    wb_table: wb ? ("curve" in wb ? WB_CURVE_TABLES[wb.curve] : wb.table) : null,
    ev_table: ev ? ("curve" in ev ? EV_CURVE_TABLES[ev.curve] : ev.table) : null,
    schedule_overrides: def.schedule_overrides,
    // Only a ramped profile has the key, so every other snapshot keeps its checksum.
    ...(def.ramp ? { ramp: RampParams.parse({ ...RAMP_DEFAULTS, ...def.ramp }) } : {}),
  };
}

/** The checksum covers the executable content only, so equal content means an equal checksum. */
export function snapshotOf(content: SnapshotContent, version: string): ProfileSnapshot {
  return { ...content, version, checksum: contentChecksum(content) };
}
