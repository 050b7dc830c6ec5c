/**
 * Builds the agent as one executable: `bun run build:agent [--target bun-linux-arm64] [--outfile PATH]`.
 * The migrations are embedded (a Pi has no source tree); the default target is the
 * Raspberry Pi's arm64, whose Bun runtime comes from the npm registry.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";

const ROOT = join(import.meta.dir, "..", "..");
const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { target: { type: "string", default: "bun-linux-arm64" }, outfile: { type: "string" } },
  strict: true,
});
const TARGETS = ["bun-linux-arm64", "bun-linux-x64", "bun-linux-x64-baseline"];
if (!TARGETS.includes(values.target!)) {
  console.error(`build: --target must be one of ${TARGETS.join(", ")}`);
  process.exit(2);
}
const outfile = values.outfile ?? join(ROOT, "dist", `skylapse-agent-${values.target!.replace("bun-linux-", "")}`);

const buildDir = join(ROOT, ".build");
mkdirSync(buildDir, { recursive: true });
const migrations = join(ROOT, "migrations", "edge");
const tags = readdirSync(migrations).filter((f) => f.endsWith(".sql")).map((f) => f.slice(0, -4)).sort();
const rel = (p: string) => `./${relative(buildDir, p)}`;
const entry = [
  `import { registerEmbeddedMigrations } from "${rel(join(ROOT, "shared", "sqlite.ts"))}";`,
  `import journal from "${rel(join(migrations, "meta", "_journal.json"))}";`,
  ...tags.map((tag, i) => `import m${i} from "${rel(join(migrations, `${tag}.sql`))}" with { type: "text" };`),
  `registerEmbeddedMigrations("edge", journal, { ${tags.map((tag, i) => `${JSON.stringify(tag)}: m${i}`).join(", ")} });`,
  `await import("${rel(join(ROOT, "edge", "main.ts"))}");`,
].join("\n");
writeFileSync(join(buildDir, "agent-entry.ts"), `${entry}\n`);

const proc = Bun.spawnSync(["bun", "build", "--compile", `--target=${values.target}`, join(buildDir, "agent-entry.ts"), "--outfile", outfile], {
  cwd: ROOT,
  stdout: "inherit",
  stderr: "inherit",
});
if (proc.exitCode !== 0) process.exit(proc.exitCode ?? 1);
console.log(`build: ${outfile}`);
