import { describe, expect, test } from "bun:test";
import { ConfigError, parseConfig, readConfig } from "../../hub/config/service";
import { HubConfig } from "../../shared/contracts/config";
import { type ProfileDefinition, ProfileSnapshot } from "../../shared/contracts/profile";
import { scheduleRuleInput } from "../../shared/contracts/schedule";
import { compileContent, normalizeDefinition, resolveInheritance, snapshotOf } from "../../shared/exposure/compile";

const EXAMPLE = await Bun.file(new URL("../../config.example.json", import.meta.url)).json();

/** A deep copy of the example config, changed by `edit`. */
function example(edit: (c: any) => void = () => {}): unknown {
  const c = structuredClone(EXAMPLE);
  edit(c);
  return c;
}

/** The ConfigError message parseConfig throws for the edited example. */
function errorOf(edit: (c: any) => void): string {
  try {
    parseConfig(example(edit));
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected parseConfig to throw");
}

describe("the example config", () => {
  const config = parseConfig(example());

  test("parses, with the seed's schedule shorthand expanded", () => {
    expect(config.location).toEqual({ latitude: 39.609573, longitude: -105.314163, timezone: "America/Denver" });
    expect(config.schedules.sunrise).toEqual({
      type: "solar_relative",
      anchor: "sunrise",
      offset_minutes: -30,
      duration_minutes: 60,
      interval_seconds: 15,
      enabled: true,
    });
    expect(config.schedules.sunset).toMatchObject({ type: "solar_relative", anchor: "sunset" });
    expect(config.schedules.daytime).toEqual({ type: "time_of_day", start_time: "07:30", end_time: "17:45", interval_seconds: 30, enabled: true });
    expect(config.sync).toEqual({ poll_interval_seconds: 60, plan_days: 7 });
  });

  test("cameras keep their fields and default to autonomous mode", () => {
    expect(Object.keys(config.cameras).sort()).toEqual(["mountain_view", "overhead", "valley"]);
    expect(config.cameras.mountain_view).toMatchObject({ deployed_profile: "f", mode: "autonomous", schedules: ["sunrise", "daytime", "sunset"] });
  });

  test("every profile, seed form or ours, compiles to a valid snapshot", () => {
    const defs: Record<string, ProfileDefinition> = {};
    for (const [id, d] of Object.entries(config.profiles)) defs[id] = normalizeDefinition(d);
    expect(Object.keys(defs)).toHaveLength(8);
    for (const id of Object.keys(defs)) {
      const snap = snapshotOf(compileContent(id, resolveInheritance(id, defs)), "1.0.0");
      expect(ProfileSnapshot.safeParse(snap).success).toBe(true);
    }
    const winter = compileContent("mountain_spot_winter_2025", resolveInheritance("mountain_spot_winter_2025", defs));
    expect(winter.base).toMatchObject({ ev: -1.5, metering: "spot", white_balance: { mode: "daylight" }, iso: null, shutter_us: null });
    expect(winter.schedule_overrides.sunrise).toEqual({ ev: -1.2 });
    const d = compileContent("d", resolveInheritance("d", defs));
    expect(d.base).toMatchObject({ bracket: { count: 3, ev: [-2, 0, 2] }, lens_position: 2.45, focus: "manual" });
  });

  test("a minimal config gets its defaults", () => {
    const minimal = parseConfig({ location: { latitude: 0, longitude: 0, timezone: "UTC" } });
    expect(minimal).toEqual({
      location: { latitude: 0, longitude: 0, timezone: "UTC" },
      schedules: {},
      cameras: {},
      profiles: {},
      sync: { poll_interval_seconds: 60, plan_days: 7 },
    });
  });
});

describe("schedule shorthand", () => {
  test("a schedule named sunrise/sunset without type is solar-relative to that event", () => {
    const r = scheduleRuleInput("sunset").parse({ duration_minutes: 45, interval_seconds: 10 });
    expect(r).toEqual({ type: "solar_relative", anchor: "sunset", offset_minutes: 0, duration_minutes: 45, interval_seconds: 10, enabled: true });
  });

  test("start_time makes a time-of-day schedule, whatever its name", () => {
    expect(scheduleRuleInput("sunrise").parse({ start_time: "05:00", end_time: "06:00", interval_seconds: 5 })).toMatchObject({ type: "time_of_day" });
  });

  test("an explicit anchor makes any name solar-relative", () => {
    expect(scheduleRuleInput("golden").parse({ anchor: "sunset", duration_minutes: 30, interval_seconds: 5 })).toMatchObject({
      type: "solar_relative",
      anchor: "sunset",
    });
  });

  test("an explicit type is kept", () => {
    const r = HubConfig.parse({
      location: { latitude: 0, longitude: 0, timezone: "UTC" },
      schedules: { evening: { type: "time_of_day", start_time: "18:00", end_time: "20:00", interval_seconds: 60, enabled: false } },
    });
    expect(r.schedules.evening).toMatchObject({ type: "time_of_day", enabled: false });
  });
});

describe("parseConfig errors name the field and the reason", () => {
  test("missing interval_seconds on a shorthand schedule", () => {
    const msg = errorOf((c) => delete c.schedules.sunrise.interval_seconds);
    expect(msg).toStartWith("invalid config: ");
    expect(msg).toContain("schedules.sunrise.interval_seconds:");
    expect(msg).toContain("expected number");
  });

  test("interval_seconds out of range", () => {
    expect(errorOf((c) => (c.schedules.daytime.interval_seconds = 0))).toContain("schedules.daytime.interval_seconds: Too small");
  });

  test("a camera naming an unknown schedule", () => {
    expect(errorOf((c) => c.cameras.valley.schedules.push("moonrise"))).toContain("cameras.valley.schedules.3: unknown schedule 'moonrise'");
  });

  test("a camera deploying an unknown profile", () => {
    expect(errorOf((c) => (c.cameras.valley.deployed_profile = "zz"))).toContain("cameras.valley.deployed_profile: unknown profile 'zz'");
  });

  test("a schedule bursting an unknown profile", () => {
    expect(errorOf((c) => (c.schedules.sunrise.profiles = ["a", "q"]))).toContain("schedules.sunrise.profiles.1: unknown profile 'q'");
  });

  test("a bad time zone, site-wide or per camera", () => {
    expect(errorOf((c) => (c.location.timezone = "Mars/Olympus_Mons"))).toContain("location.timezone: unknown IANA time zone");
    expect(errorOf((c) => (c.cameras.overhead.timezone = "Denver"))).toContain("cameras.overhead.timezone: unknown IANA time zone");
  });

  test("a profile inheritance cycle", () => {
    const msg = errorOf((c) => {
      c.profiles.f.extends = "mountain_spot_winter_2025";
    });
    expect(msg).toContain("profiles.f.extends:");
    expect(msg).toContain("inheritance cycle f → mountain_spot_winter_2025 → f");
  });

  test("a profile extending a missing profile", () => {
    expect(errorOf((c) => (c.profiles.mountain_spot_winter_2025.extends = "nobody"))).toContain(
      "profiles.mountain_spot_winter_2025.extends: profile mountain_spot_winter_2025: extends unknown profile 'nobody'",
    );
  });

  test("bad time strings and equal start/end", () => {
    expect(errorOf((c) => (c.schedules.daytime.start_time = "7:30"))).toContain('schedules.daytime.start_time: use 24-hour "HH:MM"');
    expect(errorOf((c) => (c.schedules.daytime.end_time = "07:30"))).toContain("schedules.daytime.end_time: start_time and end_time must differ");
  });

  test("seed-form profile fields out of range", () => {
    expect(errorOf((c) => (c.profiles.a.settings.base.awb_mode = 9))).toContain("profiles.a.settings.base.awb_mode: Too big");
    expect(errorOf((c) => (c.profiles.a.settings.base.shutter_speed = "fast"))).toContain("profiles.a.settings.base.shutter_speed:");
  });

  test("our-form profile fields out of range", () => {
    expect(errorOf((c) => (c.profiles.mountain_spot_winter_2025.base.ev = 9))).toContain("profiles.mountain_spot_winter_2025.base.ev: Too big");
  });

  test("latitude without longitude, unknown keys, bad ids", () => {
    expect(errorOf((c) => delete c.cameras.valley.longitude)).toContain("cameras.valley.longitude: latitude and longitude go together");
    expect(errorOf((c) => (c.colour = "blue"))).toContain('Unrecognized key: "colour"');
    expect(errorOf((c) => (c.cameras["North Ridge"] = {}))).toContain("cameras.North Ridge");
  });

  test("a schedule with an unknown name and no type or times", () => {
    expect(errorOf((c) => (c.schedules.golden = { interval_seconds: 10 }))).toContain("schedules.golden.type:");
  });

  test("too few bracket_exposures for bracket_count is a ConfigError naming the field", () => {
    let error: unknown;
    try {
      parseConfig(example((c) => (c.profiles.d.settings.base.bracket_count = 5)));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain("profiles.d.settings.base.bracket_exposures");
  });
});

const FIRST = await Bun.file(new URL("../fixtures/first-system/config.json", import.meta.url)).json();

describe("the first system's config files", () => {
  test("its backend/config.json applies: its smoothing kept, keys it had and we do not run set aside with a note each", () => {
    const { config, notes } = readConfig(FIRST);
    expect(Object.keys(config.profiles).sort()).toEqual(["a", "b", "c", "d", "e", "f", "g"]);
    expect(config.schedules.all_day).toMatchObject({ type: "time_of_day", start_time: "06:30", end_time: "21:30", interval_seconds: 5 });
    expect(notes.some((n) => n.startsWith("pi: "))).toBe(true);
    for (const s of ["sunrise", "sunset", "all_day"]) {
      expect(notes.some((n) => n.startsWith(`schedules.${s}.smoothing`))).toBe(false);
      expect(notes.some((n) => n.startsWith(`schedules.${s}.video_debug: `))).toBe(true);
    }
    expect(notes.some((n) => n.startsWith("profiles.g.video_filters: "))).toBe(true);
    // Its smoothing is kept on the schedule and runs as the ramp (shared/exposure/smoothing).
    expect(config.schedules.sunrise!.smoothing).toEqual({ enabled: true, window_frames: 8, max_change_per_frame: 0.12, iso_weight: 0.7, shutter_weight: 0.3 });
  });

  test("`adaptive_ev.curve: \"adaptive\"` is the standard curve under the first system's name", () => {
    const g = resolveInheritance("g", { g: normalizeDefinition(readConfig(FIRST).config.profiles.g!) });
    const std = compileContent("x", { ...g, adaptive_ev: { curve: "standard" } });
    expect(compileContent("x", g).ev_table).toEqual(std.ev_table);
    expect(std.ev_table).not.toBeNull();
  });

  test("a schedule's profiles leave out those marked enabled: false, as its scheduler did", () => {
    const raw = structuredClone(FIRST);
    raw.schedules.sunrise.profiles = ["a", "c", "g"];
    const { config, notes } = readConfig(raw);
    expect(config.schedules.sunrise!.profiles).toEqual(["a", "g"]);
    expect(notes).toContain("schedules.sunrise.profiles: c left out (enabled: false)");
  });

  test("its older form (stack_images, storage, processing) applies with notes too", () => {
    const raw = { location: FIRST.location, schedules: { sunrise: { enabled: true, offset_minutes: -30, duration_minutes: 60, interval_seconds: 15, stack_images: true, stack_count: 5 } }, storage: { images_dir: "x" }, processing: { video_fps: 24 } };
    const { notes } = readConfig(raw);
    expect(notes.map((n) => n.split(":")[0])).toEqual(["storage", "processing", "schedules.sunrise.stack_images", "schedules.sunrise.stack_count"]);
  });

  test("the seed's example: a camera whose deployed_profile is not defined is refused, naming it", () => {
    const seed = {
      location: { latitude: 39.609573, longitude: -105.314163, timezone: "America/Denver" },
      schedules: { sunrise: { enabled: true, offset_minutes: -30, duration_minutes: 60, interval_seconds: 15 } },
      cameras: { mountain_view: { host: "192.168.0.124", port: 8080, location: "north_ridge", deployed_profile: "mountain_spot_winter_2025", schedules: ["sunrise"] } },
    };
    expect(() => parseConfig(seed)).toThrow("cameras.mountain_view.deployed_profile: unknown profile 'mountain_spot_winter_2025'");
    const withProfile = { ...seed, profiles: { mountain_spot_winter_2025: { settings: { base: { exposure_compensation: 0.5, ae_metering_mode: 1 } } } } };
    expect(readConfig(withProfile).config.cameras.mountain_view!.deployed_profile).toBe("mountain_spot_winter_2025");
  });

  test("keys that are neither ours nor the first system's are still refused", () => {
    expect(() => parseConfig({ ...FIRST, pies: {} })).toThrow(/pies/);
    expect(() => parseConfig({ ...FIRST, schedules: { ...FIRST.schedules, sunrise: { ...FIRST.schedules.sunrise, smooth: {} } } })).toThrow(/smooth/);
  });
});

describe("a first-system schedule without profiles", () => {
  test("in its own form (no cameras) captures every enabled profile, as its scheduler did; in ours, the camera's profile", () => {
    const raw = structuredClone(FIRST);
    delete raw.schedules.sunrise.profiles;
    const { config, notes } = readConfig(raw);
    expect(config.schedules.sunrise!.profiles).toEqual(["a", "b", "d", "g"]);
    expect(notes).toContain("schedules.sunrise.profiles: none named: every enabled profile (a, b, d, g), as the first system ran them");
    expect(readConfig({ ...raw, cameras: {} }).config.schedules.sunrise!.profiles).toBeUndefined();
  });
});
