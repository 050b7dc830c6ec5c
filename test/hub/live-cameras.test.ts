/**
 * A live camera's `api` and technician token through the operator API in-process:
 * the token is stored and used but never shown (camera views, export, audit, diffs);
 * "(set)" keeps it; and the first system's /capture body and image paths (pure).
 */
import { describe, expect, test } from "bun:test";
import { DEFAULT_SETTINGS } from "../../shared/contracts/settings";
import { firstSystemCaptureRequest, firstSystemImagePaths } from "../../hub/live/first-system";
import { cameras } from "../../hub/db/schema";
import { eq } from "drizzle-orm";
import { DENVER } from "../harness/scenario";
import { inProcessHub } from "../harness/in-process";

const OPERATOR = "operator-token-for-live-tests";
const TOKEN = "technician-token-0123456789";
const config = {
  location: DENVER,
  schedules: { morning: { start_time: "07:00", end_time: "08:00", interval_seconds: 60 } },
  cameras: { ridge: { mode: "live", host: "10.0.0.5", port: 8080, deployed_profile: "f", schedules: ["morning"], technician_token: TOKEN } },
  profiles: { f: { base: { metering: "spot" } } },
  sync: { poll_interval_seconds: 60, plan_days: 2 },
};

async function setup() {
  const { hub } = await inProcessHub(config, OPERATOR);
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await hub.app.handle(
      new Request(`http://localhost${path}`, {
        method,
        headers: { authorization: `Bearer ${OPERATOR}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    const text = await res.text();
    expect(text).not.toContain(TOKEN);
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const held = async (id: string) => (await hub.ctx.db.select({ config: cameras.config }).from(cameras).where(eq(cameras.id, id)))[0]!.config;
  return { call, held };
}

describe("a live camera's technician token", () => {
  test("is held and used, shown only as (set): camera views, export, audit", async () => {
    const { call, held } = await setup();
    expect((await held("ridge")).technician_token).toBe(TOKEN);
    expect((await call("GET", "/api/cameras/ridge")).body.technician_token).toBe("(set)");
    expect((await call("GET", "/api/cameras")).body.cameras[0].technician_token).toBe("(set)");
    expect((await call("GET", "/api/config")).body.cameras.ridge.technician_token).toBe("(set)");
    // Register and patch through the API: the responses and the audit entries say (set).
    const added = await call("POST", "/api/cameras", { id: "valley", mode: "live", api: "first_system", host: "10.0.0.6", technician_token: TOKEN });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ api: "first_system", technician_token: "(set)" });
    expect((await call("PATCH", "/api/cameras/valley", { name: "Valley", technician_token: "(set)" })).body.technician_token).toBe("(set)");
    expect((await held("valley")).technician_token).toBe(TOKEN);
    expect((await call("PATCH", "/api/cameras/valley", { technician_token: null, api: null })).body.technician_token).toBeUndefined();
    expect(await held("valley")).not.toHaveProperty("api");
    const audit = (await call("GET", "/api/audit")).body.entries;
    expect(audit.find((e: { action: string }) => e.action === "camera.register").after.config.technician_token).toBe("(set)");
  });

  test("(set) keeps the held token; where none is held it is refused, naming the camera", async () => {
    const { call, held } = await setup();
    const exported = (await call("GET", "/api/config")).body;
    expect((await call("PUT", "/api/config", exported)).body).toMatchObject({ applied: false, changes: [] });
    expect((await held("ridge")).technician_token).toBe(TOKEN);
    const refused = await call("POST", "/api/cameras", { id: "valley", mode: "live", host: "10.0.0.6", technician_token: "(set)" });
    expect(refused.status).toBe(422);
    expect(refused.body.message ?? refused.body.detail).toContain("holds none for camera valley");
    const short = await call("POST", "/api/cameras", { id: "valley", mode: "live", host: "10.0.0.6", technician_token: "short" });
    expect(short.status).toBe(422);
    // A changed token is a change, applied, and shown as (changed).
    const next = { ...exported, cameras: { ridge: { ...exported.cameras.ridge, technician_token: "a-new-technician-token-42" } } };
    const applied = await call("PUT", "/api/config", next);
    expect(applied.body.changes).toEqual([{ path: "cameras.ridge.technician_token", action: "change", from: "(set)", to: "(changed)" }]);
    expect((await held("ridge")).technician_token).toBe("a-new-technician-token-42");
  });
});

describe("the first system's Pi API (pure)", () => {
  test("its /capture gets only the fields it reads, in its codes and limits", async () => {
    const auto = firstSystemCaptureRequest({ ...DEFAULT_SETTINGS, ev: 3, metering: "matrix", white_balance: { mode: "kelvin", kelvin: 5200 }, quality: 80 }, "b");
    expect(auto).toEqual({ iso: 0, shutter_speed: "1/500", exposure_compensation: 2, profile: "b", awb_mode: 6, wb_temp: 5200, ae_metering_mode: 2, af_mode: 0, lens_position: 0, sharpness: 1, contrast: 1, saturation: 1 });
    const manual = firstSystemCaptureRequest({ ...DEFAULT_SETTINGS, iso: 640, shutter_us: 2_500_000, bracket: { count: 3, ev: [-3, 0, 3] } }, "sunrise_main");
    expect(manual).toMatchObject({ iso: 800, shutter_speed: "2.5", profile: "default", bracket_count: 3, bracket_ev: [-2, 0, 2] });
    // Automatic shutter with a manual ISO: it has no such mode, so it is full auto.
    expect(firstSystemCaptureRequest({ ...DEFAULT_SETTINGS, iso: 400 }, "a").iso).toBe(0);
  });

  test("its pictures are served at /images/<folder of image_path>/<file>", async () => {
    expect(firstSystemImagePaths("/home/pi/skylapse-images/profile-a/capture_20251012_063000.jpg")).toEqual({
      file: "profile-a/capture_20251012_063000.jpg",
      urls: ["/images/profile-a/capture_20251012_063000.jpg", "/images/capture_20251012_063000.jpg"],
    });
    expect(() => firstSystemImagePaths("")).toThrow("does not name a file");
    // A folder that is not a plain name is not put in a URL.
    expect(firstSystemImagePaths("/tmp/../x.jpg")).toEqual({ file: "x.jpg", urls: ["/images/x.jpg"] });
    expect(firstSystemImagePaths("capture.jpg")).toEqual({ file: "capture.jpg", urls: ["/images/capture.jpg"] });
  });
});
