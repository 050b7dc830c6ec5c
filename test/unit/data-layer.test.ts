/**
 * One data layer: the hub's SQL lives in hub/db/ and in each feature's data
 * module (`data.ts`, `store.ts`, the render queue's claims, the SQLite backup's
 * statements). Anywhere else a hub file may use drizzle's and the schema's types,
 * never build a query.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const HUB = join(import.meta.dir, "../../hub");

const isDataModule = (path: string) =>
  path.startsWith("db/") || /(^|\/)(data|store)\.ts$/.test(path) || path === "timelapses/queue.ts" || path === "backup/sqlite.ts";

/** Value imports (not `import type`, not only `type X` specifiers) of a module matching `from`. */
function valueImports(source: string, from: RegExp): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/^import\s+(type\s+)?([^;]*?)\s+from\s+"([^"]+)";?/gms)) {
    const [, typeOnly, clause, module] = m;
    if (typeOnly || !from.test(module!)) continue;
    const specifiers = /\{([^}]*)\}/.exec(clause!)?.[1];
    const named = specifiers?.split(",").map((s) => s.trim()).filter(Boolean) ?? [];
    const defaultOrNamespace = clause!.replace(/\{[^}]*\}/, "").replace(/,/g, "").trim();
    if (defaultOrNamespace || named.some((s) => !s.startsWith("type "))) out.push(module!);
  }
  return out;
}

/** Query building: `.select(…).from(`, `.insert(t).values(`, `.update(t).set(`, `.delete(t).where(` and the like. */
const QUERY_CHAIN = /\.(select|selectDistinct|insert|update|delete)\((\s*\{[^]*?\}\s*|[\w.]*)\)\s*\.(from|values|set|where|returning|onConflictDoUpdate|onConflictDoNothing)\(/;

/** Why a hub source file breaks the rule; empty when it does not. */
function sqlOutsideDataLayer(source: string): string[] {
  const reasons = [
    ...valueImports(source, /^drizzle-orm(\/|$)/).map((m) => `imports query builders from ${m}`),
    ...valueImports(source, /(^|\/)db\/schema(-pg)?$/).map((m) => `imports tables from ${m}`),
    ...valueImports(source, /^bun:sqlite$/).map(() => "opens SQLite itself"),
  ];
  const chain = QUERY_CHAIN.exec(source);
  if (chain) reasons.push(`builds a query: ${chain[0].replace(/\s+/g, " ").slice(0, 80)}`);
  return reasons;
}

function hubSources(dir = HUB): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "public" ? [] : hubSources(path);
    return e.name.endsWith(".ts") ? [relative(HUB, path).split("\\").join("/")] : [];
  });
}

describe("the hub's SQL lives in its data modules", () => {
  const files = hubSources();

  test("no hub file outside hub/db/ and the data modules builds a query", () => {
    const offenders = files
      .filter((f) => !isDataModule(f))
      .flatMap((f) => sqlOutsideDataLayer(readFileSync(join(HUB, f), "utf8")).map((why) => `hub/${f}: ${why}`));
    expect(offenders).toEqual([]);
  });

  test("the check sees a query and lets types, routes and maps pass", () => {
    expect(sqlOutsideDataLayer(`import { eq } from "drizzle-orm";`)).toHaveLength(1);
    expect(sqlOutsideDataLayer(`import { cameras } from "../db/schema";`)).toHaveLength(1);
    expect(sqlOutsideDataLayer(`const rows = await db\n  .select({ id: c.id, at: c.at })\n  .from(c);`)).toHaveLength(1);
    expect(sqlOutsideDataLayer(`await t.update(timelapses).set({ status });`)).toHaveLength(1);
    expect(sqlOutsideDataLayer(`await db.delete(codes).where(x);`)).toHaveLength(1);
    expect(sqlOutsideDataLayer(`import type { cameras } from "../db/schema";\nimport { type SQL } from "drizzle-orm";`)).toEqual([]);
    expect(sqlOutsideDataLayer(`app.delete("/:id", h);\nseen.delete(id);\nhasher.update(chunk);\nconst s = new Set(x).values();`)).toEqual([]);
  });
});
