/**
 * Profile versions and their assignment, in-process: versioning rules (immutable,
 * no-op republish, inheritance, cycles, missing parents), diffs down to lux-table
 * rows, assignment validation and audit, staged rollout, convergence.
 */
import { beforeEach, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { ManualClock } from "../../shared/clock";
import { cameras } from "../../hub/db/schema";
import type { ObservedState } from "../../shared/contracts/sync";
import { createHub } from "../../hub/app";
import { configRevision } from "../../hub/config/revision";
import { diffSnapshots } from "../../hub/profiles/diff";
import { DENVER } from "../harness/scenario";
import { observedState } from "../harness/fixtures";
import { inProcessHub, callHub } from "../harness/in-process";

const OPERATOR = "operator-token-for-tests-0001";
const MIN = 60_000;
const config = {
  location: DENVER,
  schedules: { sunrise: { offset_minutes: -30, duration_minutes: 60, interval_seconds: 15 } },
  cameras: {
    ridge: { deployed_profile: "f", schedules: ["sunrise"] },
    valley: { deployed_profile: "f", schedules: ["sunrise"] },
    summit: { deployed_profile: "f", schedules: ["sunrise"] },
  },
  profiles: { f: { base: { metering: "spot", ev: 0.7 } } },
  sync: { poll_interval_seconds: 60, plan_days: 2 },
};

let hub: Awaited<ReturnType<typeof createHub>>;
let clock: ManualClock;

const call = (method: string, path: string, body?: unknown, token: string | null = OPERATOR, headers: Record<string, string> = {}) => callHub(hub, method, path, token, body, headers);

const publish = (id: string, definition: unknown) => call("POST", `/api/profiles/${id}/versions`, definition);
const assign = (camera: string, profile_id: string, version: string) => call("PUT", `/api/cameras/${camera}/assignment`, { profile_id, version });
const audit = async () => (await call("GET", "/api/audit")).body.entries as { action: string; target: string; before: any; after: any }[];
const assignments = async () => (await call("GET", "/api/assignments")).body;

/** What the hub holds, for "nothing changed" checks. */
async function holdings() {
  return {
    profiles: (await call("GET", "/api/profiles")).body,
    assignments: (await assignments()).cameras.map((c: { assigned: unknown }) => c.assigned),
    audit: await audit(),
    revision: await configRevision(hub.ctx.db),
  };
}

async function poll(camera: string, token: string, running: ObservedState["running"], etag?: string) {
  return call("POST", "/agent/v1/state", observedState({ running }, { now: clock.now() }), token, etag ? { "if-none-match": etag } : {});
}

beforeEach(async () => {
  ({ hub, clock } = await inProcessHub(config, OPERATOR));
});

describe("publishing versions", () => {
  test("new content is the next minor version; identical content (either form) is a no-op returning it", async () => {
    const v2 = await publish("f", { base: { metering: "spot", ev: 1 } });
    expect(v2.status).toBe(201);
    expect(v2.body).toMatchObject({ profile_id: "f", version: "1.1.0", created: true });
    expect(v2.body.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(v2.body.snapshot).toMatchObject({ profile_id: "f", version: "1.1.0", checksum: v2.body.checksum, base: { metering: "spot", ev: 1 } });

    const again = await publish("f", { base: { metering: "spot", ev: 1 } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...v2.body, created: false });
    // The first system's form of the same content is the same version.
    const seed = await publish("f", { name: "Mountain spot", settings: { base: { ae_metering_mode: 1, exposure_compensation: 1 } } });
    expect(seed.body).toMatchObject({ version: "1.1.0", created: false });
    // Content of an earlier version returns that version and does not move "latest".
    const old = await publish("f", { base: { metering: "spot", ev: 0.7 } });
    expect(old.body).toMatchObject({ version: "1.0.0", created: false });
    const list = (await call("GET", "/api/profiles")).body.profiles;
    expect(list).toEqual([expect.objectContaining({ id: "f", versions: 2, latest: expect.objectContaining({ version: "1.1.0" }) })]);

    // Only the created version is audited.
    const entries = (await audit()).filter((e) => e.action === "profile.publish");
    expect(entries.length).toBe(1);
    expect(entries[0]).toMatchObject({ target: "profile:f", before: { version: "1.0.0" }, after: { version: "1.1.0", checksum: v2.body.checksum } });
  });

  test("published versions never change; versions count as numbers (1.10.0 after 1.9.0)", async () => {
    const first = (await call("GET", "/api/profiles/f/versions/1.0.0")).body;
    expect(first).toMatchObject({ profile_id: "f", version: "1.0.0", snapshot: { base: { ev: 0.7 } } });
    for (let i = 1; i <= 11; i++) {
      clock.advance(1000);
      expect((await publish("f", { base: { ev: i / 10 } })).body.version).toBe(`1.${i}.0`);
    }
    expect((await call("GET", "/api/profiles/f/versions/1.0.0")).body).toEqual(first);
    expect((await call("GET", "/api/profiles/f/versions/latest")).body.version).toBe("1.11.0");
    const shown = (await call("GET", "/api/profiles/f")).body;
    expect(shown.versions.map((v: { version: string }) => v.version).slice(-3)).toEqual(["1.9.0", "1.10.0", "1.11.0"]);
    expect(shown.definition).toEqual({ base: { ev: 1.1 }, schedule_overrides: {} });
    // Even on a clock that went backwards (a simulated clock restarted earlier), the next is 1.12.0.
    clock.set(Date.parse("2026-01-01T00:00:00Z"));
    expect((await publish("f", { base: { ev: 2 } })).body.version).toBe("1.12.0");
  });

  test("inheritance resolves against the stored definitions: child fields win, overrides merge field by field", async () => {
    await publish("mountain_spot", { base: { metering: "spot", ev: 0.7, white_balance: { mode: "daylight" } }, adaptive_wb: { curve: "balanced" }, schedule_overrides: { sunrise: { ev: 0.9, contrast: 1.2 } } });
    const child = await publish("mountain_spot_winter_2025", { extends: "mountain_spot", base: { ev: 1.3 }, adaptive_ev: { curve: "standard" }, schedule_overrides: { sunrise: { ev: 1.5 } } });
    expect(child.status).toBe(201);
    const s = child.body.snapshot;
    expect(s.base).toMatchObject({ metering: "spot", ev: 1.3, white_balance: { mode: "daylight" } });
    expect(s.wb_table.length).toBeGreaterThan(3);
    expect(s.ev_table.length).toBeGreaterThan(1);
    expect(s.schedule_overrides).toEqual({ sunrise: { ev: 1.5, contrast: 1.2 } });
    expect((await call("GET", "/api/profiles/mountain_spot")).body.extended_by).toEqual(["mountain_spot_winter_2025"]);
    // null switches an inherited table off.
    const off = await publish("mountain_spot_winter_2025", { extends: "mountain_spot", base: { ev: 1.3 }, adaptive_wb: null });
    expect(off.body.snapshot.wb_table).toBeNull();
  });

  test("a parent's new version names the profiles extending it; --with-children republishes them in the same step", async () => {
    await publish("parent", { base: { metering: "spot", ev: 0.7, contrast: 1.1 } });
    await publish("child", { extends: "parent", base: { ev: 1.0 } });
    await publish("grandchild", { extends: "child", base: { saturation: 1.2 } });
    await publish("own_contrast", { extends: "parent", base: { contrast: 1.5 } });
    const plain = await publish("parent", { base: { metering: "spot", ev: 0.7, contrast: 1.3 } });
    expect(plain.body.children).toEqual([
      { profile_id: "child", version: "1.0.0", created: false },
      { profile_id: "own_contrast", version: "1.0.0", created: false },
      { profile_id: "grandchild", version: "1.0.0", created: false },
    ]);
    expect((await call("GET", "/api/profiles/grandchild/versions/latest")).body.snapshot.base.contrast).toBe(1.1);
    // The parent's content is already published: only its children move, each only if its content changes.
    const revision = await configRevision(hub.ctx.db);
    const again = await call("POST", "/api/profiles/parent/versions?with_children=true", { base: { metering: "spot", ev: 0.7, contrast: 1.3 } });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ version: "1.1.0", created: false });
    expect(again.body.children).toEqual([
      { profile_id: "child", version: "1.1.0", created: true },
      { profile_id: "own_contrast", version: "1.0.0", created: false },
      { profile_id: "grandchild", version: "1.1.0", created: true },
    ]);
    expect((await call("GET", "/api/profiles/grandchild/versions/latest")).body.snapshot.base).toMatchObject({ contrast: 1.3, ev: 1.0, saturation: 1.2 });
    expect(await configRevision(hub.ctx.db)).toBeGreaterThan(revision);
    expect((await audit()).filter((e) => e.action === "profile.publish").slice(0, 2).map((e) => e.target)).toEqual(["profile:grandchild", "profile:child"]);
    expect((await call("POST", "/api/profiles/parent/versions?with_children=yes", { base: {} })).status).toBe(422);
  });

  test("a missing parent or a cycle is a 422 naming it, and nothing is stored", async () => {
    await publish("a", { base: { ev: 0.3 } });
    await publish("b", { extends: "a", base: { ev: 0.5 } });
    const before = await holdings();

    const missing = await publish("winter", { extends: "mountain_spot", base: { ev: 1 } });
    expect(missing.status).toBe(422);
    expect(missing.body.message).toContain("extends unknown profile 'mountain_spot'");
    expect((await call("GET", "/api/profiles/winter")).status).toBe(404);

    const cycle = await publish("a", { extends: "b", base: { ev: 0.3 } });
    expect(cycle.status).toBe(422);
    expect(cycle.body.message).toContain("inheritance cycle a → b → a");
    const self = await publish("a", { extends: "a" });
    expect(self.status).toBe(422);
    expect(self.body.message).toContain("inheritance cycle a → a");

    expect(await holdings()).toEqual(before);
    expect((await call("GET", "/api/profiles/a")).body.definition).toEqual({ base: { ev: 0.3 }, schedule_overrides: {} });
  });

  test("bad input is refused naming the field and changes nothing; every route wants the operator token", async () => {
    const before = await holdings();
    const bad = await publish("f", { base: { ev: 9, metering: "sideways" } });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toContain("body.base.ev");
    expect(bad.body.message).toContain("body.base.metering");
    const seedBad = await publish("f", { settings: { base: { awb_mode: 42 } } });
    expect(seedBad.status).toBe(422);
    expect(seedBad.body.message).toContain("body.settings.base.awb_mode");
    expect((await publish("f", { base: {}, colour: "red" })).status).toBe(422);
    expect((await publish("Not A Slug", { base: {} })).status).toBe(422);
    expect((await publish("f", "{not json")).status).toBe(400);
    expect(await holdings()).toEqual(before);

    const assignment = { profile_id: "f", version: "1.0.0" };
    for (const [method, path, body] of [
      ["GET", "/api/profiles"],
      ["GET", "/api/profiles/f"],
      ["POST", "/api/profiles/f/versions", { base: { ev: 1 } }],
      ["GET", "/api/profiles/f/versions/1.0.0"],
      ["GET", "/api/profiles/f/diff?from=1.0.0&to=1.0.0"],
      ["GET", "/api/assignments"],
      ["PUT", "/api/assignments", { camera_ids: ["ridge"], ...assignment }],
      ["GET", "/api/cameras/ridge/assignment"],
      ["PUT", "/api/cameras/ridge/assignment", assignment],
    ] as const) {
      expect((await call(method, path, body, null)).status).toBe(401);
      expect((await call(method, path, body, "wrong-token-0123456789")).status).toBe(401);
    }
    expect(await holdings()).toEqual(before);
  });

  test("unknown profiles and versions are 404s", async () => {
    expect((await call("GET", "/api/profiles/nope")).status).toBe(404);
    expect((await call("GET", "/api/profiles/nope/versions/1.0.0")).status).toBe(404);
    const missing = await call("GET", "/api/profiles/f/versions/2.0.0");
    expect(missing.status).toBe(404);
    expect(missing.body.message).toContain("versions: 1.0.0");
    expect((await call("GET", "/api/profiles/f/versions/two")).status).toBe(422);
  });
});

describe("diff", () => {
  test("field by field over the compiled snapshots: settings, lux-table rows, schedule overrides", async () => {
    const table = [[10, 3000], [100, 3500], [1000, 4500], [10000, 5500]];
    await publish("t", { base: { ev: 0.3, white_balance: { mode: "daylight" } }, adaptive_wb: { table }, schedule_overrides: { sunrise: { ev: 0.9 } } });
    const changed = table.map((row) => [...row]);
    changed[3] = [10000, 5800];
    changed.push([20000, 6000]);
    await publish("t", { base: { ev: 0.5, white_balance: { mode: "kelvin", kelvin: 5200 } }, adaptive_wb: { table: changed }, adaptive_ev: { curve: "standard" }, schedule_overrides: { sunrise: { ev: 1.1 }, sunset: { ev: -0.3 } } });
    const d = (await call("GET", "/api/profiles/t/diff?from=1.0.0&to=1.1.0")).body;
    expect(d.from.version).toBe("1.0.0");
    expect(d.to.version).toBe("1.1.0");
    const byPath = Object.fromEntries(d.changes.map((c: { path: string; from: unknown; to: unknown }) => [c.path, [c.from, c.to]]));
    expect(byPath).toMatchObject({
      "base.ev": [0.3, 0.5],
      "base.white_balance.mode": ["daylight", "kelvin"],
      "base.white_balance.kelvin": [null, 5200],
      "wb_table[3]": [[10000, 5500], [10000, 5800]],
      "wb_table[4]": [null, [20000, 6000]],
      "schedule_overrides.sunrise.ev": [0.9, 1.1],
      "schedule_overrides.sunset.ev": [null, -0.3],
    });
    expect(byPath.ev_table[0]).toBeNull();
    expect((byPath.ev_table[1] as unknown[]).length).toBeGreaterThan(1);
    expect(Object.keys(byPath)).not.toContain("wb_table[0]");
    expect(Object.keys(byPath)).not.toContain("version");
    expect(Object.keys(byPath)).not.toContain("checksum");
    // Reversed, the same changes the other way; a version against itself, none.
    const back = (await call("GET", "/api/profiles/t/diff?from=1.1.0&to=1.0.0")).body.changes;
    expect(back.length).toBe(d.changes.length);
    expect((await call("GET", "/api/profiles/t/diff?from=latest&to=1.1.0")).body.changes).toEqual([]);
    expect((await call("GET", "/api/profiles/t/diff?from=1.0.0&to=3.0.0")).status).toBe(404);
    expect((await call("GET", "/api/profiles/t/diff?from=1.0.0")).status).toBe(422);
  });

  test("diffSnapshots: a table switched off is one change", async () => {
    const base = { profile_id: "x", version: "1.0.0", checksum: "sha256:0", base: {} as never, wb_table: [[1, 2]] as [number, number][], ev_table: null, schedule_overrides: {} };
    expect(diffSnapshots(base, { ...base, version: "1.1.0", wb_table: null })).toEqual([{ path: "wb_table", from: [[1, 2]], to: null }]);
  });
});

describe("assignment", () => {
  test("assign a version: the agent gets it on its next poll; audited with before/after; rollback is an earlier version", async () => {
    const token = (await call("POST", "/api/cameras/ridge/token")).body.token;
    const first = await poll("ridge", token, null);
    expect(first.body.desired.assignment).toEqual({ profile_id: "f", version: "1.0.0" });
    await publish("f", { base: { metering: "spot", ev: 1 } });
    // On "latest": the new version reaches the agent on its next poll.
    const latest = await poll("ridge", token, { profile_id: "f", version: "1.0.0" }, first.body.etag);
    expect(latest.status).toBe(200);
    expect(latest.body.desired.assignment).toEqual({ profile_id: "f", version: "1.1.0" });

    const revision = await configRevision(hub.ctx.db);
    clock.advance(MIN);
    const pinned = await assign("ridge", "f", "1.0.0");
    expect(pinned.status).toBe(200);
    expect(pinned.body).toEqual({
      camera_id: "ridge",
      before: { profile_id: "f", version: "latest" },
      after: { profile_id: "f", version: "1.0.0", resolved_version: "1.0.0" },
      changed: true,
    });
    expect(await configRevision(hub.ctx.db)).toBe(revision + 1);
    const rolled = await poll("ridge", token, { profile_id: "f", version: "1.1.0" }, latest.body.etag);
    expect(rolled.status).toBe(200);
    expect(rolled.body.desired.assignment).toEqual({ profile_id: "f", version: "1.0.0" });
    expect(rolled.body.desired.profiles.map((p: { version: string }) => p.version)).toEqual(["1.0.0"]);

    const [entry] = (await audit()).filter((e) => e.action === "camera.assign");
    expect(entry).toMatchObject({ action: "camera.assign", target: "camera:ridge", before: { profile_id: "f", version: "latest" }, after: { profile_id: "f", version: "1.0.0" } });

    // The same assignment again changes nothing: no audit entry, no new revision.
    const same = await assign("ridge", "f", "1.0.0");
    expect(same.body.changed).toBe(false);
    expect((await audit()).filter((e) => e.action === "camera.assign").length).toBe(1);
    expect(await configRevision(hub.ctx.db)).toBe(revision + 1);
  });

  test("unknown camera 404, unknown profile or version 422, retired 409, bad body 422: nothing changed", async () => {
    await publish("g", { base: { ev: 0.1 } });
    const before = await holdings();
    const nope = await assign("nope", "f", "1.0.0");
    expect(nope.status).toBe(404);
    expect(nope.body.message).toContain("camera nope");
    const noProfile = await assign("ridge", "zzz", "latest");
    expect(noProfile.status).toBe(422);
    expect(noProfile.body.message).toContain("body.profile_id: profile 'zzz' has no published version");
    const noVersion = await assign("ridge", "f", "1.4.0");
    expect(noVersion.status).toBe(422);
    expect(noVersion.body.message).toContain("body.version: profile 'f' has no version 1.4.0 (versions: 1.0.0)");
    const badVersion = await assign("ridge", "f", "newest");
    expect(badVersion.status).toBe(422);
    expect(badVersion.body.message).toContain("body.version");
    expect((await call("PUT", "/api/cameras/ridge/assignment", { profile_id: "f" })).status).toBe(422);
    expect((await call("PUT", "/api/cameras/ridge/assignment", { profile_id: "f", version: "latest", extra: 1 })).status).toBe(422);
    expect((await call("PUT", "/api/cameras/ridge/assignment", "{nope")).status).toBe(400);
    expect(await holdings()).toEqual(before);

    await hub.ctx.db.update(cameras).set({ retiredAt: 1 }).where(eq(cameras.id, "summit"));
    const retired = await assign("summit", "g", "latest");
    expect(retired.status).toBe(409);
    expect((await assignments()).cameras.map((c: { camera_id: string }) => c.camera_id)).toEqual(["ridge", "valley"]);
  });

  test("staged rollout: one camera, then the group in one transaction (all or nothing)", async () => {
    await publish("f", { base: { metering: "spot", ev: 1 } });
    await assign("ridge", "f", "1.0.0");
    await assign("valley", "f", "1.0.0");
    await assign("summit", "f", "1.0.0");
    const one = await assign("ridge", "f", "1.1.0");
    expect(one.body.changed).toBe(true);

    const before = await holdings();
    const unknown = await call("PUT", "/api/assignments", { camera_ids: ["valley", "nope", "summit", "gone"], profile_id: "f", version: "1.1.0" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain("cameras nope, gone");
    expect((await call("PUT", "/api/assignments", { camera_ids: ["valley", "valley"], profile_id: "f", version: "1.1.0" })).status).toBe(422);
    expect((await call("PUT", "/api/assignments", { camera_ids: [], profile_id: "f", version: "1.1.0" })).status).toBe(422);
    expect((await call("PUT", "/api/assignments", { camera_ids: ["valley"], profile_id: "f", version: "9.9.9" })).status).toBe(422);
    expect(await holdings()).toEqual(before);

    const group = await call("PUT", "/api/assignments", { camera_ids: ["ridge", "valley", "summit"], profile_id: "f", version: "1.1.0" });
    expect(group.status).toBe(200);
    expect(group.body.changed).toBe(2);
    expect(group.body.assignments.map((a: { camera_id: string; changed: boolean }) => [a.camera_id, a.changed])).toEqual([
      ["ridge", false],
      ["valley", true],
      ["summit", true],
    ]);
    expect(await configRevision(hub.ctx.db)).toBe(before.revision + 1);
    const entries = (await audit()).filter((e) => e.action === "camera.assign");
    expect(entries.slice(0, 2).map((e) => e.target).sort()).toEqual(["camera:summit", "camera:valley"]);
  });
});

describe("convergence", () => {
  test("assigned vs running per camera; not converged flagged, in the fleet too after two poll intervals", async () => {
    const tokens = Object.fromEntries(
      await Promise.all(["ridge", "valley", "summit"].map(async (id) => [id, (await call("POST", `/api/cameras/${id}/token`)).body.token])),
    );
    for (const id of ["ridge", "valley"]) await poll(id, tokens[id], { profile_id: "f", version: "1.0.0" });
    await poll("summit", tokens.summit, { profile_id: "hand", version: "2.0.0" });
    let list = await assignments();
    expect(list.totals).toEqual({ cameras: 3, converged: 2, not_converged: 1 });
    expect(list.cameras.find((c: { camera_id: string }) => c.camera_id === "summit")).toMatchObject({
      assigned: { profile_id: "f", version: "latest", resolved_version: "1.0.0" },
      running: { profile_id: "hand", version: "2.0.0" },
      converged: false,
    });

    await publish("f", { base: { metering: "spot", ev: 1 } });
    clock.advance(MIN);
    await assign("ridge", "f", "1.1.0");
    await assign("valley", "f", "1.0.0");
    list = await assignments();
    const ridge = list.cameras.find((c: { camera_id: string }) => c.camera_id === "ridge");
    expect(ridge).toEqual({
      camera_id: "ridge",
      mode: "autonomous",
      assigned: { profile_id: "f", version: "1.1.0", resolved_version: "1.1.0" },
      running: { profile_id: "f", version: "1.0.0" },
      converged: false,
      since: "2026-11-24T12:01:00.000Z",
      last_contact_at: "2026-11-24T12:00:00.000Z",
    });
    expect(list.cameras.find((c: { camera_id: string }) => c.camera_id === "valley").converged).toBe(true);
    expect((await call("GET", "/api/assignments?converged=false")).body.cameras.map((c: { camera_id: string }) => c.camera_id)).toEqual(["ridge", "summit"]);

    // Within two poll intervals the fleet shows the pending assignment without raising attention.
    let fleet = (await call("GET", "/api/fleet")).body.cameras;
    const fleetRidge = () => fleet.find((c: { id: string }) => c.id === "ridge");
    expect(fleetRidge().assignment).toMatchObject({ version: "1.1.0", resolved_version: "1.1.0", running: { version: "1.0.0" }, converged: false });
    expect(fleetRidge().attention).not.toContain("not_converged");
    clock.advance(3 * MIN);
    for (const id of ["ridge", "valley", "summit"]) await poll(id, tokens[id], id === "summit" ? { profile_id: "hand", version: "2.0.0" } : { profile_id: "f", version: "1.0.0" });
    fleet = (await call("GET", "/api/fleet")).body.cameras;
    expect(fleetRidge().attention).toEqual(["not_converged"]);
    expect(fleet[0].attention).toContain("not_converged");

    // The agent reports running the new version: converged, attention gone.
    await poll("ridge", tokens.ridge, { profile_id: "f", version: "1.1.0" });
    expect((await call("GET", "/api/cameras/ridge/assignment")).body).toMatchObject({ converged: true, running: { version: "1.1.0" } });
    fleet = (await call("GET", "/api/fleet")).body.cameras;
    expect(fleetRidge().attention).toEqual([]);
    expect(fleetRidge().assignment.converged).toBe(true);
    expect((await call("GET", "/api/cameras/nope/assignment")).status).toBe(404);
  });

  test("'latest' dates from the version's publication; a config apply dates the assignment", async () => {
    clock.advance(10 * MIN);
    await publish("f", { base: { ev: 2 } });
    const ridge = (await assignments()).cameras.find((c: { camera_id: string }) => c.camera_id === "ridge");
    expect(ridge.since).toBe("2026-11-24T12:10:00.000Z");
    expect(ridge.assigned).toEqual({ profile_id: "f", version: "latest", resolved_version: "1.1.0" });
    clock.advance(10 * MIN);
    const next = structuredClone(config) as any;
    next.profiles.g = { base: { ev: 0.2 } };
    next.cameras.valley.deployed_profile = "g";
    expect((await call("PUT", "/api/config", next)).body.applied).toBe(true);
    const valley = (await assignments()).cameras.find((c: { camera_id: string }) => c.camera_id === "valley");
    expect(valley).toMatchObject({ assigned: { profile_id: "g", version: "latest", resolved_version: "1.0.0" }, since: "2026-11-24T12:20:00.000Z" });
  });
});
