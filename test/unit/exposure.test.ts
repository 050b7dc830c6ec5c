import { describe, expect, test } from "bun:test";
import { type ProfileDefinition, ProfileSnapshot, SeedBase, type SeedProfileDefinition } from "../../shared/contracts/profile";
import { DEFAULT_SETTINGS, type MeterReading } from "../../shared/contracts/settings";
import { compileContent, normalizeDefinition, resolveInheritance, seedBaseToOverride, snapshotOf } from "../../shared/exposure/compile";
import { EV_CURVE_TABLES, UNKNOWN_LUX_KELVIN, WB_CURVE_TABLES } from "../../shared/exposure/curves";
import { resolveSettings } from "../../shared/exposure/resolve";
import { formatSeedShutter, parseSeedShutter, SEED_AWB_CODES, seedCodeOf, suggestIso } from "../../shared/exposure/seed-codes";
import { interpolate } from "../../shared/exposure/table";

function meter(lux: number): MeterReading {
  return { lux, exposure_time_us: 2000, analogue_gain: 1, colour_temperature: 5200 };
}

/** Our-form definition with the defaults zod would fill. */
function def(partial: Partial<ProfileDefinition>): ProfileDefinition {
  return { base: {}, schedule_overrides: {}, ...partial };
}

function seed(settings: SeedProfileDefinition["settings"], extra: Partial<SeedProfileDefinition> = {}): SeedProfileDefinition {
  return { settings, ...extra };
}

describe("interpolate", () => {
  const table: [number, number][] = [
    [100, 10],
    [200, 20],
    [400, 0],
  ];

  test("linear between rows, exact at rows", () => {
    expect(interpolate(table, 150)).toBe(15);
    expect(interpolate(table, 300)).toBe(10);
    expect(interpolate(table, 350)).toBe(5);
    expect(interpolate(table, 200)).toBe(20);
    expect(interpolate(table, 100)).toBe(10);
  });

  test("clamped below the first row and above the last", () => {
    expect(interpolate(table, 0)).toBe(10);
    expect(interpolate(table, 99.9)).toBe(10);
    expect(interpolate(table, 400)).toBe(0);
    expect(interpolate(table, 1e9)).toBe(0);
  });

  test("rows in any order give the same result, and the table is not reordered", () => {
    const shuffled: [number, number][] = [
      [400, 0],
      [100, 10],
      [200, 20],
    ];
    for (const lux of [0, 100, 150, 250, 400, 500]) expect(interpolate(shuffled, lux)).toBe(interpolate(table, lux));
    expect(shuffled[0]).toEqual([400, 0]);
  });

  test("a single-row table is constant", () => {
    for (const lux of [0, 50, 1000]) expect(interpolate([[50, 4200]], lux)).toBe(4200);
  });

  test("the seed's balanced WB curve", () => {
    const balanced = WB_CURVE_TABLES.balanced;
    expect(interpolate(balanced, 2000)).toBe(4800);
    expect(interpolate(balanced, 2500)).toBe(4950);
    expect(interpolate(balanced, 5000)).toBe(5375);
    expect(interpolate(balanced, 50)).toBe(3500);
    expect(interpolate(balanced, 50_000)).toBe(5500);
  });

  test("the seed's conservative and warm WB curves", () => {
    expect(interpolate(WB_CURVE_TABLES.conservative, 1500)).toBe(4800);
    expect(interpolate(WB_CURVE_TABLES.conservative, 850)).toBe(4400);
    expect(interpolate(WB_CURVE_TABLES.warm, 3000)).toBe(4800);
    expect(interpolate(WB_CURVE_TABLES.warm, 100)).toBe(3400);
  });

  test("the seed's EV curve", () => {
    const ev = EV_CURVE_TABLES.standard;
    expect(interpolate(ev, 100)).toBe(1.0);
    expect(interpolate(ev, 1000)).toBe(0.7);
    expect(interpolate(ev, 8000)).toBe(0);
    expect(interpolate(ev, 25_000)).toBeCloseTo(-0.4, 10);
    expect(interpolate(ev, 40_000)).toBe(-0.7);
    expect(interpolate(ev, 100_000)).toBe(-0.7);
    expect(interpolate(ev, 10)).toBe(1.0);
  });
});

describe("seed codes", () => {
  test("awb_mode codes 0..6 become names (the seed's numbering, not libcamera's)", () => {
    const names = [0, 1, 2, 3, 4, 5, 6].map((awb_mode) => seedBaseToOverride({ awb_mode, wb_temp: 4000 }).white_balance);
    expect(names).toEqual([
      { mode: "auto" },
      { mode: "daylight" },
      { mode: "cloudy" },
      { mode: "tungsten" },
      { mode: "fluorescent" },
      { mode: "incandescent" },
      { mode: "kelvin", kelvin: 4000 },
    ]);
    expect(seedBaseToOverride({ awb_mode: 6 }).white_balance).toEqual({ mode: "kelvin", kelvin: 5500 });
    expect(seedCodeOf(SEED_AWB_CODES, "daylight")).toBe(1);
    expect(() => seedCodeOf(SEED_AWB_CODES, "indoor")).toThrow("no seed code for indoor");
  });

  test("ae_metering_mode and the snapshot's metering_mode both map to named metering", () => {
    expect(seedBaseToOverride({ ae_metering_mode: 0 }).metering).toBe("centre");
    expect(seedBaseToOverride({ ae_metering_mode: 1 }).metering).toBe("spot");
    expect(seedBaseToOverride({ metering_mode: 2 }).metering).toBe("matrix");
    expect(seedBaseToOverride({ ae_metering_mode: 1, metering_mode: 2 }).metering).toBe("spot");
    expect("metering" in seedBaseToOverride({})).toBe(false);
  });

  test("iso 0 means auto; other iso values pass through", () => {
    expect(seedBaseToOverride({ iso: 0 }).iso).toBeNull();
    expect(seedBaseToOverride({ iso: 400 }).iso).toBe(400);
  });

  test("shutter strings", () => {
    expect(parseSeedShutter("1/500")).toBe(2000);
    expect(parseSeedShutter("1/3")).toBe(333_333);
    expect(parseSeedShutter("2")).toBe(2_000_000);
    expect(parseSeedShutter("0.5")).toBe(500_000);
    expect(parseSeedShutter("auto")).toBeNull();
    expect(seedBaseToOverride({ shutter_speed: "1/500" }).shutter_us).toBe(2000);
    expect(seedBaseToOverride({ shutter_speed: "auto" }).shutter_us).toBeNull();
    expect(formatSeedShutter(2000)).toBe("1/500");
    expect(formatSeedShutter(2_000_000)).toBe("2");
  });

  test("analogue gain snaps to the nearest standard ISO", () => {
    expect(suggestIso(1)).toBe(100);
    expect(suggestIso(0.4)).toBe(100);
    expect(suggestIso(3.5)).toBe(400);
    expect(suggestIso(7)).toBe(800);
    expect(suggestIso(16)).toBe(1600);
    expect(suggestIso(100)).toBe(3200);
  });

  test("other base fields: ev, focus, lens, image tuning", () => {
    expect(
      seedBaseToOverride({ exposure_compensation: -0.3, af_mode: 0, lens_position: 2.45, sharpness: 1.5, contrast: 1.15, saturation: 1.2 }),
    ).toEqual({ ev: -0.3, focus: "manual", lens_position: 2.45, sharpness: 1.5, contrast: 1.15, saturation: 1.2 });
    expect(seedBaseToOverride({ af_mode: 2 }).focus).toBe("continuous");
  });

  test("brackets: bracket_count / bracket_exposures / hdr_enabled", () => {
    expect(seedBaseToOverride({ hdr_enabled: true, bracket_count: 3, bracket_exposures: [-2, 0, 2] }).bracket).toEqual({ count: 3, ev: [-2, 0, 2] });
    expect(seedBaseToOverride({ hdr_enabled: true }).bracket).toEqual({ count: 3, ev: [-2, 0, 2] });
    expect(seedBaseToOverride({ bracket_count: 5 }).bracket).toEqual({ count: 5, ev: [-2, -1, 0, 1, 2] });
    expect(seedBaseToOverride({ bracket_count: 3, bracket_exposures: [-1, 0, 1] }).bracket).toEqual({ count: 3, ev: [-1, 0, 1] });
    expect(seedBaseToOverride({ hdr_enabled: false, bracket_count: 3 }).bracket).toBeNull();
    expect(seedBaseToOverride({ bracket_count: 1 }).bracket).toBeNull();
    expect("bracket" in seedBaseToOverride({ iso: 100 })).toBe(false);
    const tooFew = SeedBase.safeParse({ bracket_count: 5, bracket_exposures: [-2, 0, 2] });
    expect(tooFew.success).toBe(false);
    expect(tooFew.error?.issues[0]?.path).toEqual(["bracket_exposures"]);
    expect(seedBaseToOverride({ hdr_enabled: true, bracket_exposures: [-2, -1, 0, 1, 2] }).bracket).toEqual({ count: 5, ev: [-2, -1, 0, 1, 2] });
  });
});

describe("normalizeDefinition", () => {
  test("the seed's form becomes ours", () => {
    const d = normalizeDefinition(
      seed(
        {
          base: { iso: 0, shutter_speed: "auto", exposure_compensation: 0.7, awb_mode: 1, ae_metering_mode: 1 },
          adaptive_wb: { enabled: true, curve: "warm" },
          adaptive_ev: { enabled: true },
          schedule_overrides: { sunrise: { exposure_compensation: 0.9 } },
        },
        { name: "Mountain spot metering", enabled: true },
      ),
    );
    expect(d).toEqual({
      name: "Mountain spot metering",
      description: undefined,
      extends: undefined,
      base: { iso: null, shutter_us: null, ev: 0.7, white_balance: { mode: "daylight" }, metering: "spot" },
      adaptive_wb: { curve: "warm" },
      adaptive_ev: { curve: "standard" },
      schedule_overrides: { sunrise: { ev: 0.9 } },
    });
  });

  test("adaptive WB without a curve defaults to balanced; disabled means none", () => {
    expect(normalizeDefinition(seed({ base: {}, adaptive_wb: { enabled: true } })).adaptive_wb).toEqual({ curve: "balanced" });
    expect(normalizeDefinition(seed({ base: {}, adaptive_wb: { enabled: false, curve: "warm" } })).adaptive_wb).toBeNull();
  });

  test("our own form passes through unchanged", () => {
    const ours = def({ base: { ev: 0.5 }, adaptive_wb: { table: [[0, 4000]] } });
    expect(normalizeDefinition(ours)).toBe(ours);
  });
});

describe("resolveInheritance", () => {
  const defs: Record<string, ProfileDefinition> = {
    f: def({
      name: "spot",
      base: { ev: 0.7, metering: "spot", white_balance: { mode: "daylight" } },
      schedule_overrides: { sunrise: { ev: 0.9, iso: 200 }, sunset: { ev: 0.3 } },
    }),
    winter: def({ extends: "f", base: { ev: 0.5 }, schedule_overrides: { sunrise: { ev: 1.0 } } }),
    deep: def({ extends: "winter", description: "grandchild", adaptive_wb: { curve: "warm" } }),
  };

  test("the child's fields win, the rest is inherited", () => {
    const r = resolveInheritance("winter", defs);
    expect(r.name).toBe("spot");
    expect(r.base).toEqual({ ev: 0.5, metering: "spot", white_balance: { mode: "daylight" } });
  });

  test("schedule overrides merge field by field", () => {
    expect(resolveInheritance("winter", defs).schedule_overrides).toEqual({ sunrise: { ev: 1.0, iso: 200 }, sunset: { ev: 0.3 } });
  });

  test("chains of several levels resolve", () => {
    const r = resolveInheritance("deep", defs);
    expect(r.description).toBe("grandchild");
    expect(r.base.ev).toBe(0.5);
    expect(r.adaptive_wb).toEqual({ curve: "warm" });
    expect(r.schedule_overrides.sunrise).toEqual({ ev: 1.0, iso: 200 });
  });

  test("a child inherits the parent's adaptive curves unless it names its own", () => {
    const d = { p: def({ adaptive_wb: { curve: "balanced" }, adaptive_ev: { curve: "standard" } }), c: def({ extends: "p", adaptive_wb: { curve: "warm" } }) };
    const r = resolveInheritance("c", d);
    expect(r.adaptive_wb).toEqual({ curve: "warm" });
    expect(r.adaptive_ev).toEqual({ curve: "standard" });
  });

  // Absent means inherit; an explicit `enabled: false` (null in our form) switches the curve off.
  test("a seed-form child can switch off its parent's adaptive white balance", () => {
    const parent = normalizeDefinition(seed({ base: { awb_mode: 6 }, adaptive_wb: { enabled: true, curve: "warm" } }));
    const child = normalizeDefinition(seed({ base: { awb_mode: 1 }, adaptive_wb: { enabled: false } }, { extends: "parent" }));
    const r = resolveInheritance("child", { parent, child });
    expect(r.adaptive_wb).toBeNull();
  });

  test("a missing parent is refused, naming both profiles", () => {
    expect(() => resolveInheritance("c", { c: def({ extends: "nobody" }) })).toThrow("profile c: extends unknown profile 'nobody'");
    expect(() => resolveInheritance("x", {})).toThrow("unknown profile 'x'");
  });

  test("a cycle is refused, naming the chain", () => {
    const cyc = { a: def({ extends: "b" }), b: def({ extends: "a" }) };
    expect(() => resolveInheritance("a", cyc)).toThrow("profile a: inheritance cycle a → b → a");
    expect(() => resolveInheritance("s", { s: def({ extends: "s" }) })).toThrow("inheritance cycle s → s");
  });
});

describe("compiled snapshots", () => {
  test("curve names become explicit tables and defaults are filled", () => {
    const content = compileContent("g", def({ base: { sharpness: 1.2 }, adaptive_wb: { curve: "balanced" }, adaptive_ev: { curve: "standard" } }));
    expect(content.wb_table).toEqual(WB_CURVE_TABLES.balanced);
    expect(content.ev_table).toEqual(EV_CURVE_TABLES.standard);
    expect(content.base).toEqual({ ...DEFAULT_SETTINGS, sharpness: 1.2 });
    const snap = snapshotOf(content, "1.0.0");
    expect(ProfileSnapshot.safeParse(snap).success).toBe(true);
  });

  test("explicit tables are kept; no adaptive means no table", () => {
    const content = compileContent("t", def({ adaptive_wb: { table: [[0, 4000], [1000, 5000]] } }));
    expect(content.wb_table).toEqual([[0, 4000], [1000, 5000]]);
    expect(content.ev_table).toBeNull();
  });

  test("a seed profile compiles through normalisation and inheritance", () => {
    const d = normalizeDefinition(seed({ base: { iso: 0, shutter_speed: "auto", awb_mode: 6, ae_metering_mode: 2 }, adaptive_wb: { enabled: true, curve: "conservative" } }));
    const content = compileContent("c", resolveInheritance("c", { c: d }));
    expect(content.base.white_balance).toEqual({ mode: "kelvin", kelvin: 5500 });
    expect(content.base.metering).toBe("matrix");
    expect(content.wb_table).toEqual(WB_CURVE_TABLES.conservative);
  });

  test("equal content gives an equal checksum, whatever the key order and the version", () => {
    const a = compileContent("p", def({ base: { ev: 0.3, iso: 200 }, schedule_overrides: { sunset: { ev: 0.7, iso: 400 } } }));
    const b = compileContent("p", def({ schedule_overrides: { sunset: { iso: 400, ev: 0.7 } }, base: { iso: 200, ev: 0.3 } }));
    expect(Object.keys(a.schedule_overrides.sunset!)).toEqual(["ev", "iso"]);
    expect(Object.keys(b.schedule_overrides.sunset!)).toEqual(["iso", "ev"]);
    const sa = snapshotOf(a, "1.0.0");
    const sb = snapshotOf(b, "2.0.0");
    expect(sa.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(sb.checksum).toBe(sa.checksum);
    const reordered = Object.fromEntries(Object.entries(a).reverse()) as typeof a;
    expect(snapshotOf(reordered, "1.0.0").checksum).toBe(sa.checksum);
  });

  test("different content gives a different checksum", () => {
    const base = snapshotOf(compileContent("p", def({ base: { ev: 0.3 } })), "1.0.0").checksum;
    expect(snapshotOf(compileContent("p", def({ base: { ev: 0.4 } })), "1.0.0").checksum).not.toBe(base);
    expect(snapshotOf(compileContent("q", def({ base: { ev: 0.3 } })), "1.0.0").checksum).not.toBe(base);
    expect(snapshotOf(compileContent("p", def({ base: { ev: 0.3 }, adaptive_wb: { curve: "warm" } })), "1.0.0").checksum).not.toBe(base);
    expect(snapshotOf(compileContent("p", def({ base: { ev: 0.3 }, schedule_overrides: { sunset: { ev: 1 } } })), "1.0.0").checksum).not.toBe(base);
  });
});

describe("resolveSettings", () => {
  const snapshot = snapshotOf(
    compileContent(
      "g",
      def({
        base: { ev: 0.3, metering: "matrix", white_balance: { mode: "daylight" } },
        adaptive_wb: { curve: "balanced" },
        adaptive_ev: { curve: "standard" },
        schedule_overrides: { sunset: { white_balance: { mode: "cloudy" }, ev: 0.9 }, sunrise: { iso: 800 } },
      }),
    ),
    "1.0.0",
  );

  test("base → lux tables: WB and EV follow the meter", () => {
    const s = resolveSettings(snapshot, "daytime", meter(2500));
    expect(s.white_balance).toEqual({ mode: "kelvin", kelvin: 4950 });
    expect(s.ev).toBe(0.37);
    expect(s.metering).toBe("matrix");
    expect(resolveSettings(snapshot, "daytime", meter(2000)).white_balance).toEqual({ mode: "kelvin", kelvin: 4800 });
    expect(resolveSettings(snapshot, "daytime", meter(25_000)).ev).toBe(-0.4);
  });

  test("the kelvin value is rounded to whole kelvin", () => {
    expect(resolveSettings(snapshot, "daytime", meter(2001)).white_balance.kelvin).toBe(4800);
    expect(resolveSettings(snapshot, "daytime", meter(2005)).white_balance.kelvin).toBe(4802);
  });

  test("metering failed (null): WB falls back to 5500 K, the EV table is not applied", () => {
    const s = resolveSettings(snapshot, "daytime", null);
    expect(s.white_balance).toEqual({ mode: "kelvin", kelvin: UNKNOWN_LUX_KELVIN });
    expect(UNKNOWN_LUX_KELVIN).toBe(5500);
    expect(s.ev).toBe(0.3);
  });

  test("a schedule override beats the lux tables", () => {
    const s = resolveSettings(snapshot, "sunset", meter(2500));
    expect(s.white_balance).toEqual({ mode: "cloudy" });
    expect(s.ev).toBe(0.9);
    const rise = resolveSettings(snapshot, "sunrise", meter(2500));
    expect(rise.iso).toBe(800);
    expect(rise.white_balance).toEqual({ mode: "kelvin", kelvin: 4950 });
  });

  test("a test override beats the schedule override", () => {
    const s = resolveSettings(snapshot, "sunset", meter(2500), { ev: -1, iso: 100 });
    expect(s.ev).toBe(-1);
    expect(s.iso).toBe(100);
    expect(s.white_balance).toEqual({ mode: "cloudy" });
    expect(resolveSettings(snapshot, "sunset", null, { white_balance: { mode: "tungsten" } }).white_balance).toEqual({ mode: "tungsten" });
  });

  test("without tables the base settings are used as they are, and the snapshot is not changed", () => {
    const plain = snapshotOf(compileContent("a", def({ base: { ev: 0.3 } })), "1.0.0");
    const before = structuredClone(plain);
    expect(resolveSettings(plain, "daytime", meter(100))).toEqual({ ...DEFAULT_SETTINGS, ev: 0.3 });
    resolveSettings(snapshot, "sunset", meter(100), { ev: 2 });
    expect(plain).toEqual(before);
    expect(snapshot.base.white_balance).toEqual({ mode: "daylight" });
    expect(snapshot.schedule_overrides.sunset).toEqual({ white_balance: { mode: "cloudy" }, ev: 0.9 });
  });
});
