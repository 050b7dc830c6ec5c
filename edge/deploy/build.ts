/**
 * Builds the agent. `bun run build:agent [--target bun-linux-arm64] [--outfile PATH]`: one
 * executable (runtime and code together). `bun run build:agent --release --version V
 * [--target …] [--outdir DIR] [--runtime PATH]`: a release for over-the-air updates — the
 * Bun runtime and our code bundled into one JS file, each compressed, and an unsigned
 * manifest (`skylapse releases sign` signs it). The migrations are embedded either way
 * (a Pi has no source tree); the default target is the Raspberry Pi's arm64, whose Bun
 * runtime comes from the npm registry.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { arch } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { ReleaseVersion } from "../../shared/contracts/release";
import { packRelease } from "./release";

const ROOT = join(import.meta.dir, "..", "..");
const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    target: { type: "string", default: "bun-linux-arm64" },
    outfile: { type: "string" },
    release: { type: "boolean", default: false },
    version: { type: "string" },
    outdir: { type: "string" },
    runtime: { type: "string" },
  },
  strict: true,
});
/** Each target's machine and the npm package that carries its Bun runtime. */
const TARGETS: Record<string, { arch: "x64" | "arm64"; npm: string }> = {
  "bun-linux-arm64": { arch: "arm64", npm: "@oven/bun-linux-aarch64" },
  "bun-linux-x64": { arch: "x64", npm: "@oven/bun-linux-x64" },
  "bun-linux-x64-baseline": { arch: "x64", npm: "@oven/bun-linux-x64-baseline" },
};
const target = TARGETS[values.target!];
if (!target) fail(`--target must be one of ${Object.keys(TARGETS).join(", ")}`);
if (values.release && !ReleaseVersion.safeParse(values.version).success) fail("--release needs --version V (letters, digits and . + _ -)");

function fail(message: string): never {
  console.error(`build: ${message}`);
  process.exit(2);
}

function run(command: string[]): void {
  const proc = Bun.spawnSync(command, { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
  if (proc.exitCode !== 0) process.exit(proc.exitCode ?? 1);
}

const buildDir = join(ROOT, ".build");
mkdirSync(buildDir, { recursive: true });
const migrations = join(ROOT, "migrations", "edge");
const tags = readdirSync(migrations).filter((f) => f.endsWith(".sql")).map((f) => f.slice(0, -4)).sort();
const rel = (p: string) => `./${relative(buildDir, p)}`;
// The JIT policy is set before the agent's modules load: a runtime call, so the release bundle the launcher runs has it too.
const entry = [
  `import { AGENT_JIT_POLICY } from "${rel(join(ROOT, "edge", "memory.ts"))}";`,
  `import { registerEmbeddedMigrations } from "${rel(join(ROOT, "shared", "sqlite.ts"))}";`,
  `import { setAgentVersion } from "${rel(join(ROOT, "edge", "version.ts"))}";`,
  `import journal from "${rel(join(migrations, "meta", "_journal.json"))}";`,
  ...tags.map((tag, i) => `import m${i} from "${rel(join(migrations, `${tag}.sql`))}" with { type: "text" };`),
  `Bun.unsafe.setJITPolicy(AGENT_JIT_POLICY);`,
  `registerEmbeddedMigrations("edge", journal, { ${tags.map((tag, i) => `${JSON.stringify(tag)}: m${i}`).join(", ")} });`,
  ...(values.version ? [`setAgentVersion(${JSON.stringify(values.version)});`] : []),
  `await import("${rel(join(ROOT, "edge", "main.ts"))}");`,
].join("\n");
const entryFile = join(buildDir, `agent-entry-${process.pid}.ts`);
writeFileSync(entryFile, `${entry}\n`);

/** The Bun executable for the target: this one when it fits the machine, else the npm package (cached in .build). */
function runtimeFor(): string {
  if (values.runtime) return values.runtime;
  if (values.target === "bun-linux-x64" && arch() === "x64") return process.execPath;
  if (values.target === "bun-linux-arm64" && arch() === "arm64") return process.execPath;
  const dir = join(buildDir, "npm", `${target!.npm.replace("/", "+")}-${Bun.version}`);
  const bin = join(dir, "package", "bin", "bun");
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    run(["npm", "pack", `${target!.npm}@${Bun.version}`, "--pack-destination", dir]);
    const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
    if (!tarball) fail(`npm pack ${target!.npm} left no tarball`);
    run(["tar", "xzf", join(dir, tarball), "-C", dir]);
  }
  return bin;
}

/** The runtime's own version when it runs here, else the version of this Bun (whose npm package it came from). */
function runtimeVersion(path: string): string {
  try {
    const probe = Bun.spawnSync([path, "--version"]);
    if (probe.exitCode === 0) return probe.stdout.toString().trim();
  } catch {
    // Another machine's executable.
  }
  return Bun.version;
}

if (values.release) {
  const outdir = values.outdir ?? join(ROOT, "dist", `release-${values.version}-${target!.arch}`);
  const bundle = join(buildDir, `agent-${process.pid}.js`);
  run(["bun", "build", "--target=bun", entryFile, "--outfile", bundle]);
  const runtimePath = runtimeFor();
  const manifest = packRelease({
    version: values.version!,
    arch: target!.arch,
    runtimePath,
    bunVersion: runtimeVersion(runtimePath),
    bundlePath: bundle,
    outdir,
    cacheDir: join(buildDir, "runtimes"),
    now: Date.now(),
  });
  rmSync(bundle, { force: true });
  console.log(`build: ${outdir} (runtime ${manifest.runtime.bytes} bytes, bundle ${manifest.bundle.bytes} bytes compressed)`);
} else {
  const outfile = values.outfile ?? join(ROOT, "dist", `skylapse-agent-${values.target!.replace("bun-linux-", "")}`);
  run(["bun", "build", "--compile", `--target=${values.target}`, entryFile, "--outfile", outfile]);
  console.log(`build: ${outfile}`);
}
rmSync(entryFile, { force: true });
