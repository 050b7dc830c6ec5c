import { z } from "zod";
import { bracketProblem, SeedBase, Slug } from "./profile";
import { EvTable, KelvinTable } from "./settings";

/**
 * The first system's Pi API (seed-edge-api.md): its field names, its codes and
 * its limits, so clients written for it work unchanged.
 */
export const SEED_ISO = [0, 100, 200, 400, 800, 1600, 3200] as const;

const seedEv = z.number().min(-2).max(2);

/** Names a folder on the Pi, so it is held to a safe file name. */
export const TestId = z
  .string()
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$/, "letters, digits, '_', '-' and '.', at most 64")
  .refine((s) => !s.includes(".."), "must not contain '..'");

/** Explicit capture settings as the seed's live orchestration sent them. */
export const SeedCaptureSettings = z
  .object({
    iso: z.number().int().refine((v) => (SEED_ISO as readonly number[]).includes(v), "must be 0 (auto) or one of 100, 200, 400, 800, 1600, 3200"),
    shutter_speed: SeedBase.shape.shutter_speed.unwrap(),
    exposure_compensation: seedEv,
    awb_mode: SeedBase.shape.awb_mode.unwrap(),
    wb_temp: SeedBase.shape.wb_temp.unwrap(),
    ae_metering_mode: SeedBase.shape.ae_metering_mode.unwrap(),
    af_mode: SeedBase.shape.af_mode.unwrap(),
    lens_position: SeedBase.shape.lens_position.unwrap(),
    sharpness: SeedBase.shape.sharpness.unwrap(),
    contrast: SeedBase.shape.contrast.unwrap(),
    saturation: SeedBase.shape.saturation.unwrap(),
    hdr_mode: SeedBase.shape.hdr_mode.unwrap(),
    bracket_count: z.union([z.literal(1), z.literal(3), z.literal(5)]),
    bracket_ev: z.array(seedEv).max(9),
    quality: z.number().int().min(1).max(100),
  })
  .partial();
export type SeedCaptureSettings = z.infer<typeof SeedCaptureSettings>;

const SeedOverride = SeedCaptureSettings.extend({ ev_compensation: seedEv.optional(), metering_mode: SeedBase.shape.metering_mode }).superRefine((o, ctx) => {
  const problem = bracketProblem(o.bracket_count, o.bracket_ev);
  if (problem) ctx.addIssue({ code: "custom", path: ["bracket_ev"], message: problem });
});

const SeedCaptureFields = SeedCaptureSettings.extend({
  profile: Slug.optional(),
  schedule: Slug.optional(),
  use_deployed_profile: z.boolean().optional(),
  schedule_type: Slug.optional(),
  override: SeedOverride.optional(),
  test_id: TestId.optional(),
  /** Ours, not the seed's: the planned tick a live-orchestrated capture is for, so agent and hub name it alike. */
  planned_at: z.iso.datetime({ offset: true }).optional(),
}).superRefine((req, ctx) => {
  const count = req.bracket_count ?? 1;
  if (count > 1 && (req.bracket_ev?.length ?? 0) < count)
    ctx.addIssue({ code: "custom", path: ["bracket_ev"], message: `needs at least ${count} values for bracket_count ${count}` });
  if ((req.override || req.test_id) && !req.use_deployed_profile)
    ctx.addIssue({ code: "custom", path: ["use_deployed_profile"], message: "override and test_id apply to captures with use_deployed_profile: true" });
});

const SeedBracketFields = SeedCaptureSettings.extend({
  /** The first system's field: the EV offset of each frame, in order. */
  bracket_exposures: z.array(seedEv).min(2, "a bracket needs at least 2 EV offsets").max(9).optional(),
  profile: Slug.optional(),
  schedule: Slug.optional(),
}).superRefine((req, ctx) => {
  if (req.bracket_exposures) return;
  if (req.bracket_count === 1) ctx.addIssue({ code: "custom", path: ["bracket_count"], message: "a bracket has 3 or 5 frames" });
  const count = req.bracket_count ?? 3;
  if (req.bracket_ev && req.bracket_ev.length < count)
    ctx.addIssue({ code: "custom", path: ["bracket_ev"], message: `needs at least ${count} values for bracket_count ${count}` });
});

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Pydantic's `null`: "not given", at any depth of an object (arrays keep their items). */
function withoutNulls(value: unknown): unknown {
  if (!isRecord(value)) return value;
  return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v === null ? [] : [[k, withoutNulls(v)]])));
}

function unknownKeys(value: unknown, known: z.ZodObject, prefix = ""): string[] {
  if (!isRecord(value)) return [];
  return Object.keys(value).flatMap((k) => {
    const field = known.shape[k];
    if (!field) return [prefix + k];
    const inner = field instanceof z.ZodOptional ? field.unwrap() : field;
    return inner instanceof z.ZodObject ? unknownKeys(value[k], inner, `${prefix}${k}.`) : [];
  });
}

/**
 * A body read the way the first system's Pydantic models read it, which its clients
 * rely on: `null` means "not given", keys it does not know are ignored (the output
 * names them in `ignored`, so the agent can say so). Values are still checked.
 */
function asFirstSystemRead<S extends z.ZodObject>(schema: S) {
  return z.unknown().transform((raw, ctx) => {
    const body = withoutNulls(raw);
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue(issue as never);
      return z.NEVER;
    }
    return { ...(parsed.data as z.output<S>), ignored: unknownKeys(body, schema) };
  });
}

/** POST /capture: explicit settings, the deployed profile, or the profile with a one-capture override. */
export const SeedCaptureRequest = asFirstSystemRead(SeedCaptureFields);
export type SeedCaptureRequest = z.output<typeof SeedCaptureRequest>;

/** POST /capture-bracket: `bracket_exposures` (2 to 9 offsets), or ours, bracket_count 3 or 5 with bracket_ev (default 3 at −2, 0, +2 EV). */
export const SeedBracketRequest = asFirstSystemRead(SeedBracketFields);
export type SeedBracketRequest = z.output<typeof SeedBracketRequest>;

const seedTable = (table: typeof KelvinTable | typeof EvTable) => z.object({ enabled: z.boolean().default(true), lux_table: table.optional() }).strict();

/** POST /profile/deploy: a compiled snapshot in the seed's shape. */
export const SeedDeployRequest = z
  .object({
    profile_id: Slug,
    version: z.string().regex(/^\d+\.\d+\.\d+$/, 'use a semantic version like "1.0.0"').default("1.0.0"),
    settings: z
      .object({
        base: SeedBase.default({}),
        adaptive_wb: seedTable(KelvinTable).optional(),
        adaptive_ev: seedTable(EvTable).optional(),
        schedule_overrides: z.record(Slug, SeedBase).default({}),
      })
      .strict(),
    schedules: z.array(Slug).max(32).optional(),
    deployed_at: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .superRefine((req, ctx) => {
    for (const key of ["adaptive_wb", "adaptive_ev"] as const) {
      const a = req.settings[key];
      if (a?.enabled && !a.lux_table) ctx.addIssue({ code: "custom", path: ["settings", key, "lux_table"], message: "an enabled table needs lux_table" });
    }
  });
export type SeedDeployRequest = z.infer<typeof SeedDeployRequest>;
