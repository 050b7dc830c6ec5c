import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CONTRACT_MARK, expandOnlyViolations, newestVersion, parseVersion, versionCompatibility } from "../../hub/version/compute";
import { MIGRATIONS_ROOT } from "../../shared/sqlite";

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

describe("migrations are expand-only", () => {
  test("dropping, renaming, tightening are named; adding tables, defaulted or nullable columns, indexes is not", () => {
    expect(expandOnlyViolations('CREATE TABLE "t" ("id" text PRIMARY KEY NOT NULL, "n" bigint NOT NULL);\n--> statement-breakpoint\nCREATE UNIQUE INDEX "t_n" ON "t" USING btree ("n");')).toEqual([]);
    expect(expandOnlyViolations("ALTER TABLE `cameras` ADD `revision` integer DEFAULT 0 NOT NULL;--> statement-breakpoint\nALTER TABLE `captures` ADD `note` text;\n--> statement-breakpoint\nCREATE INDEX `c_n` ON `captures` (`note`);")).toEqual([]);
    // A plain index rebuilt in place (here: made partial) is no contraction; dropping one alone is.
    expect(expandOnlyViolations('DROP INDEX "c_t";--> statement-breakpoint\nCREATE INDEX "c_t" ON "captures" USING btree ("test_id") WHERE "captures"."test_id" is not null;')).toEqual([]);
    const bad = [
      "DROP INDEX `c_t`;",
      "DROP TABLE `old`;",
      "ALTER TABLE `captures` DROP COLUMN `note`;",
      'ALTER TABLE "captures" RENAME COLUMN "note" TO "remark";',
      'ALTER TABLE "captures" ALTER COLUMN "note" SET NOT NULL;',
      "ALTER TABLE `captures` ADD `must` text NOT NULL;",
      "CREATE UNIQUE INDEX `captures_note` ON `captures` (`note`);",
      'ALTER TABLE "captures" ADD CONSTRAINT "fk" FOREIGN KEY ("camera_id") REFERENCES "cameras"("id");',
    ];
    for (const sql of bad) expect({ sql, named: expandOnlyViolations(sql).length }).toEqual({ sql, named: 1 });
    expect(expandOnlyViolations(`${CONTRACT_MARK} drops captures.note, unused since 0.3\nALTER TABLE \`captures\` DROP COLUMN \`note\`;`)).toEqual([]);
  });

  /** The newest migration of 0.1.0, the release before the rule: its migrations were written before it. */
  const RULE_AFTER = { hub: 1796057872374, "hub-pg": 1796057878684 };

  test("every migration the hub carries since the rule, on both backends, only adds (or is marked as a contract step)", () => {
    for (const part of ["hub", "hub-pg"] as const) {
      const folder = join(MIGRATIONS_ROOT, part);
      const journal: { entries: { tag: string; when: number }[] } = JSON.parse(readFileSync(join(folder, "meta", "_journal.json"), "utf8"));
      const since = journal.entries.filter((e) => e.when > RULE_AFTER[part]);
      expect(since.length).toBeGreaterThan(0);
      for (const { tag } of since)
        expect({ tag: `${part}/${tag}`, violations: expandOnlyViolations(readFileSync(join(folder, `${tag}.sql`), "utf8")) }).toEqual({ tag: `${part}/${tag}`, violations: [] });
    }
  });
});
