import { z } from "zod";
import { IsoTime } from "./plan";

/** An agent release's version: what `agents assign` names and the agent reports running. */
export const ReleaseVersion = z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.+_-]{0,31}$/, "letters, digits and . + _ -, up to 32");
export const ReleaseArch = z.enum(["x64", "arm64"]);
export type ReleaseArch = z.infer<typeof ReleaseArch>;
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 in lower-case hex");

/** One file of a release as it travels (gzip) and as it is installed (unpacked). */
export const ReleaseArtifact = z
  .object({
    sha256: Sha256,
    bytes: z.number().int().positive(),
    unpacked_sha256: Sha256,
    unpacked_bytes: z.number().int().positive(),
  })
  .strict();
export type ReleaseArtifact = z.infer<typeof ReleaseArtifact>;

/**
 * What an operator signs: the Bun runtime (large, rarely changes) and our code (one
 * bundled JS file, small) as separate artifacts, so an update that keeps the runtime
 * moves only the bundle.
 */
export const ReleaseManifest = z
  .object({
    version: ReleaseVersion,
    arch: ReleaseArch,
    runtime: ReleaseArtifact.extend({ bun_version: z.string().max(32) }).strict(),
    bundle: ReleaseArtifact,
    created_at: IsoTime,
  })
  .strict();
export type ReleaseManifest = z.infer<typeof ReleaseManifest>;

/** A manifest with its Ed25519 signature (base64) over the manifest's canonical JSON. */
export const SignedManifest = z.object({ manifest: ReleaseManifest, signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, "a base64 Ed25519 signature") }).strict();
export type SignedManifest = z.infer<typeof SignedManifest>;

/** In a camera's desired state: the agent release it is to run, signed per architecture (absent: none assigned). */
export const AgentRelease = z.object({ version: ReleaseVersion, manifests: z.array(SignedManifest).max(4) }).strict();
export type AgentRelease = z.infer<typeof AgentRelease>;

/** One update the agent tried, newest last in its report. */
export const UpdateOutcome = z
  .object({
    version: ReleaseVersion,
    from: z.string().max(64),
    /** installed: confirmed healthy; rolled_back: the trial failed and the previous version came back; refused: hash or signature wrong. */
    result: z.enum(["installed", "rolled_back", "refused"]),
    /** Bytes the download moved over the network for this update, resumed attempts included. */
    bytes_moved: z.number().int().nonnegative(),
    /** The runtime came too (a full transfer), not only the bundle. */
    full: z.boolean(),
    at: IsoTime,
    detail: z.string().max(300),
  })
  .strict();
export type UpdateOutcome = z.infer<typeof UpdateOutcome>;

/** The updater's report in each poll. */
export const AgentUpdateState = z
  .object({
    arch: z.string().max(16),
    /** The install slot running (a or b); null when the agent runs outside an install (development). */
    slot: z.enum(["a", "b"]).nullable(),
    phase: z.enum(["idle", "downloading", "trial", "off"]),
    /** The version being downloaded or tried. */
    target: ReleaseVersion.nullable(),
    downloaded_bytes: z.number().int().nonnegative(),
    total_bytes: z.number().int().nonnegative(),
    history: z.array(UpdateOutcome).max(10),
  })
  .strict();
export type AgentUpdateState = z.infer<typeof AgentUpdateState>;
