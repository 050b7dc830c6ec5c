import * as v from "valibot";
import { DECIMAL_DIGITS, DECIMAL_DIGITS_MESSAGE } from "../../shared/http";
import { SeedBracketRequest, SeedCaptureRequest, SeedDeployRequest } from "../../shared/contracts/seed-api";

const isoTime = v.pipe(v.string(), v.isoTimestamp("must be an ISO 8601 time like 2026-11-24T06:30:00Z"));
const slug = v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "use lower-case letters, digits, '_' and '-'"));
/** The query rule of shared/http's queryInt, in valibot. */
const intIn = (min: number, max: number) => v.pipe(v.string(), v.regex(DECIMAL_DIGITS, DECIMAL_DIGITS_MESSAGE), v.transform(Number), v.minValue(min), v.maxValue(max));

/** The edge's own local surfaces (valibot); the seed's bodies are shared wire contracts (zod). */
export const localModel = {
  capturesQuery: v.strictObject({
    from: v.optional(isoTime),
    to: v.optional(isoTime),
    schedule: v.optional(slug),
    profile: v.optional(slug),
    outcome: v.optional(v.picklist(["captured", "failed", "missed"], "must be captured, failed or missed")),
    uploaded: v.optional(v.pipe(v.picklist(["true", "false"], "must be true or false"), v.transform((s) => s === "true"))),
    limit: v.optional(intIn(1, 1000), "100"),
    before: v.optional(intIn(1, Number.MAX_SAFE_INTEGER)),
  }),
  captureParams: v.strictObject({ id: v.pipe(v.string(), v.regex(/^[\w-]{1,64}$/, "not a capture id")) }),
  profileParams: v.strictObject({ profile: slug }),
  latestQuery: v.strictObject({ profile: v.optional(slug) }),
  listQuery: v.strictObject({ limit: v.optional(intIn(1, 1000), "1000") }),
  /** The first system's static mount: a folder name and a file name, nothing that climbs out. */
  imageParams: v.strictObject({
    "*": v.pipe(v.string(), v.regex(/^[\w-]{1,80}\/[\w+.-]{1,128}\.jpg$/, "must be FOLDER/FILE.jpg"), v.check((f) => !f.includes(".."), "must not contain '..'")),
  }),
  staticParams: v.strictObject({ file: v.pipe(v.string(), v.regex(/^[\w-]+(\.[\w-]+)*\.(html|css|js|png|jpg|svg)$/, "not a page file")) }),
  focusQuery: v.strictObject({
    // Any decimal its page sends (a stepped position can read 0.30000000000000004 or 5e-17); 0 to 32 dioptres.
    lens_position: v.pipe(v.string(), v.regex(/^\d*\.?\d+(e-?\d+)?$/i, "must be a number of dioptres"), v.transform(Number), v.maxValue(32)),
  }),
  captureBody: SeedCaptureRequest,
  bracketBody: SeedBracketRequest,
  deployBody: SeedDeployRequest,
};
