import { describe, expect, test } from "bun:test";
import { inProcessHub } from "../harness/in-process";
import { DENVER } from "../harness/scenario";

const TOKEN = "plan-endpoint-operator-token";
const config = {
  location: DENVER,
  schedules: { morning: { start_time: "07:00", end_time: "07:30", interval_seconds: 60 }, early: { start_time: "04:30", end_time: "05:30", interval_seconds: 60 } },
  cameras: { ridge: { deployed_profile: "f", schedules: ["morning"] }, dawn: { deployed_profile: "f", schedules: ["early"] }, alps: { timezone: "Europe/Zurich", latitude: 46.5, longitude: 8, deployed_profile: "f", schedules: ["morning"] } },
  profiles: { f: { base: { ev: 0 } } },
};

describe("GET /api/cameras/{id}/plan", async () => {
  const { hub } = await inProcessHub(config, TOKEN); // clock at 2026-11-24T12:00Z = 05:00 in Denver
  const get = async (path: string, token: string | null = TOKEN) => {
    const res = await hub.app.handle(new Request(`http://localhost${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }));
    return { status: res.status, body: (await res.json()) as any };
  };

  test("no contact yet: the windows from now on (its past holds no plan), the camera's zone and its next planned capture", async () => {
    const { status, body } = await get("/api/cameras/ridge/plan?from=2026-11-22T00:00:00Z&to=2026-11-26T00:00:00Z");
    expect(status).toBe(200);
    expect(body.timezone).toBe("America/Denver");
    // Never in contact (hub time 12:00Z on the 24th): the windows of the days before are not the camera's.
    expect(body.registered_at).toBe("2026-11-24T12:00:00.000Z");
    expect(body.first_contact_at).toBeNull();
    expect(body.windows.map((w: { start: string }) => w.start)).toEqual(["2026-11-24T14:00:00.000Z", "2026-11-25T14:00:00.000Z"]);
    expect(body.windows[0]).toMatchObject({ schedule: "morning", end: "2026-11-24T14:30:00.000Z", interval_seconds: 60, profiles: ["f"] });
    expect(body.next_capture).toEqual({ at: "2026-11-24T14:00:00.000Z", schedule: "morning", profiles: ["f"] });
    expect((await get("/api/cameras/alps/plan?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z")).body.timezone).toBe("Europe/Zurich");
    // A window under way now starts now.
    const dawn = (await get("/api/cameras/dawn/plan?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z")).body;
    expect(dawn.windows.map((w: { start: string; end: string }) => [w.start, w.end])).toEqual([["2026-11-24T12:00:00.000Z", "2026-11-24T12:30:00.000Z"]]);
    expect(dawn.next_capture.at).toBe("2026-11-24T12:01:00.000Z");
  });

  test("refuses a backward or too long range, an unknown camera, and a missing token", async () => {
    expect((await get("/api/cameras/ridge/plan?from=2026-11-25T00:00:00Z&to=2026-11-24T00:00:00Z")).status).toBe(422);
    expect((await get("/api/cameras/ridge/plan?from=2026-11-01T00:00:00Z&to=2026-12-24T00:00:00Z")).status).toBe(422);
    expect((await get("/api/cameras/ridge/plan?from=2026-11-24T00:00:00Z")).status).toBe(422);
    expect((await get("/api/cameras/nobody/plan?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z")).status).toBe(404);
    expect((await get("/api/cameras/ridge/plan?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z", null)).status).toBe(401);
  });
});
