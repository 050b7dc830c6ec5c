/**
 * `bun run bench`: each figure beside a baseline measured in the same run on the
 * same machine, so the ratio means something on a shared, noisy host.
 */
import { Elysia } from "elysia";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CaptureRecord } from "../../shared/contracts/sync";
import { CaptureLog } from "../../edge/capture/log";
import { openEdgeDbOrReplace } from "../../edge/db/client";
import { startAgent, startHub, type StartedAgent, type StartedHub, tempDir, waitFor } from "../harness/processes";
import { observedState } from "../harness/fixtures";
import { expectedTicks } from "../harness/scenario";
import { gapCost } from "./gaps";
import { agentMemory } from "./memory";
import { postgresIngestion, sqliteIngestion } from "./ingestion";
import { pollsAfterChange } from "./polls";
import { benchConfig, makeRecords } from "./records";

interface Row {
  metric: string;
  value: number;
  baseline: number;
  unit: string;
  baselineName: string;
}
const rows: Row[] = [];
const quick = process.argv.includes("--quick");
const SECONDS = quick ? 1.5 : 4;


const observed = JSON.stringify(observedState());

/** Requests per second with `concurrency` clients in a closed loop for SECONDS. */
async function throughput(url: string, init: () => RequestInit, expectStatus: number, concurrency = 32): Promise<number> {
  const deadline = performance.now() + SECONDS * 1000;
  let done = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const res = await fetch(url, init());
      await res.arrayBuffer();
      if (res.status !== expectStatus) throw new Error(`${url}: ${res.status}`);
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done / ((performance.now() - started) / 1000);
}

async function pollThroughput() {
  const hub = await startHub({ config: benchConfig });
  try {
    const { token } = await hub.json("/api/cameras/bench_cam/token", { method: "POST" });
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const first = await fetch(`${hub.url}/agent/v1/state`, { method: "POST", headers, body: observed });
    const etag = first.headers.get("etag")!;
    const polls = await throughput(`${hub.url}/agent/v1/state`, () => ({ method: "POST", headers: { ...headers, "if-none-match": etag }, body: observed }), 304);

    const bare = Bun.spawn(["bun", "-e", `import { Elysia } from "elysia"; const a = new Elysia().post("/x", ({ body }) => new Response(null, { status: 304 })).listen({ port: 0, hostname: "127.0.0.1" }); console.log("on http://127.0.0.1:" + a.server.port);`], { cwd: join(import.meta.dir, "..", ".."), stdout: "pipe" });
    const reader = bare.stdout.getReader();
    const line = new TextDecoder().decode((await reader.read()).value);
    const port = line.match(/:(\d+)/)![1];
    const base = await throughput(`http://127.0.0.1:${port}/x`, () => ({ method: "POST", headers: { "content-type": "application/json" }, body: observed }), 304);
    bare.kill();
    rows.push({ metric: "hub conditional poll (304), req/s", value: polls, baseline: base, unit: "req/s", baselineName: "bare Elysia POST route" });
  } finally {
    await hub.stop();
  }
}


/** The real time the clock should read START at: the clock runs at real speed (×1), real timers. */
async function agentTicks() {
  const captureSeconds = quick ? 8 : 20;
  const start = "2026-06-21T11:59:52Z";
  const clock = { start, speed: 1, anchor: new Date(Date.now() + 1000).toISOString() };
  let hub: StartedHub | undefined;
  let agent: StartedAgent | undefined;
  try {
    hub = await startHub({ config: benchConfig, clock });
    agent = await startAgent({ cameraId: "bench_cam", hub, clock });
    await waitFor("the plan", async () => (await agent!.json("/status")).next_capture, 10_000, 100);
    await Bun.sleep(2000);

    const timerLate: number[] = [];
    const timers = (async () => {
      for (let i = 0; i < captureSeconds; i++) {
        const due = Math.ceil(Date.now() / 1000) * 1000;
        await Bun.sleep(due - Date.now());
        timerLate.push(Date.now() - due);
      }
    })();
    await Bun.sleep(8000 + captureSeconds * 1000);
    await timers;
    const status = await agent.json("/status");
    timerLate.sort((a, b) => a - b);
    const p = (q: number) => timerLate[Math.min(timerLate.length - 1, Math.floor(q * timerLate.length))]!;
    rows.push({ metric: `agent tick jitter p50, ms (1 s interval, n=${status.tick_jitter_ms.n})`, value: status.tick_jitter_ms.p50, baseline: p(0.5), unit: "ms", baselineName: "bare Bun.sleep to the same 1 s grid" });
    rows.push({ metric: "agent tick jitter p99, ms", value: status.tick_jitter_ms.p99, baseline: p(0.99), unit: "ms", baselineName: "bare Bun.sleep to the same 1 s grid" });
  } finally {
    await agent?.stop();
    await hub?.stop();
  }
}

/** Posts `records` as one agent would, batch after batch; returns the seconds it took. */
async function upload(hubUrl: string, token: string, logId: string, records: CaptureRecord[], batch: number): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < records.length; i += batch) {
    const res = await fetch(`${hubUrl}/agent/v1/captures`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ log_id: logId, records: records.slice(i, i + batch) }),
    });
    if (!res.ok) throw new Error(`upload: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  }
  return (performance.now() - t) / 1000;
}

/** Single-agent upload rate over HTTP; 200 agents at once; a real agent draining a 72-hour backlog. */
async function fleetIngestion() {
  const agents = quick ? 50 : 200;
  const perAgent = quick ? 200 : 500;
  const ids = Array.from({ length: agents }, (_, i) => `cam${String(i).padStart(3, "0")}`);
  const config = {
    ...benchConfig,
    cameras: Object.fromEntries([...ids, "solo", "drainer"].map((id) => [id, { deployed_profile: "p", schedules: [] }])),
  };
  const hub = await startHub({ config });
  let agent: StartedAgent | undefined;
  try {
    const token = async (id: string) => (await hub.json(`/api/cameras/${id}/token`, { method: "POST" })).token as string;
    const soloRecords = makeRecords(quick ? 2_000 : 6_000, "solo");
    const single = soloRecords.length / (await upload(hub.url, await token("solo"), "solo", soloRecords, 200));

    const tokens = await Promise.all(ids.map(token));
    const t = performance.now();
    await Promise.all(ids.map((id, i) => upload(hub.url, tokens[i]!, id, makeRecords(perAgent, id), 100)));
    const fleet = (agents * perAgent) / ((performance.now() - t) / 1000);
    rows.push({ metric: `hub ingestion over HTTP, ${agents} agents at once, rec/s`, value: fleet, baseline: single, unit: "rec/s", baselineName: "one agent uploading alone" });

    // 72 hours of the example config's schedules, waiting in a real agent's outbox.
    const example = JSON.parse(readFileSync(join(import.meta.dir, "..", "..", "config.example.json"), "utf8"));
    example.cameras.drainer = { ...example.cameras.mountain_view };
    const from = Date.parse("2026-06-21T06:00:00Z");
    const backlog = expectedTicks(example, "drainer", from, from + 72 * 3_600_000).length;
    const dataDir = tempDir("drain");
    const { db, sqlite } = openEdgeDbOrReplace(join(dataDir, "agent.sqlite"), 0);
    const log = new CaptureLog(db);
    for (const { seq: _, ...r } of makeRecords(backlog, "drain")) log.commit(r, 0);
    sqlite.close();
    const drainerToken = await token("drainer");
    agent = await startAgent({ cameraId: "drainer", hub, token: drainerToken, dataDir });
    const started = performance.now();
    await waitFor("the backlog to drain", async () => (await agent!.json("/status")).backlog.count === 0, 120_000, 20);
    const drainSeconds = (performance.now() - started) / 1000;
    rows.push({ metric: `72 h backlog (${backlog} records) drained by a real agent, s`, value: drainSeconds, baseline: backlog / single, unit: "s", baselineName: "the same records at the one-agent upload rate" });
  } finally {
    await agent?.stop();
    await hub.stop();
  }
}

function fmt(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString("en-US") : x.toFixed(x >= 10 ? 1 : 2);
}

await pollThroughput();
rows.push(await pollsAfterChange(2_000, quick ? 3 : 7));
rows.push(await sqliteIngestion(quick ? 4_000 : 20_000), await postgresIngestion(quick ? 4_000 : 20_000));
rows.push(await gapCost(quick ? 8_000 : 40_000));
await fleetIngestion();
await agentTicks();
rows.push(...(await agentMemory(quick ? 10 : 30)), ...(await agentMemory(quick ? 10 : 30, "rpicam")));
// Two release builds, an idle window and a throttled full download: about 4 minutes.
if (quick) console.log("update tick jitter: skipped under --quick (about 4 minutes; `bun test/bench/update-jitter.ts` runs it alone)");
else rows.push(...(await (await import("./update-jitter")).updateJitter()));
rows.push(...(await (await import("./flicker")).sunsetFlicker()));
rows.push(...(await (await import("./render")).renderBench(quick ? 1 : 3)));
rows.push(...(await (await import("./render-cost")).renderCostRows(quick)));
rows.push(...(await (await import("./capacity")).fleetCapacityBench(quick)));

const w = Math.max(...rows.map((r) => r.metric.length));
console.log(`\n${"metric".padEnd(w)}  ${"value".padStart(10)}  ${"baseline".padStart(10)}  ${"ratio".padStart(6)}  baseline is`);
for (const r of rows) {
  const ratio = r.baseline === 0 ? "—" : (r.value / r.baseline).toFixed(2);
  const baseline = r.baseline === 0 ? "—" : fmt(r.baseline);
  console.log(`${r.metric.padEnd(w)}  ${fmt(r.value).padStart(10)}  ${baseline.padStart(10)}  ${ratio.padStart(6)}  ${r.baselineName}`);
}
// The PostgreSQL cluster of the ingestion row keeps a connection open: end here.
process.exit(0);
