import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildAssetMap, CONTENT_SECURITY_POLICY, PUBLIC_DIR } from "../../hub/dashboard";

describe("dashboard asset map", () => {
  test("only regular files of known types under the folder: no dot-files, no links, no sources", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skylapse-assets-"));
    mkdirSync(join(dir, "lib"));
    writeFileSync(join(dir, "index.html"), "<!doctype html>");
    writeFileSync(join(dir, "lib", "a.js"), "export {}");
    writeFileSync(join(dir, "lib", "a.d.ts"), "export {}");
    writeFileSync(join(dir, ".secret.js"), "x");
    symlinkSync("/etc/hostname", join(dir, "host.css"));
    const map = buildAssetMap(dir);
    expect([...map.keys()].sort()).toEqual(["index.html", "lib/a.js"]);
    expect(map.get("lib/a.js")!.type).toContain("text/javascript");
  });

  test("the shipped dashboard: its pages are all there, and the policy allows no inline script", async () => {
    const map = buildAssetMap(PUBLIC_DIR);
    for (const file of ["index.html", "app.js", "style.css", "lib/api.js", "lib/format.js", "pages/fleet.js", "pages/camera.js", "pages/profiles.js", "pages/tests.js", "pages/timelapses.js"])
      expect(map.has(file)).toBe(true);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain("unsafe-inline");
    // index.html loads its script as a module file, never inline.
    const html = new TextDecoder().decode(map.get("index.html")!.body);
    expect(html).toMatch(/<script type="module" src="\/dashboard\/app\.js"><\/script>/);
    expect(html).not.toMatch(/<script(?![^>]*src=)[^>]*>/);
  });
});
