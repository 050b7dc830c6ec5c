import { z } from "zod";
import { type Clock, SimulatedClock, SystemClock } from "./clock";

/** Environment variables with empty values count as unset. */
export function readEnv(env: Record<string, string | undefined>, prefix = "SKYLAPSE_"): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith(prefix) && value !== undefined && value.trim() !== "") out[key] = value.trim();
  }
  return out;
}

const isoInstant = z.iso.datetime({ offset: true, message: "must be an ISO 8601 time with a zone, like 2026-06-21T04:00:00Z" });

export const clockEnvSchema = z.object({
  SKYLAPSE_CLOCK_START: isoInstant.optional(),
  SKYLAPSE_CLOCK_SPEED: z.coerce.number().positive().max(100_000).optional(),
  SKYLAPSE_CLOCK_ANCHOR: isoInstant.optional(),
});

/** Formats the first issue of a zod error as "FIELD: reason". */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("; ");
}

/** Builds the process clock from SKYLAPSE_CLOCK_* (system clock when START is unset). */
export function clockFromEnv(env: Record<string, string>, processStart = Date.now()): Clock {
  const parsed = clockEnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid clock settings: ${describeZodError(parsed.error)}`);
  const { SKYLAPSE_CLOCK_START: start, SKYLAPSE_CLOCK_SPEED: speed, SKYLAPSE_CLOCK_ANCHOR: anchor } = parsed.data;
  if (!start) {
    if (speed !== undefined || anchor !== undefined)
      throw new Error("invalid clock settings: SKYLAPSE_CLOCK_SPEED and SKYLAPSE_CLOCK_ANCHOR need SKYLAPSE_CLOCK_START");
    return new SystemClock();
  }
  return new SimulatedClock({
    start: Date.parse(start),
    speed: speed ?? 1,
    anchor: anchor ? Date.parse(anchor) : processStart,
  });
}
