import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dashboardModule, PUBLIC_DIR } from "../../hub/dashboard";
import { SHARED_MODULES, transpileShared } from "../../hub/dashboard/shared-modules";
import type { HubContext } from "../../hub/context";
import * as shared from "../../shared/plan/local-time";

const app = dashboardModule({} as HubContext);
const get = (path: string, headers: Record<string, string> = {}) => app.handle(new Request(`http://localhost${path}`, { headers }));

describe("shared modules served to the dashboard", () => {
  test("an allow-listed module as JavaScript, with the dashboard's headers, its etag answering 304", async () => {
    const res = await get("/dashboard/shared/local-time.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    const code = await res.text();
    expect(code).toContain("export function localToUtc");
    expect(code).not.toMatch(/:\s*(number|string|LocalDate)\b/); // no TypeScript left in it
    const again = await get("/dashboard/shared/local-time.js", { "if-none-match": res.headers.get("etag")! });
    expect(again.status).toBe(304);
  });

  test("nothing else: no other shared file, no source, no path out of the list", async () => {
    for (const path of [
      "/dashboard/shared/ticks.js",
      "/dashboard/shared/local-time.ts",
      "/dashboard/shared/local-time",
      "/dashboard/shared/../../shared/plan/local-time.ts",
      "/dashboard/shared/%2e%2e/plan/local-time.js",
      "/dashboard/shared/..%2f..%2fshared%2fplan%2flocal-time.ts",
      "/dashboard/shared/plan/local-time.js",
      "/dashboard/shared/",
    ])
      expect((await get(path)).status).toBe(404);
    expect(() => transpileShared("../plan/ticks")).toThrow("not a shared dashboard module");
  });

  test("every allow-listed module stands alone: it imports nothing the browser would have to find", () => {
    const transpiler = new Bun.Transpiler({ loader: "js" });
    for (const name of Object.keys(SHARED_MODULES)) expect(transpiler.scanImports(transpileShared(name))).toEqual([]);
  });

  test("the served module computes what the shared one does (a DST gap and a half-hour zone)", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "skylapse-shared-")), "local-time.js");
    writeFileSync(file, await (await get("/dashboard/shared/local-time.js")).text());
    const served = await import(file);
    const day = { year: 2026, month: 10, day: 4 };
    for (const [tz, h, m] of [["Australia/Lord_Howe", 2, 15], ["America/Denver", 7, 30], ["Asia/Kolkata", 0, 0]] as const)
      expect(served.localToUtc(tz, day, h, m)).toBe(shared.localToUtc(tz, day, h, m));
  });
});

describe("the dashboard keeps no zone math of its own", () => {
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".js") ? [join(dir, e.name)] : []));

  test("no offsets, wall clocks or zone names computed under public/; format.js imports the served module", () => {
    const found = files(PUBLIC_DIR).flatMap((file) =>
      [/formatToParts/, /timeZoneName/, /Date\.UTC/, /getTimezoneOffset/, /offsetMs|zoneOffset/].filter((re) => re.test(readFileSync(file, "utf8"))).map((re) => `${file}: ${re}`),
    );
    expect(found).toEqual([]);
    expect(readFileSync(join(PUBLIC_DIR, "lib", "format.js"), "utf8")).toContain('from "../shared/local-time.js"');
  });
});
