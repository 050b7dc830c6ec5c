/**
 * A real S3 server for tests: a one-node Ceph cluster (one monitor, one memstore OSD)
 * with the RADOS Gateway on loopback, all of it throwaway processes under a temp dir.
 *
 * A cold start takes ≈ 12–15 s, so it is started once per test run: `sharedCephS3(name)`
 * starts the server on first use (later test files in the same `bun test` process reuse
 * it), gives the caller a bucket of its own, and stops after the run's last test file
 * (test/harness/shared-servers.ts, preloaded); its daemons die with the test process
 * however that ends. `startCephS3()` starts a private one that its caller stops. Everything lives in
 * memory (memstore) and a temp dir, removed on stop.
 */
import type { Subprocess } from "bun";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./processes";
import { freePort, freePortRange } from "./ports";

export interface CephS3 {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Creates another empty bucket on the same server. */
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

const REGION = "us-east-1";
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

class Daemon {
  output = "";
  constructor(
    readonly name: string,
    readonly proc: Subprocess<"ignore", "pipe", "pipe">,
  ) {
    this.collect(proc.stdout);
    this.collect(proc.stderr);
  }
  private async collect(stream: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    for await (const chunk of stream) this.output += decoder.decode(chunk);
  }
}

function conf(dir: string, fsid: string, monPort: number, rgwPort: number, ports: { min: number; max: number }): string {
  return `[global]
fsid = ${fsid}
mon host = v2:127.0.0.1:${monPort}
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind port min = ${ports.min}
ms bind port max = ${ports.max}
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
osd pool default pg autoscale mode = off
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
mon data = ${dir}/mon/$name
osd data = ${dir}/osd/$name
osd objectstore = memstore
memstore device bytes = 4294967296
keyring = ${dir}/keyring
[client.rgw.a]
# tcp_nodelay: without it every response with a body (GET, LIST) waits ~40 ms on delayed ACKs.
rgw frontends = beast endpoint=127.0.0.1:${rgwPort} tcp_nodelay=1
rgw data = ${dir}/rgw
ms mon client mode = crc secure
auth client required = none
`;
}

async function run(command: string[], what: string): Promise<string> {
  const proc = Bun.spawn(command, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${what} failed (${code}): ${err || out}`);
  return out;
}

async function until<T>(what: string, check: () => Promise<T | null>, timeoutMs: number, daemons: Daemon[]): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== null) return value;
    } catch (e) {
      last = (e as Error).message;
    }
    const dead = daemons.find((d) => d.proc.exitCode !== null);
    if (dead) throw new Error(`${dead.name} exited while waiting for ${what}:\n${dead.output.slice(-2000)}`);
    await Bun.sleep(200);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ""}`);
}

/** Creates a bucket with a SigV4-signed PUT (Bun's S3Client has no create-bucket call). */
export async function createBucket(endpoint: string, accessKeyId: string, secretAccessKey: string, name: string): Promise<void> {
  await run(
    ["curl", "-sf", "-X", "PUT", "-H", `x-amz-content-sha256: ${EMPTY_SHA256}`, "--aws-sigv4", `aws:amz:${REGION}:s3`, "--user", `${accessKeyId}:${secretAccessKey}`, `${endpoint}/${name}`],
    `creating bucket ${name}`,
  );
}

export async function startCephS3(options: { bucket?: string } = {}): Promise<CephS3> {
  const dir = tempDir("ceph");
  for (const sub of ["mon", "osd", "run", "log", "rgw"]) mkdirSync(join(dir, sub));
  const fsid = crypto.randomUUID();
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const config = join(dir, "ceph.conf");
  writeFileSync(config, conf(dir, fsid, monPort, rgwPort, await freePortRange(16)));
  writeFileSync(join(dir, "keyring"), "");
  const c = ["-c", config];
  const daemons: Daemon[] = [];
  const spawn = (name: string, command: string[]) => {
    // Killed with the test process however it ends (a killed `bun test` leaves no cluster behind).
    const d = new Daemon(name, Bun.spawn(["setpriv", "--pdeathsig", "KILL", "--", ...command], { stdin: "ignore", stdout: "pipe", stderr: "pipe" }));
    daemons.push(d);
    return d;
  };
  const stop = async () => {
    for (const d of daemons) if (d.proc.exitCode === null) d.proc.kill(9);
    await Promise.all(daemons.map((d) => d.proc.exited));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const monmap = join(dir, "monmap");
    await run(["monmaptool", "--create", "--fsid", fsid, "--addv", "a", `[v2:127.0.0.1:${monPort}]`, monmap], "monmaptool");
    await run(["ceph-mon", ...c, "--mkfs", "-i", "a", "--monmap", monmap], "ceph-mon --mkfs");
    spawn("ceph-mon", ["ceph-mon", ...c, "-f", "-i", "a"]);
    const ceph = (...args: string[]) => run(["ceph", ...c, "--connect-timeout", "10", ...args], `ceph ${args.join(" ")}`);
    const osdUuid = crypto.randomUUID();
    const osdId = (await until("the monitor", () => ceph("osd", "new", osdUuid), 30_000, daemons)).trim();
    mkdirSync(join(dir, "osd", `osd.${osdId}`));
    await run(["ceph-osd", ...c, "--mkfs", "-i", osdId, "--osd-uuid", osdUuid], "ceph-osd --mkfs");
    spawn("ceph-osd", ["ceph-osd", ...c, "-f", "-i", osdId]);
    await until("the OSD", async () => ((await ceph("osd", "stat")).includes("1 up") ? true : null), 30_000, daemons);
    spawn("radosgw", ["radosgw", ...c, "-n", "client.rgw.a", "-f"]);
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    await until("radosgw", async () => ((await fetch(endpoint)).status ? true : null), 60_000, daemons);
    const accessKeyId = `AK${crypto.randomUUID().replaceAll("-", "").slice(0, 18).toUpperCase()}`;
    const secretAccessKey = crypto.randomUUID().replaceAll("-", "");
    await run(["radosgw-admin", ...c, "-n", "client.rgw.a", "user", "create", "--uid", "skylapse", "--display-name", "skylapse", "--access-key", accessKeyId, "--secret", secretAccessKey], "radosgw-admin user create");
    const bucket = options.bucket ?? "skylapse";
    await until("the first bucket", async () => (await createBucket(endpoint, accessKeyId, secretAccessKey, bucket), true), 20_000, daemons);
    return { endpoint, region: REGION, bucket, accessKeyId, secretAccessKey, createBucket: (name) => createBucket(endpoint, accessKeyId, secretAccessKey, name), stop };
  } catch (e) {
    const logs = daemons.map((d) => `--- ${d.name}\n${d.output.slice(-1500)}`).join("\n");
    await stop();
    throw new Error(`${(e as Error).message}\n${logs}`);
  }
}

/** The hub's settings for this server's bucket (or another bucket on it). */
const SHARED = Symbol.for("skylapse.test.ceph-s3");

/** The run's shared server, started on first use. */
export async function startSharedCephS3(): Promise<CephS3> {
  const g = globalThis as { [SHARED]?: Promise<CephS3> };
  const server = g[SHARED] ??= startCephS3();
  return server.catch((e) => {
    delete g[SHARED];
    throw e;
  });
}

/** The run's shared server (started on first use) with a new bucket `name`. */
export async function sharedCephS3(name: string): Promise<CephS3> {
  const s3 = await startSharedCephS3();
  const bucket = `${name}-${crypto.randomUUID().slice(0, 8)}`;
  await s3.createBucket(bucket);
  return { ...s3, bucket, stop: async () => {} };
}

/** Stops the run's shared server, if one was started. */
export async function stopSharedCephS3(): Promise<void> {
  const g = globalThis as { [SHARED]?: Promise<CephS3> };
  const server = g[SHARED];
  delete g[SHARED];
  await (await server?.catch(() => null))?.stop();
}

export function hubS3Env(s3: CephS3, bucket = s3.bucket): Record<string, string> {
  return {
    SKYLAPSE_S3_ENDPOINT: s3.endpoint,
    SKYLAPSE_S3_BUCKET: bucket,
    SKYLAPSE_S3_REGION: s3.region,
    SKYLAPSE_S3_ACCESS_KEY_ID: s3.accessKeyId,
    SKYLAPSE_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
  };
}
