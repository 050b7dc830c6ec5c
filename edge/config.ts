import * as v from "valibot";
import { publicKeyBytes } from "../shared/release/public-key";
import { hasStoredToken } from "./sync/enroll";

const Int = (min: number, max: number, what = "an integer") =>
  v.pipe(v.string(), v.regex(/^\d+$/, `must be ${what}`), v.transform(Number), v.minValue(min), v.maxValue(max));
const Flag = v.pipe(v.picklist(["0", "1", "true", "false"], "must be true or false"), v.transform((s) => s === "1" || s === "true"));

const Port = v.pipe(v.string(), v.regex(/^\d+$/, "must be a port number"), v.transform(Number), v.minValue(0), v.maxValue(65535));

/** The agent's environment (SKYLAPSE_*); empty values count as unset. */
export const AgentEnv = v.pipe(
  v.object({
    SKYLAPSE_PORT: v.optional(Port, "8080"),
    SKYLAPSE_HOST: v.optional(v.string(), "0.0.0.0"),
    SKYLAPSE_DATA_DIR: v.optional(v.string(), ".data/edge"),
    SKYLAPSE_HUB_URL: v.optional(v.pipe(v.string(), v.url("must be a URL like http://hub:8082"), v.regex(/^https?:\/\//, "must be http(s)"))),
    SKYLAPSE_CAMERA_ID: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "use lower-case letters, digits, '_' and '-'"))),
    SKYLAPSE_AGENT_TOKEN: v.optional(v.pipe(v.string(), v.minLength(16, "is too short to be an agent token"))),
    /** One-time code from `POST /api/cameras/{id}/enrollment`, exchanged for a token kept in DATA_DIR/agent-token. */
    SKYLAPSE_ENROLLMENT_CODE: v.optional(v.pipe(v.string(), v.minLength(8, "is too short to be an enrollment code"), v.maxLength(100, "is too long to be an enrollment code"))),
    /** Technician token for the local API's writes; without it they are open (and the agent warns). */
    SKYLAPSE_EDGE_TOKEN: v.optional(v.pipe(v.string(), v.minLength(16, "use at least 16 characters"))),
    SKYLAPSE_CAMERA_DRIVER: v.optional(v.picklist(["simulated", "rpicam"], "must be simulated or rpicam"), "simulated"),
    /** The rpicam-still to run (a path, or a name on PATH). */
    SKYLAPSE_RPICAM_BIN: v.optional(v.string(), "rpicam-still"),
    /** Real ms before a hung rpicam-still is killed and the capture recorded as a timeout. */
    SKYLAPSE_RPICAM_TIMEOUT_MS: v.optional(Int(1000, 3_600_000), "30000"),
    /** Where device health comes from: the Pi's files and tools, or the simulation (default: simulated with the simulated camera). */
    SKYLAPSE_HEALTH_SOURCE: v.optional(v.picklist(["system", "simulated"], "must be system or simulated")),
    /** Prefix of /proc and /sys for the system health source. */
    SKYLAPSE_HEALTH_ROOT: v.optional(v.string(), "/"),
    SKYLAPSE_SIM_SEED: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, "must be a non-negative integer"), v.transform(Number)), "1"),
    SKYLAPSE_BATCH_SIZE: v.optional(Int(1, 500), "200"),
    /** Most megabytes of images to keep (unset: no budget, only the free-space floor). */
    SKYLAPSE_STORAGE_BUDGET_MB: v.optional(Int(1, 10_000_000)),
    SKYLAPSE_MIN_FREE_MB: v.optional(Int(0, 10_000_000), "200"),
    /** Allow deleting images the hub does not have yet when storage runs out (default: keep them, refuse new captures). */
    SKYLAPSE_PURGE_UNUPLOADED: v.optional(Flag, "false"),
    /** Declare the system clock trustworthy from boot (RTC with battery, GPS). */
    SKYLAPSE_CLOCK_TRUSTED: v.optional(Flag, "false"),
    SKYLAPSE_NTP_SYNC_FILE: v.optional(v.string(), "/run/systemd/timesync/synchronized"),
    /** The OS boot's id: a process restart within one boot keeps a trusted clock, a reboot does not. */
    SKYLAPSE_BOOT_ID_FILE: v.optional(v.string(), "/proc/sys/kernel/random/boot_id"),
    /** Cadence of safety captures while the clock is untrusted, seconds. */
    SKYLAPSE_UNTRUSTED_INTERVAL: v.optional(Int(1, 86_400), "60"),
    /** Real seconds after start before the first safety capture: time for the first poll to vouch for the clock. */
    SKYLAPSE_UNTRUSTED_GRACE_SECONDS: v.optional(Int(0, 3600), "10"),
    /** Real ms before a request to the hub is given up (a stalled link). */
    SKYLAPSE_HTTP_TIMEOUT_MS: v.optional(Int(100, 600_000), "15000"),
    /** The link's cap, kilobits per second of real time: all hub traffic counts, image uploads and update downloads wait within it; unset: none. */
    SKYLAPSE_IMAGE_BANDWIDTH_KBPS: v.optional(Int(1, 10_000_000)),
    /** Largest full-image chunk per request, KiB (the hub takes up to 1024). */
    SKYLAPSE_IMAGE_CHUNK_KB: v.optional(Int(1, 1024), "1024"),
    /** The Ed25519 public key (base64, from `skylapse releases keygen`) whose signed releases this agent installs; unset: none. */
    SKYLAPSE_RELEASE_PUBKEY: v.optional(
      v.pipe(
        v.string(),
        v.check((s) => {
          try {
            publicKeyBytes(s);
            return true;
          } catch {
            return false;
          }
        }, "must be the public key line from `skylapse releases keygen` (44 characters of base64)"),
      ),
    ),
    /** The install the agent runs from (the launcher sets it); unset: no over-the-air updates. */
    SKYLAPSE_INSTALL_DIR: v.optional(v.string()),
    /** Real seconds a new version has to confirm itself healthy before the launcher rolls it back (the launcher reads it too). */
    SKYLAPSE_UPDATE_TRIAL_SECONDS: v.optional(Int(10, 86_400), "300"),
    /** A further cap on update downloads alone, kilobits per second of real time (within the link's); unset: none. */
    SKYLAPSE_UPDATE_BANDWIDTH_KBPS: v.optional(Int(1, 10_000_000)),
  }),
  v.check((e) => !e.SKYLAPSE_HUB_URL || !!e.SKYLAPSE_CAMERA_ID, "SKYLAPSE_HUB_URL needs SKYLAPSE_CAMERA_ID"),
  v.check(
    (e) => !e.SKYLAPSE_HUB_URL || !!e.SKYLAPSE_AGENT_TOKEN || !!e.SKYLAPSE_ENROLLMENT_CODE || hasStoredToken(e.SKYLAPSE_DATA_DIR),
    "SKYLAPSE_HUB_URL needs SKYLAPSE_AGENT_TOKEN, or SKYLAPSE_ENROLLMENT_CODE for a new agent (or a token stored by an earlier enrollment in DATA_DIR/agent-token)",
  ),
);
export type AgentEnv = v.InferOutput<typeof AgentEnv>;

export function parseAgentEnv(env: Record<string, string>): AgentEnv {
  const known = Object.fromEntries(Object.entries(env).filter(([k]) => k in AgentEnv.pipe[0].entries));
  const parsed = v.safeParse(AgentEnv, known);
  if (parsed.success) return parsed.output;
  const message = parsed.issues
    .map((issue) => `${v.getDotPath(issue) ?? "environment"}: ${issue.message}`)
    .join("; ");
  throw new Error(`invalid environment: ${message}`);
}
