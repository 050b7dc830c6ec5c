import * as v from "valibot";

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
    /** Technician token for the local API's writes; without it they are open (and the agent warns). */
    SKYLAPSE_EDGE_TOKEN: v.optional(v.pipe(v.string(), v.minLength(16, "use at least 16 characters"))),
    SKYLAPSE_CAMERA_DRIVER: v.optional(v.picklist(["simulated", "rpicam"], "must be simulated or rpicam"), "simulated"),
    SKYLAPSE_SIM_SEED: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, "must be a non-negative integer"), v.transform(Number)), "1"),
    SKYLAPSE_BATCH_SIZE: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, "must be an integer"), v.transform(Number), v.minValue(1), v.maxValue(500)), "200"),
  }),
  v.check((e) => !e.SKYLAPSE_HUB_URL || (!!e.SKYLAPSE_CAMERA_ID && !!e.SKYLAPSE_AGENT_TOKEN), "SKYLAPSE_HUB_URL needs SKYLAPSE_CAMERA_ID and SKYLAPSE_AGENT_TOKEN"),
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
