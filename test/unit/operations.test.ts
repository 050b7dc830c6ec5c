/** The pure parts of the hub's production basics: exposition text, readiness, attention counts, backup manifests, client addresses. */
import { describe, expect, test } from "bun:test";
import { Counter, gauge, Histogram, render } from "../../hub/metrics/exposition";
import { countByAttention } from "../../hub/metrics/compute";
import { migrationsCurrent, readiness } from "../../hub/readiness/compute";
import { mismatches, safeRelativePath } from "../../hub/backup/manifest";
import { clientAddress } from "../../hub/forwarded";
import { parseExposition, sampleValue } from "../harness/prometheus";

describe("exposition", () => {
  test("counters, a histogram with cumulative buckets, gauges; label values escaped; it parses back", () => {
    const c = new Counter("x_total", "Things.").declare({ kind: "a" });
    c.inc({ kind: "b" }, 2);
    c.inc({ kind: "b" });
    const h = new Histogram("d_seconds", "Durations.", [0.1, 1]);
    for (const v of [0.05, 0.1, 0.5, 3]) h.observe({ route: "/r" }, v);
    const text = render([c.family(), h.family(), gauge("g", 'A "gauge"\nwith lines.', [{ labels: { camera: 'we"ird\\cam' }, value: 7 }])]);
    expect(text).toContain('x_total{kind="a"} 0\nx_total{kind="b"} 3\n');
    expect(text).toContain('d_seconds_bucket{route="/r",le="0.1"} 2\nd_seconds_bucket{route="/r",le="1"} 3\nd_seconds_bucket{route="/r",le="+Inf"} 4\nd_seconds_sum{route="/r"} 3.65\nd_seconds_count{route="/r"} 4\n');
    expect(text).toContain("# HELP g A \"gauge\"\\nwith lines.\n# TYPE g gauge\n");
    const parsed = parseExposition(text);
    expect([...parsed].map(([n, f]) => [n, f.type])).toEqual([["x_total", "counter"], ["d_seconds", "histogram"], ["g", "gauge"]]);
    expect(sampleValue(parsed, "g", { camera: 'we"ird\\cam' })).toBe(7);
  });

  test("attention reasons once seen read 0 when no camera has them any more", () => {
    const seen = new Set<string>();
    expect(countByAttention([{ attention: ["offline", "disk"] }, { attention: ["offline"] }], seen)).toEqual([
      { labels: { reason: "disk" }, value: 1 },
      { labels: { reason: "offline" }, value: 2 },
    ]);
    expect(countByAttention([{ attention: [] }], seen).map((s) => s.value)).toEqual([0, 0]);
  });
});

describe("readiness", () => {
  test("every check fine and not draining is ready; otherwise each reason named", () => {
    expect(readiness({ database: { ok: true }, storage: { ok: true } }, false)).toEqual({ ready: true, checks: { database: "ok", storage: "ok" }, reasons: [] });
    expect(readiness({ database: { ok: true }, storage: { ok: false, reason: "EACCES" } }, true)).toEqual({
      ready: false,
      checks: { database: "ok", storage: "EACCES" },
      reasons: ["draining: the hub is shutting down", "storage: EACCES"],
    });
  });

  test("a database holding every migration of the build is current, ahead too (a rolling upgrade); behind, empty, or lacking an older one is not", () => {
    expect(migrationsCurrent([100, 200], [100, 200]).ok).toBe(true);
    expect(migrationsCurrent([100, 200, 300], [100, 200]).ok).toBe(true);
    expect(migrationsCurrent([100], [100, 200])).toMatchObject({ ok: false, reason: expect.stringContaining("the database's newest migration") });
    expect(migrationsCurrent([], [100, 200])).toEqual({ ok: false, reason: "no migration applied" });
    // A migration of the build older than the database's newest, not applied: drizzle would never apply it.
    expect(migrationsCurrent([100, 300], [100, 200])).toMatchObject({ ok: false, reason: expect.stringContaining("another line") });
  });
});

describe("backup manifests", () => {
  test("paths stay inside the backup; a file missing, resized or changed is named", () => {
    expect(["images/a/full/x.jpg", "operator-token"].every(safeRelativePath)).toBe(true);
    expect(["/etc/passwd", "images/../../x", "images//x", "./x", ""].some(safeRelativePath)).toBe(false);
    const sha = (c: string) => c.repeat(64);
    const expected = [
      { path: "a", bytes: 1, sha256: sha("a") },
      { path: "b", bytes: 2, sha256: sha("b") },
      { path: "c", bytes: 3, sha256: sha("c") },
      { path: "d", bytes: 4, sha256: sha("d") },
    ];
    const found = new Map([
      ["a", { bytes: 1, sha256: sha("a") }],
      ["b", { bytes: 5, sha256: sha("b") }],
      ["c", { bytes: 3, sha256: sha("f") }],
      ["d", null],
    ]);
    expect(mismatches(expected, found)).toEqual([`b: 5 bytes, the manifest says 2`, `c: sha256 ${sha("f")}, the manifest says ${sha("c")}`, "d: missing"]);
  });
});

describe("client address", () => {
  const request = (xff?: string) => new Request("http://hub/x", { headers: xff ? { "x-forwarded-for": xff } : {} });
  test("the socket's address unless a trusted proxy says otherwise; then the hop it appended", () => {
    expect(clientAddress(request("203.0.113.9"), "10.0.0.2", false)).toBe("10.0.0.2");
    expect(clientAddress(request("198.51.100.7, 203.0.113.9"), "10.0.0.2", true)).toBe("203.0.113.9");
    expect(clientAddress(request(), "10.0.0.2", true)).toBe("10.0.0.2");
    expect(clientAddress(request(" , "), null, true)).toBe(null);
  });
});
