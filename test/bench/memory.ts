/**
 * Memory of the compiled single-file agent (what runs on a Pi), beside a bare
 * compiled Bun + Elysia server started in the same run: RSS idle (plan loaded,
 * nothing due), RSS while capturing at a fast tick with image sync sending
 * thumbnails and full images to a real hub, and the high-water mark (VmHWM);
 * with the simulated camera, and with the rpicam driver a Pi runs. The agent starts with
 * the runtime settings the systemd unit gives it on a Pi (unitRuntimeEnv); a row shows the
 * bare server with them too, so what they buy on their own is in view.
 * `bun test/bench/memory.ts [--quick]` runs it alone (SKYLAPSE_BENCH_AGENT=PATH: of that build).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FlickerRow as Row } from "./flicker";
import { startAgent, startHub, type StartedAgent, type StartedHub, tempDir, waitFor } from "../harness/processes";
import { benchConfig } from "./records";

const ROOT = join(import.meta.dir, "..", "..");
const MB = 1024;
const TARGET = process.arch === "arm64" ? "bun-linux-arm64" : "bun-linux-x64";

/**
 * The unit's `Environment=` settings for the runtime (allocator, JavaScriptCore), not the
 * agent's own SKYLAPSE_* ones: what the agent on a Pi runs with, whether from the launcher
 * or as the single-file executable.
 */
export function unitRuntimeEnv(unit = readFileSync(join(ROOT, "edge/deploy/skylapse-agent.service"), "utf8")): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [, name, value] of unit.matchAll(/^Environment=([A-Za-z_][A-Za-z0-9_]*)=(.*)$/gm)) if (!name!.startsWith("SKYLAPSE_")) env[name!] = value!;
  return env;
}

/** VmRSS and VmHWM of a process, MB. */
export function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(status.match(new RegExp(`${field}:\\s+(\\d+)`))![1]);
  return { rss: kb("VmRSS") / MB, hwm: kb("VmHWM") / MB };
}

function compile(args: string[]): void {
  const build = Bun.spawnSync(["bun", ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`);
}

/** The agent as `bun run build:agent` makes it, and a bare Elysia server compiled the same way. */
function buildBinaries(dir: string): { agent: string; bare: string } {
  // SKYLAPSE_BENCH_AGENT: measure that build instead (an earlier release, to compare).
  let agent = process.env.SKYLAPSE_BENCH_AGENT;
  if (!agent) {
    agent = join(dir, "skylapse-agent");
    compile([join(ROOT, "edge/deploy/build.ts"), "--target", TARGET, "--outfile", agent]);
  }
  // Inside the repo, so that `elysia` resolves from its node_modules.
  const entryDir = join(ROOT, ".build");
  mkdirSync(entryDir, { recursive: true });
  const entry = join(entryDir, "bare-elysia.ts");
  writeFileSync(
    entry,
    `import { Elysia } from "elysia";\nconst app = new Elysia().get("/", () => "ok").listen({ port: 0, hostname: "127.0.0.1" });\nconsole.log("on http://127.0.0.1:" + app.server!.port);\n`,
  );
  const bare = join(dir, "bare-elysia");
  compile(["build", "--compile", `--target=${TARGET}`, entry, "--outfile", bare]);
  return { agent, bare };
}

/**
 * The clock starts 20 s before the bench schedule's 1 s ticks and runs at `speed`:
 * idle is read just before the first tick, capturing after `captureSeconds` of
 * ticks (sampled throughout; the figure is the median of the second half).
 */
export async function agentMemory(captureSeconds: number, driver: "simulated" | "rpicam" = "simulated", speed = 2): Promise<Row[]> {
  const dir = tempDir("bench-memory");
  const { agent: agentBinary, bare: bareBinary } = buildBinaries(dir);
  const leadSeconds = 20;
  const firstTick = Date.parse("2026-06-21T12:00:00Z");
  const clock = { start: new Date(firstTick - leadSeconds * 1000).toISOString(), speed, anchor: new Date(Date.now() + 1500).toISOString() };
  const realUntilFirstTick = Date.parse(clock.anchor) + (leadSeconds * 1000) / speed;
  let hub: StartedHub | undefined;
  let agent: StartedAgent | undefined;
  const runtimeEnv = unitRuntimeEnv();
  const bare = Bun.spawn([bareBinary], { stdout: "ignore", stderr: "ignore" });
  const bareTuned = Bun.spawn([bareBinary], { stdout: "ignore", stderr: "ignore", env: { ...process.env, ...runtimeEnv } });
  try {
    hub = await startHub({ config: benchConfig, clock });
    // rpicam: the driver a Pi runs, with the test fixture standing in for rpicam-still (its processes are not the agent's memory).
    const env: Record<string, string> = driver === "rpicam" ? { SKYLAPSE_CAMERA_DRIVER: "rpicam", SKYLAPSE_RPICAM_BIN: join(ROOT, "test/fixtures/rpicam-still") } : {};
    agent = await startAgent({ cameraId: "bench_cam", hub, clock, command: [agentBinary], env: { ...env, ...runtimeEnv } });
    await waitFor("the plan", async () => (await agent!.json("/status")).next_capture, 10_000, 100);
    await Bun.sleep(realUntilFirstTick - Date.now() - 500);
    const idle = memoryOf(agent.proc.pid);
    const idleHwm = idle.hwm;

    const samples: number[] = [];
    const until = Date.now() + 500 + captureSeconds * 1000;
    while (Date.now() < until) {
      await Bun.sleep(250);
      samples.push(memoryOf(agent.proc.pid).rss);
    }
    const end = memoryOf(agent.proc.pid);
    const bareMem = memoryOf(bare.pid);
    const bareTunedMem = memoryOf(bareTuned.pid);
    const status = await agent.json("/status");
    const late = samples.slice(Math.floor(samples.length / 2)).sort((a, b) => a - b);
    const capturing = late[Math.floor(late.length / 2)]!;
    const sent = status.image_sync?.sent_since_start ?? { thumbnails: 0, images: 0 };
    const what = `${status.captures.captured} frames, ${sent.thumbnails} thumbnails + ${sent.images} images sent`;
    const settings = Object.entries(runtimeEnv).map(([k, v]) => `${k}=${v}`).join(" ");
    const beside = (metric: string, value: number, baseline: number, baselineName = "bare compiled Bun + Elysia, RSS") => ({
      metric: (driver === "simulated" ? metric : metric.replace("compiled agent", "compiled agent (rpicam driver)")).replace("compiled agent", `compiled agent (the unit's ${settings})`),
      value,
      baseline,
      unit: "MB",
      baselineName: `${baselineName}; +${(value - baseline).toFixed(1)} MB`,
    });
    return [
      beside("compiled agent RSS idle, MB", idle.rss, bareMem.rss),
      beside(`compiled agent RSS capturing (${what}), MB`, capturing, bareMem.rss, "bare compiled Bun + Elysia, RSS (goal: +40 MB at most)"),
      beside("compiled agent RSS high-water mark (VmHWM), MB", end.hwm, bareMem.hwm, "bare compiled Bun + Elysia, VmHWM"),
      ...(driver === "simulated"
        ? [
            beside("compiled agent VmHWM before the first tick, MB", idleHwm, bareMem.hwm, "bare compiled Bun + Elysia, VmHWM"),
            { metric: `bare compiled Bun + Elysia RSS with the unit's ${settings}, MB`, value: bareTunedMem.rss, baseline: bareMem.rss, unit: "MB", baselineName: "the same without them" },
          ]
        : []),
    ];
  } finally {
    bare.kill();
    bareTuned.kill();
    await agent?.stop();
    await hub?.stop();
  }
}

if (import.meta.main) {
  const seconds = process.argv.includes("--quick") ? 10 : 30;
  const rows = [...(await agentMemory(seconds)), ...(await agentMemory(seconds, "rpicam"))];
  for (const r of rows) console.log(`${r.metric}: ${r.value.toFixed(1)} vs ${r.baseline.toFixed(1)} (${r.baselineName})`);
}
