/**
 * Fleet capacity: how many simulated cameras (fleet-load.ts) one hub deployment serves
 * with p99 latency under P99_LIMIT_MS and no errors, found by doubling the fleet and
 * then bisecting; plus what each camera costs: hub CPU, database rows written and
 * bytes stored. A deployment is whatever serves the agents' URLs — one SQLite hub
 * here; PostgreSQL+S3 and replicas plug in as further `Deployment`s.
 *
 * `bun test/bench/capacity.ts [--quick] [--profile] [--postgres | --postgres-only] [--fleet N]`: the figures
 * alone (`--fleet N`: one step of N cameras per deployment instead of the search); `--profile` also writes the hub's CPU profile (markdown) under load; `--postgres`
 * measures one hub and then two replicas on a throwaway PostgreSQL cluster (pictures on
 * files) after the SQLite hub, `--postgres-only` those two alone.
 */
import { Database } from "bun:sqlite";
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { dropDatabase, freshDatabase } from "../harness/postgres";
import { startHub, type StartedHub, tempDir } from "../harness/processes";
import { FULL_IMAGE_BYTES, HISTORY_RECORDS, POLL_S, primeEtags, primeUploads, RECORD_S, runStep, sampleThumbnail, seedHistory, type SimCamera, type StepResult } from "./fleet-load";
import { benchConfig } from "./records";

export const P99_LIMIT_MS = 200;
const CORES = navigator.hardwareConcurrency;

/** Running hub processes and the URLs agents reach them at (one per camera group). */
export interface Deployment {
  name: string;
  urls: string[];
  pids: number[];
  /** The SQLite file and data dir, when the deployment has them (row and byte counts). */
  sqliteFile?: string;
  dataDir?: string;
  stop: () => Promise<void>;
}

export const fleetIds = (count: number) => Array.from({ length: count }, (_, i) => `fleet${String(i).padStart(6, "0")}`);

/** The fleet's cameras registered by config apply at start: one daytime schedule at the record interval, thumbnails only. */
export function fleetConfig(count: number) {
  return {
    ...benchConfig,
    schedules: { day: { start_time: "06:00", end_time: "20:00", interval_seconds: RECORD_S } },
    cameras: Object.fromEntries(fleetIds(count).map((id) => [id, { deployed_profile: "p", schedules: ["day"], image_sync: "thumbnails" }])),
    sync: { poll_interval_seconds: POLL_S, plan_days: 1 },
  };
}

/** One hub process; `env` selects its backends (e.g. SKYLAPSE_DATABASE_URL, SKYLAPSE_S3_*). */
export async function oneHub(name: string, cameras: number, env: Record<string, string> = {}): Promise<Deployment> {
  const hub = await startHub({ config: fleetConfig(cameras), env });
  return fromHubs(name, [hub], env.SKYLAPSE_DATABASE_URL ? undefined : hub.dataDir);
}

/**
 * `replicas` hub processes on one shared database and bucket (`env`). Without a load
 * balancer URL the cameras are spread over the replicas' own URLs, as a round-robin
 * balancer would; `front(urls)` puts one in between (e.g. HAProxy).
 */
export async function replicatedHubs(name: string, cameras: number, replicas: number, env: Record<string, string>, front?: (urls: string[]) => Promise<{ url: string; stop: () => Promise<void> }>): Promise<Deployment> {
  const first = await startHub({ config: fleetConfig(cameras), env });
  const rest = await Promise.all(Array.from({ length: replicas - 1 }, () => startHub({ config: fleetConfig(cameras), env })));
  const deployment = fromHubs(name, [first, ...rest]);
  if (!front) return deployment;
  const lb = await front(deployment.urls);
  return { ...deployment, urls: [lb.url], stop: async () => (await lb.stop(), await deployment.stop()) };
}

function fromHubs(name: string, hubs: StartedHub[], dataDir?: string): Deployment {
  return {
    name,
    urls: hubs.map((h) => h.url),
    pids: hubs.map((h) => h.proc.pid),
    dataDir,
    sqliteFile: dataDir && join(dataDir, "hub.sqlite"),
    stop: async () => void (await Promise.all(hubs.map((h) => h.stop()))),
  };
}

/** Issues every camera its token through the operator API (as an installer would). */
async function issueTokens(d: Deployment, ids: string[], offset: number, operatorToken = "test-operator-token-0123456789"): Promise<SimCamera[]> {
  const cameras: SimCamera[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      const id = ids[i]!;
      const url = d.urls[(offset + i) % d.urls.length]!;
      const res = await fetch(`${url}/api/cameras/${id}/token`, { method: "POST", headers: { authorization: `Bearer ${operatorToken}` } });
      if (!res.ok) throw new Error(`token ${id}: ${res.status} ${await res.text()}`);
      cameras[i] = { id, url, token: ((await res.json()) as { token: string }).token, seq: 0 };
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return cameras;
}

function rowCounts(file: string): Map<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%'").all();
    return new Map(tables.map(({ name }) => [name, db.query<{ n: number }, []>(`SELECT count(*) AS n FROM "${name}"`).get()!.n]));
  } finally {
    db.close();
  }
}

function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name), { throwIfNoEntry: false })?.size ?? 0;
  return total;
}

const passes = (s: StepResult) => s.errors === 0 && s.p99 < P99_LIMIT_MS;

export interface CapacityResult {
  deployment: string;
  /** The largest fleet that passed, and whether even the largest registered fleet passed. */
  capacity: number;
  atCeiling: boolean;
  steps: StepResult[];
  /** The largest passing step; the figures below are from it. */
  best?: StepResult;
  hubCpuMsPerCameraHour: number;
  generatorCoresAtCapacity: number;
  hubCoresAtCapacity: number;
  rowsPerCameraHour?: number;
  rowsByTable?: Record<string, number>;
  /** Bytes stored per record (database + thumbnail), measured. */
  bytesPerRecord?: number;
}

export interface SearchOptions {
  maxCameras: number;
  startCameras: number;
  stepSeconds: number;
  bisections: number;
  log?: (line: string) => void;
}

/**
 * Doubles the fleet from `startCameras` until a step fails (or `maxCameras`), then
 * bisects. Every step is a fresh deployment holding exactly its fleet: fleet-wide
 * work (alert evaluation, summaries) costs what that many cameras cost.
 */
export async function fleetCapacity(start: (cameras: number) => Promise<Deployment>, o: SearchOptions): Promise<CapacityResult> {
  const log = o.log ?? (() => {});
  const thumbnail = await sampleThumbnail();
  const steps: StepResult[] = [];
  let name = "";
  let best: { step: StepResult; rows?: Map<string, number>; bytes?: number } | undefined;
  const tryFleet = async (n: number) => {
    const d = await start(n);
    name = d.name;
    try {
      const t = performance.now();
      const fleet = await issueTokens(d, fleetIds(n), 0);
      await seedHistory(fleet);
      await primeEtags(fleet);
      await primeUploads(fleet, thumbnail);
      log(`  ${d.name}: ${n} cameras registered by config apply, tokens issued, ${HISTORY_RECORDS} records of history each, first polls and uploads served in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      const rows0 = d.sqliteFile ? rowCounts(d.sqliteFile) : undefined;
      const bytes0 = d.dataDir ? bytesUnder(d.dataDir) : undefined;
      const step = await runStep(fleet, o.stepSeconds, d.pids, thumbnail);
      steps.push(step);
      log(`  ${d.name}: ${describe(step)}`);
      if (!passes(step)) return false;
      if (!best || n > best.step.cameras) {
        const rows1 = d.sqliteFile ? rowCounts(d.sqliteFile) : undefined;
        const diff = rows0 && rows1 ? new Map([...rows1].map(([k, v]) => [k, v - (rows0.get(k) ?? 0)])) : undefined;
        best = { step, rows: diff, bytes: bytes0 === undefined ? undefined : bytesUnder(d.dataDir!) - bytes0 };
      }
      return true;
    } finally {
      await d.stop();
      // Each step's history is ~150 KB per camera: a search leaves no gigabytes behind.
      if (d.dataDir) rmSync(d.dataDir, { recursive: true, force: true });
    }
  };
  let low = 0;
  let high = 0;
  for (let n = o.startCameras; ; n = Math.min(o.maxCameras, n * 2)) {
    if (!(await tryFleet(n))) {
      high = n;
      break;
    }
    low = n;
    if (n === o.maxCameras) break;
  }
  for (let i = 0; high && i < o.bisections && high - low > Math.max(50, low / 10); i++) {
    const mid = Math.round((low + high) / 2 / 50) * 50;
    if (await tryFleet(mid)) low = mid;
    else high = mid;
  }
  const s = best?.step;
  const cameraHours = s ? (s.cameras * s.seconds) / 3600 : 0;
  const rows = best?.rows && Object.fromEntries([...best.rows].filter(([, v]) => v !== 0));
  const rowTotal = rows ? Object.values(rows).reduce((a, b) => a + b, 0) : undefined;
  return {
    deployment: name,
    capacity: low,
    atCeiling: !high,
    steps,
    best: s,
    hubCpuMsPerCameraHour: s ? (s.hubCpu * 1000) / cameraHours : 0,
    generatorCoresAtCapacity: s ? s.generatorCpu / s.seconds : 0,
    hubCoresAtCapacity: s ? s.hubCpu / s.seconds : 0,
    rowsPerCameraHour: rowTotal === undefined ? undefined : rowTotal / cameraHours,
    rowsByTable: rows && Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, v / cameraHours])),
    bytesPerRecord: best?.bytes === undefined || !s ? undefined : best.bytes / s.requests.record,
  };
}

/**
 * The noise floor of the same load on the same machine: a bare Elysia server
 * answering the three routes without any work (304 to a matching ETag, 200 else).
 */
export async function bareServer(): Promise<Deployment> {
  const script = `import { Elysia } from "elysia";
const app = new Elysia()
  .post("/agent/v1/state", ({ headers, set }) => { set.headers.etag = '"bare"'; if (headers["if-none-match"] === '"bare"') { set.status = 304; return; } return { etag: "bare" }; })
  .post("/agent/v1/captures", ({ body }) => ({ accepted: body.records.length, duplicates: 0 }))
  .put("/agent/v1/captures/:id/thumbnail", async ({ request }) => ({ bytes: (await request.arrayBuffer()).byteLength }))
  .listen({ port: 0, hostname: "127.0.0.1" });
console.log("on http://127.0.0.1:" + app.server.port);`;
  const proc = Bun.spawn(["bun", "-e", script], { cwd: join(import.meta.dir, "..", ".."), stdout: "pipe" });
  const line = new TextDecoder().decode((await proc.stdout.getReader().read()).value);
  return { name: "bare Elysia server", urls: [`http://127.0.0.1:${line.match(/:(\d+)/)![1]}`], pids: [proc.pid], stop: async () => void (proc.kill(), await proc.exited) };
}

/** One step of `cameras` against the bare server: the baseline p99 for the same load. */
export async function bareStep(cameras: number, seconds: number): Promise<StepResult> {
  const d = await bareServer();
  try {
    const fleet = fleetIds(cameras).map((id) => ({ id, url: d.urls[0]!, token: "bare", seq: 0 }));
    await primeEtags(fleet);
    return await runStep(fleet, seconds, d.pids, await sampleThumbnail());
  } finally {
    await d.stop();
  }
}

export function describe(s: StepResult): string {
  const total = s.requests.poll + s.requests.record + s.requests.thumbnail;
  return (
    `${s.cameras} cameras, ${(total / s.seconds).toFixed(0)} req/s (${s.requests.poll} polls, ${s.notModified} 304s, ${s.requests.record} records, ${s.requests.thumbnail} thumbnails): ` +
    `p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms (poll ${s.p99By.poll.toFixed(0)}, record ${s.p99By.record.toFixed(0)}, thumbnail ${s.p99By.thumbnail.toFixed(0)}), max ${s.max.toFixed(0)} ms, generator send lag p99 ${s.sendLagP99.toFixed(0)} ms, ` +
    `${s.errors} errors${s.firstError ? ` (${s.firstError})` : ""}; hub ${(s.hubCpu / s.seconds).toFixed(2)} cores, load generator ${(s.generatorCpu / s.seconds).toFixed(2)} cores of ${CORES}`
  );
}

/** The deployments this run can measure: SQLite always; PostgreSQL+S3 and two replicas when the environment provides them. */
export function deployments(env: Record<string, string | undefined> = process.env): { name: string; start: (cameras: number) => Promise<Deployment> }[] {
  const list = [{ name: "SQLite", start: (n: number) => oneHub("one hub, SQLite + files", n) }];
  const pass = Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== undefined && (k === "SKYLAPSE_DATABASE_URL" || k.startsWith("SKYLAPSE_S3_")))) as Record<string, string>;
  if (pass.SKYLAPSE_DATABASE_URL && pass.SKYLAPSE_S3_BUCKET) {
    list.push({ name: "PostgreSQL+S3", start: (n) => oneHub("one hub, PostgreSQL + S3", n, pass) });
    list.push({ name: "2 replicas", start: (n) => replicatedHubs("two hubs, PostgreSQL + S3", n, 2, pass) });
  } else if (pass.SKYLAPSE_DATABASE_URL) list.push({ name: "PostgreSQL", start: (n) => oneHub("one hub, PostgreSQL + files", n, pass) });
  return list;
}

/** The bench's rows for one deployment's result (index.ts prints them); `bare`: the noise-floor step at the same fleet. */
export function capacityRows(r: CapacityResult, bare?: StepResult) {
  const perDay = (86_400 / RECORD_S) * (r.bytesPerRecord ?? 0);
  const rows = [
    { metric: `fleet capacity, ${r.deployment}: cameras at p99 < ${P99_LIMIT_MS} ms${r.atCeiling ? " (all registered passed)" : ""}`, value: r.capacity, baseline: 10_000, unit: "cameras", baselineName: "goal of issue 13 (per replica, 2 cores)" },
  ];
  if (r.best && bare) rows.push({ metric: `  p99 latency at that fleet, ms`, value: r.best.p99, baseline: bare.p99, unit: "ms", baselineName: "bare Elysia server, same load, same run" });
  rows.push(
    { metric: `  hub CPU per camera, ms per camera-hour`, value: r.hubCpuMsPerCameraHour, baseline: bare ? (bare.hubCpu * 1000 * 3600) / (bare.cameras * bare.seconds) : 0, unit: "ms", baselineName: "bare Elysia server, same load" },
    { metric: `  hub cores used at that fleet (of ${CORES})`, value: r.hubCoresAtCapacity, baseline: 0, unit: "cores", baselineName: "" },
    { metric: `  load generator cores used at that fleet (of ${CORES})`, value: r.generatorCoresAtCapacity, baseline: 0, unit: "cores", baselineName: "" },
  );
  if (r.rowsPerCameraHour !== undefined) rows.push({ metric: `  database rows inserted per camera-hour`, value: r.rowsPerCameraHour, baseline: 0, unit: "rows", baselineName: Object.entries(r.rowsByTable ?? {}).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", ") });
  if (r.bytesPerRecord !== undefined) {
    rows.push({ metric: `  MB stored per camera-day, thumbnails + rows (a record each ${RECORD_S} s)`, value: perDay / 1e6, baseline: 0, unit: "MB", baselineName: `${Math.round(r.bytesPerRecord)} B per record` });
    rows.push({ metric: `  MB per camera-day with full images (${FULL_IMAGE_BYTES / 1e6} MB, 300 a day)`, value: (perDay + 300 * FULL_IMAGE_BYTES) / 1e6, baseline: 0, unit: "MB", baselineName: "" });
  }
  return rows;
}

/** Every available deployment's capacity search, then the bare server at the same fleet. */
export async function fleetCapacityBench(quick: boolean, log: (line: string) => void = console.log, list = deployments(), fleet?: number) {
  const rows = [];
  const stepSeconds = quick ? 10 : 25;
  // `fleet`: one step at that size instead of the search.
  const search = fleet ? { maxCameras: fleet, startCameras: fleet, bisections: 0 } : { maxCameras: quick ? 16_000 : 32_000, startCameras: quick ? 1_000 : 250, bisections: quick ? 1 : 3 };
  for (const { start } of list) {
    const r = await fleetCapacity(start, { ...search, stepSeconds, log });
    const bare = r.capacity ? await bareStep(r.capacity, stepSeconds) : undefined;
    if (bare) log(`  bare Elysia server: ${describe(bare)}`);
    rows.push(...capacityRows(r, bare));
  }
  return rows;
}

if (import.meta.main) {
  const quick = process.argv.includes("--quick");
  const profileDir = process.argv.includes("--profile") ? tempDir("hub-profile") : undefined;
  // --postgres: each step on a fresh database of a throwaway cluster (test/harness/postgres.ts: fsync off), pictures on files.
  // Two replicas: two hub processes on the same machine and database, each camera pinned to one of them, each keeping its pictures in its own folder.
  // Each step's database is dropped after it: the next step shares the server with no other step's tables (autovacuum).
  const onFreshDatabase = async (make: (env: Record<string, string>) => Promise<Deployment>): Promise<Deployment> => {
    const url = await freshDatabase();
    const d = await make({ SKYLAPSE_DATABASE_URL: url });
    return { ...d, stop: async () => (await d.stop(), await dropDatabase(url)) };
  };
  const postgres = [
    { name: "PostgreSQL", start: (n: number) => onFreshDatabase((env) => oneHub("one hub, PostgreSQL + files", n, env)) },
    { name: "2 replicas, PostgreSQL", start: (n: number) => onFreshDatabase((env) => replicatedHubs("two hubs, PostgreSQL + files", n, 2, env)) },
  ];
  const list = profileDir
    ? [{ name: "profiled", start: (n: number) => oneHub("one hub, SQLite + files, profiled", n, { BUN_OPTIONS: `--cpu-prof-md --cpu-prof-dir=${profileDir}` }) }]
    : process.argv.includes("--postgres-only")
      ? postgres
      : [...deployments(), ...(process.argv.includes("--postgres") ? postgres : [])];
  const fleetArg = process.argv.indexOf("--fleet");
  const fleet = fleetArg > 0 ? Number(process.argv[fleetArg + 1]) : undefined;
  for (const row of await fleetCapacityBench(quick, console.log, list, fleet)) console.log(row.metric.padEnd(72), row.value.toFixed(1), row.baseline ? row.baseline.toFixed(1) : "", row.baselineName);
  if (profileDir) console.log(`hub CPU profiles: ${profileDir}`);
}
