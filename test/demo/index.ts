/**
 * `bun run demo`: a hub and three simulated cameras on nearby ridges run one
 * simulated day (sunrise, daytime and sunset windows) in about two minutes.
 */
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import * as SunCalc from "suncalc";
import { realMsUntil, sharedClock, simNow, startAgent, startHub, type StartedAgent, waitFor } from "../harness/processes";
import { missingMessage } from "../prerequisites";

const missing = missingMessage("demo");
if (missing) {
  console.error(missing);
  process.exit(1);
}

const ROOT = join(import.meta.dir, "..", "..");
const WALL_SECONDS = Number(process.env.DEMO_SECONDS ?? 120);
const DAY = process.env.DEMO_DAY ?? "2026-11-24";

const config = JSON.parse(readFileSync(join(ROOT, "config.example.json"), "utf8"));
// The example's 15 s / 30 s intervals give ~3,000 frames a camera a day; the demo keeps every
// window but thins the ticks so three cameras fit a two-minute day on a small machine.
config.schedules.sunrise.interval_seconds = 60;
config.schedules.sunset.interval_seconds = 60;
config.schedules.daytime.interval_seconds = 300;
config.sync.poll_interval_seconds = 300;

const { latitude, longitude } = config.location;
const times = SunCalc.getTimes(new Date(`${DAY}T19:00:00Z`), latitude, longitude);
const dayStart = times.sunrise!.getTime() - 45 * 60_000;
const dayEnd = times.sunset!.getTime() + 40 * 60_000;
const speed = Math.round((dayEnd - dayStart) / 1000 / WALL_SECONDS);

const dataDir = resolve(ROOT, ".data", "demo");
rmSync(dataDir, { recursive: true, force: true });

const fmt = (t: number) => new Date(t).toLocaleTimeString("en-GB", { timeZone: config.location.timezone, hour: "2-digit", minute: "2-digit" });
console.log(`Skylapse demo: ${DAY}, ${fmt(dayStart)}–${fmt(dayEnd)} ${config.location.timezone}, clock ×${speed} (~${WALL_SECONDS} s)`);

const clock = sharedClock(new Date(dayStart).toISOString(), speed, 3000);
// Sessions render themselves as their windows close, with two simulated hours' grace for late pictures.
const hub = await startHub({
  config,
  clock,
  dataDir: join(dataDir, "hub"),
  env: { SKYLAPSE_AUTO_TIMELAPSE: "1", SKYLAPSE_TIMELAPSE_SCAN_SECONDS: "1", SKYLAPSE_TIMELAPSE_SETTLE_MINUTES: "120" },
});
const agents: StartedAgent[] = [];
try {
  for (const [i, cameraId] of Object.keys(config.cameras).entries()) {
    agents.push(await startAgent({ cameraId, hub, clock, seed: i + 1, dataDir: join(dataDir, cameraId) }));
  }
  console.log(`hub ${hub.url}, agents ${agents.map((a) => `${a.cameraId} ${a.url}`).join(", ")}`);

  while (simNow(clock) < dayEnd) {
    await Bun.sleep(Math.min(10_000, realMsUntil(clock, dayEnd) + 50));
    const line = await Promise.all(
      agents.map(async (a) => {
        const s = await a.json("/status");
        return `${a.cameraId} ${s.captures.captured ?? 0} captured`;
      }),
    );
    console.log(`  ${fmt(Math.min(simNow(clock), dayEnd))}  ${line.join(" · ")}`);
  }

  for (const a of agents) await a.json("/sync", { method: "POST" }).catch(() => undefined);
  await waitFor("every agent to drain its outbox", async () => {
    const statuses = await Promise.all(agents.map((a) => a.json("/status")));
    return statuses.every((s) => s.backlog.count === 0);
  }, 60_000);

  console.log(`\n${"camera".padEnd(15)}${"planned".padStart(9)}${"captured".padStart(10)}${"missed".padStart(8)}${"uploaded".padStart(10)}  images`);
  const range = `from=${new Date(dayStart).toISOString()}&to=${new Date(dayEnd).toISOString()}`;
  for (const a of agents) {
    const r = await hub.json(`/api/cameras/${a.cameraId}/report?${range}`);
    console.log(
      `${a.cameraId.padEnd(15)}${String(r.planned).padStart(9)}${String(r.captured).padStart(10)}${String(r.missed).padStart(8)}${String(r.uploaded).padStart(10)}  ${join(a.dataDir, "images")}`,
    );
  }

  const finished = (t: { status: string }) => !["queued", "running"].includes(t.status);
  const sessions = Object.values(config.cameras as Record<string, { schedules: string[] }>).reduce((n, c) => n + c.schedules.length, 0);
  await waitFor("every session's timelapse", async () => {
    const { timelapses } = await hub.json("/api/timelapses");
    return timelapses.length >= sessions && timelapses.every(finished);
  }, 120_000, 500);
  // Every camera's sunset side by side, on their shared ticks.
  const sunset = { from: new Date(times.sunset!.getTime() - 30 * 60_000).toISOString(), to: new Date(dayEnd).toISOString() };
  const grid = await hub.json("/api/timelapses", { method: "POST", body: JSON.stringify({ camera_ids: agents.map((a) => a.cameraId), ...sunset, schedule: "sunset", deflicker: "rolling" }) });
  await waitFor("the sunset grid", async () => finished(await hub.json(`/api/timelapses/${grid.id}`)), 120_000, 500);
  const renders = (await hub.json("/api/timelapses")).timelapses;
  const videos = join(dataDir, "timelapses");
  mkdirSync(videos, { recursive: true });
  console.log(`\n${"timelapse".padEnd(34)}${"status".padStart(8)}${"frames".padStart(8)}${"missing".padStart(9)}  video`);
  for (const t of renders.reverse()) {
    const name = `${t.camera_ids.join("+")}-${t.schedule ?? "range"}`;
    let file = t.error ?? "";
    if (t.status === "done") {
      file = join(videos, `${name}.mp4`);
      await Bun.write(file, await (await hub.api(t.url)).arrayBuffer());
    }
    console.log(`${name.padEnd(34)}${t.status.padStart(8)}${String(t.frames).padStart(8)}${String(t.missing).padStart(9)}  ${file}`);
  }
  console.log(`\nhub data: ${hub.dataDir}`);
  console.log(`dashboard: ${hub.url}/  (sign in with the operator token ${hub.operatorToken})`);
  if (process.stdin.isTTY) {
    process.stdout.write("Keep the hub running to look at the dashboard? Press Enter to stop it, or Ctrl-C. ");
    for await (const _ of console) break;
  }
} finally {
  await Promise.all([...agents.map((a) => a.stop()), hub.stop()]);
}
