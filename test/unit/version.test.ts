import { describe, expect, test } from "bun:test";
import { newestVersion, parseVersion, versionCompatibility } from "../../hub/version/compute";

describe("the hub's version rule", () => {
  test("versions parse and the newest is found by number, not text", () => {
    expect(parseVersion("1.12.3")).toEqual({ major: 1, minor: 12, patch: 3 });
    expect(parseVersion("1.2")).toBeNull();
    expect(newestVersion(["0.9.0", "0.10.0", "0.2.5", "junk"])).toBe("0.10.0");
    expect(newestVersion([])).toBeNull();
  });

  test("a hub runs on a database of its own, an older, or the next minor version; not on a newer major or two minors ahead", () => {
    expect(versionCompatibility("1.4.0", null).ok).toBe(true);
    expect(versionCompatibility("1.4.0", "1.4.7").ok).toBe(true);
    expect(versionCompatibility("1.4.0", "1.2.0").ok).toBe(true);
    expect(versionCompatibility("2.0.0", "1.9.0").ok).toBe(true);
    expect(versionCompatibility("1.4.2", "1.5.0").ok).toBe(true);
    expect(versionCompatibility("1.4.2", "1.6.0")).toMatchObject({ ok: false, reason: expect.stringContaining("more than one minor version newer") });
    expect(versionCompatibility("1.9.0", "2.0.0")).toMatchObject({ ok: false, reason: expect.stringContaining("a newer major version") });
  });
});
