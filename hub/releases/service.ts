import type { SignedManifest } from "../../shared/contracts/release";
import type { DesiredState } from "../../shared/contracts/sync";
import { HttpError, notFound } from "../../shared/http";
import type { HubDb } from "../db/client";
import { type ImageStorage, OffsetMismatch, releaseKey } from "../storage";
import { storedResponse } from "../storage/serve";
import { agentRelease, agentView, type AgentView, LATEST, type ReleaseView, releaseViews, resolveTarget, rollbackTarget, withAgentRelease } from "./compute";
import * as data from "./data";

/** Upload progress of one artifact (PUT/GET /api/releases/artifacts/{sha256}). */
export interface ArtifactState {
  bytes_received: number;
  complete: boolean;
}

/**
 * Agent releases: artifacts uploaded in resumable chunks into image storage (checked
 * against their sha256 when whole), signed manifests published per version and
 * architecture, assignments per camera, and the release each poll carries. The hub
 * stores what the operator signed and never signs anything itself.
 */
export class Releases {
  constructor(
    private readonly db: HubDb,
    private readonly storage: ImageStorage,
  ) {}

  async artifactState(sha: string): Promise<ArtifactState> {
    const whole = await this.storage.size(releaseKey(sha, "artifact"));
    if (whole !== null) return { bytes_received: whole, complete: true };
    return { bytes_received: (await this.storage.size(releaseKey(sha, "partial"))) ?? 0, complete: false };
  }

  /** Appends a chunk at `offset`; the chunk that makes `total` bytes has the whole checked against its sha256. */
  async appendArtifact(sha: string, offset: number, total: number, bytes: Uint8Array): Promise<ArtifactState> {
    const state = await this.artifactState(sha);
    if (state.complete) return state;
    if (offset + bytes.length > total) throw new HttpError(422, "invalid_request", `the chunk ends past the artifact's ${total} bytes`);
    const partial = releaseKey(sha, "partial");
    let size: number;
    try {
      size = await this.storage.append(partial, offset, bytes);
    } catch (e) {
      if (e instanceof OffsetMismatch) throw new HttpError(409, "offset_mismatch", `the artifact upload is at byte ${e.current}`);
      throw e;
    }
    if (size < total) return { bytes_received: size, complete: false };
    const hasher = new Bun.CryptoHasher("sha256");
    for await (const chunk of (await this.storage.read(partial))!) hasher.update(chunk);
    if (hasher.digest("hex") !== sha) {
      await this.storage.delete(partial);
      throw new HttpError(422, "checksum_mismatch", "the uploaded bytes do not match the sha256 they were sent under; start again");
    }
    await this.storage.move(partial, releaseKey(sha, "artifact"));
    return { bytes_received: size, complete: true };
  }

  /** Publishes a signed manifest whose two artifacts are uploaded whole; publishing the same one again changes nothing. */
  async publish(signed: SignedManifest, now: number): Promise<{ version: string; arch: string; created: boolean }> {
    const { manifest } = signed;
    for (const [what, a] of [["runtime", manifest.runtime], ["bundle", manifest.bundle]] as const) {
      const state = await this.artifactState(a.sha256);
      if (!state.complete || state.bytes_received !== a.bytes)
        throw new HttpError(409, "artifact_missing", `upload the ${what} (${a.sha256}, ${a.bytes} bytes) before publishing`);
    }
    const held = (await data.releasesOf(this.db, manifest.version)).find((r) => r.arch === manifest.arch);
    if (held) {
      if (held.signed.signature !== signed.signature) throw new HttpError(409, "conflict", `release ${manifest.version} for ${manifest.arch} is published already, with another manifest`);
      return { version: manifest.version, arch: manifest.arch, created: false };
    }
    await data.insertRelease(this.db, {
      version: manifest.version,
      arch: manifest.arch,
      signed,
      runtimeSha256: manifest.runtime.sha256,
      runtimeBytes: manifest.runtime.bytes,
      bundleSha256: manifest.bundle.sha256,
      bundleBytes: manifest.bundle.bytes,
      publishedAt: now,
    });
    return { version: manifest.version, arch: manifest.arch, created: true };
  }

  async list(): Promise<ReleaseView[]> {
    return releaseViews(await data.allReleases(this.db), await data.camerasObserved(this.db));
  }

  async agents(): Promise<AgentView[]> {
    const [newest, assignments, cams] = await Promise.all([data.newestVersion(this.db), data.allAssignments(this.db), data.camerasObserved(this.db)]);
    const byCamera = new Map(assignments.map((a) => [a.cameraId, a]));
    return cams.map((c) => agentView(c.id, c.observed, byCamera.get(c.id) ?? null, newest));
  }

  /** Assigns a release (`latest` or a published version) to cameras, all or none. */
  async assign(cameraIds: string[], target: string, now: number): Promise<AgentView[]> {
    const known = new Set((await data.camerasObserved(this.db, cameraIds)).map((c) => c.id));
    const unknown = cameraIds.filter((id) => !known.has(id));
    if (unknown.length) throw notFound(`camera ${unknown.join(", ")}`);
    if (target !== LATEST && !(await data.releasesOf(this.db, target)).length) throw notFound(`release ${target}`);
    await data.assign(this.db, cameraIds, target, now);
    return (await this.agents()).filter((a) => cameraIds.includes(a.camera_id));
  }

  /** Assigns the camera the version it ran before (see rollbackTarget). */
  async rollback(cameraId: string, now: number): Promise<AgentView[]> {
    const [camera] = await data.camerasObserved(this.db, [cameraId]);
    if (!camera) throw notFound(`camera ${cameraId}`);
    const target = rollbackTarget(await data.assignmentOf(this.db, cameraId), camera.observed, await data.newestVersion(this.db));
    if (!target) throw new HttpError(409, "no_earlier_version", `camera ${cameraId} has no earlier agent version to go back to`);
    return this.assign([cameraId], target, now);
  }

  /** A camera's desired state as a poll serves it: with its assigned release, when it has one. */
  async forPoll<S extends { etag: string; desired: DesiredState }>(cameraId: string, state: S): Promise<{ etag: string; desired: DesiredState }> {
    const assignment = await data.assignmentOf(this.db, cameraId);
    if (!assignment) return state;
    const version = resolveTarget(assignment.target, assignment.target === LATEST ? await data.newestVersion(this.db) : null);
    if (!version) return state;
    return withAgentRelease(state, agentRelease(version, await data.releasesOf(this.db, version)));
  }

  /** A published artifact for an agent's download (Range answered with 206, so a cut download resumes). */
  async serveArtifact(sha: string, range: string | null): Promise<Response> {
    const bytes = await data.artifactBytes(this.db, sha);
    if (bytes === null) throw notFound(`release artifact ${sha}`);
    return storedResponse(this.storage, releaseKey(sha, "artifact"), bytes, range, { "content-type": "application/gzip" }, `release artifact ${sha}`);
  }
}
