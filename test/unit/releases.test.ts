import { describe, expect, test } from "bun:test";
import type { ReleaseManifest, UpdateOutcome } from "../../shared/contracts/release";
import { manifestSignedBy, publicKeyBytes } from "../../shared/release/public-key";
import { generateReleaseKeys, signManifest } from "../../shared/release/signing";
import { healthy, planUpdate, stillFailed } from "../../edge/update/compute";
import { agentView, resolveTarget, rollbackTarget, withAgentRelease } from "../../hub/releases/compute";

const artifact = (c: string) => ({ sha256: c.repeat(64), bytes: 10, unpacked_sha256: c.repeat(64), unpacked_bytes: 20 });
const manifest = (version: string, arch: "x64" | "arm64" = "arm64"): ReleaseManifest => ({
  version,
  arch,
  runtime: { ...artifact("a"), bun_version: "1.4.5" },
  bundle: artifact("b"),
  created_at: "2026-11-30T00:00:00Z",
});
const keys = generateReleaseKeys();
const outcome = (o: Partial<UpdateOutcome>): UpdateOutcome => ({ version: "2", from: "1", result: "installed", bytes_moved: 1, full: false, at: "2026-11-30T00:00:00Z", detail: "", ...o });
const observed = (history: UpdateOutcome[]) => ({ agent_version: "2", update: { arch: "arm64", slot: "a" as const, phase: "idle" as const, target: null, downloaded_bytes: 0, total_bytes: 0, history } }) as any;

describe("release signatures", () => {
  test("only the manifest as signed, by the trusted key, verifies", async () => {
    const signed = signManifest(manifest("1.0.0"), keys.privatePem);
    expect(await manifestSignedBy(signed, keys.publicKey)).toBe(true);
    expect(await manifestSignedBy({ ...signed, manifest: { ...signed.manifest, bundle: artifact("c") } }, keys.publicKey)).toBe(false);
    expect(await manifestSignedBy(signed, generateReleaseKeys().publicKey)).toBe(false);
    expect(await manifestSignedBy({ ...signed, signature: "AAAA" }, keys.publicKey)).toBe(false);
    expect(() => publicKeyBytes("not-a-key")).toThrow();
  });
});

describe("the updater's decisions", () => {
  const release = { version: "2.0.0", manifests: [signManifest(manifest("2.0.0", "x64"), keys.privatePem), signManifest(manifest("2.0.0"), keys.privatePem)] };
  test("installs another version offered for its machine, unless it failed here", () => {
    expect(planUpdate(release, "arm64", "1.0.0", [])).toEqual({ kind: "install", signed: release.manifests[1]! });
    expect(planUpdate(release, "arm64", "2.0.0", []).kind).toBe("none");
    expect(planUpdate(release, "arm64", "1.0.0", ["2.0.0"]).kind).toBe("none");
    expect(planUpdate({ ...release, manifests: [release.manifests[0]!] }, "arm64", "1.0.0", []).kind).toBe("none");
    expect(planUpdate(undefined, "arm64", "1.0.0", []).kind).toBe("none");
  });
  test("a failed version is retried once another one was assigned in between", () => {
    expect(stillFailed(["2.0.0"], "2.0.0")).toEqual(["2.0.0"]);
    expect(stillFailed(["2.0.0"], "3.0.0")).toEqual([]);
    expect(stillFailed(["2.0.0"], null)).toEqual([]);
  });
  test("healthy: a poll, and a capture when a tick was due", () => {
    expect(healthy({ polled: true, captured: false, tickDue: false })).toBe(true);
    expect(healthy({ polled: true, captured: false, tickDue: true })).toBe(false);
    expect(healthy({ polled: false, captured: true, tickDue: true })).toBe(false);
    expect(healthy({ polled: true, captured: true, tickDue: true })).toBe(true);
  });
});

describe("the hub's release decisions", () => {
  test("latest names the newest release; a pinned version itself", () => {
    expect(resolveTarget("latest", "3.0.0")).toBe("3.0.0");
    expect(resolveTarget("2.0.0", "3.0.0")).toBe("2.0.0");
    expect(resolveTarget("latest", null)).toBeNull();
  });
  test("a desired state without a release keeps its ETag; with one, the ETag follows the release", () => {
    const state = { etag: '"abc"', desired: {} as any };
    expect(withAgentRelease(state, null)).toBe(state);
    const a = withAgentRelease(state, { version: "1", manifests: [] });
    const b = withAgentRelease(state, { version: "2", manifests: [] });
    expect(a.etag).not.toBe(state.etag);
    expect(a.etag).not.toBe(b.etag);
    expect(a.desired.agent_release?.version).toBe("1");
  });
  test("rollback goes to the version run before the last installed update, never to a failed one", () => {
    const assignment = { cameraId: "c", target: "4", previous: "3", assignedAt: 0 };
    expect(rollbackTarget(assignment, observed([outcome({ version: "3", from: "2", result: "rolled_back" }), outcome({ version: "4", from: "2" })]), null)).toBe("2");
    expect(rollbackTarget(assignment, observed([outcome({ version: "3", from: "2", result: "rolled_back" })]), null)).toBeNull();
    expect(rollbackTarget(assignment, observed([]), null)).toBe("3");
    expect(rollbackTarget(null, null, null)).toBeNull();
  });
  test("assigned vs running", () => {
    const v = agentView("c", observed([outcome({})]), { cameraId: "c", target: "latest", previous: null, assignedAt: 0 }, "3");
    expect([v.assigned, v.assigned_version, v.running, v.converged, v.last_update?.version]).toEqual(["latest", "3", "2", false, "2"]);
    expect(agentView("c", null, null, "3").converged).toBeNull();
  });
});
