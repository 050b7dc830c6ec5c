/**
 * A throwaway PostgreSQL 15 cluster for a test run (initdb + pg_ctl from Debian's
 * postgresql, on a free loopback port, fsync off), started on first use and
 * stopped when the test process exits; a fresh database for each hub.
 * SKYLAPSE_TEST_BACKEND=postgres+s3 runs the hub tests on it (testBackend()) with their
 * pictures in a bucket (test/harness/hub-storage.ts); `postgres` alone moves only the database.
 */
import { SQL } from "bun";
import { chownSync, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BIN = process.env.SKYLAPSE_PG_BIN ?? "/usr/lib/postgresql/15/bin";

/** Which database the hub tests run on: SKYLAPSE_TEST_BACKEND=postgres+s3 (or postgres), else SQLite. */
export function testBackend(): "sqlite" | "postgres" {
  const backend = process.env.SKYLAPSE_TEST_BACKEND;
  return backend === "postgres+s3" || backend === "postgres" ? "postgres" : "sqlite";
}

/** Where the hub tests' hubs keep pictures: a bucket on the run's radosgw with SKYLAPSE_TEST_BACKEND=postgres+s3, else their data dir. */
export function testStorage(): "fs" | "s3" {
  return process.env.SKYLAPSE_TEST_BACKEND === "postgres+s3" ? "s3" : "fs";
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A PostgreSQL binary's command line, as the postgres user when we are root (the server refuses to run as root). */
function asPostgres(args: string[]): string[] {
  return process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", ...args] : args;
}

function run(args: string[]): void {
  const out = Bun.spawnSync(asPostgres(args), { stdout: "pipe", stderr: "pipe" });
  if (out.exitCode !== 0) throw new Error(`${args[0]} failed: ${out.stderr.toString()}${out.stdout.toString()}`);
}

interface Cluster {
  port: number;
  admin: SQL;
}
let cluster: Promise<Cluster> | null = null;
let databases = 0;

async function start(): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), "skylapse-pg-"));
  if (process.getuid?.() === 0) {
    const pw = Bun.spawnSync(["id", "-u", "postgres"]).stdout.toString().trim();
    const gid = Bun.spawnSync(["id", "-g", "postgres"]).stdout.toString().trim();
    chownSync(dir, Number(pw), Number(gid));
  }
  const data = join(dir, "data");
  run([join(BIN, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=500`;
  run([join(BIN, "pg_ctl"), "-D", data, "-w", "-l", join(dir, "log"), "-o", options, "start"]);
  // A watcher outside this process stops the cluster once the test run is gone, however it ended (kill -9 included).
  const stop = asPostgres([join(BIN, "pg_ctl"), "-D", data, "-m", "immediate", "stop"]).map((a) => `'${a}'`).join(" ");
  Bun.spawn(["sh", "-c", `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${stop} >/dev/null 2>&1; rm -rf '${dir}'`], {
    stdio: ["ignore", "ignore", "ignore"],
  }).unref();
  return { port, admin: new SQL(`postgres://postgres@127.0.0.1:${port}/postgres`, { max: 1 }) };
}

/** The URL of a new, empty database on this run's cluster. */
export async function freshDatabase(): Promise<string> {
  cluster ??= start();
  const { port, admin } = await cluster;
  const name = `hub_${process.pid}_${++databases}`;
  await admin.unsafe(`CREATE DATABASE ${name}`);
  return `postgres://postgres@127.0.0.1:${port}/${name}`;
}

/** Drops a database freshDatabase made, closing any connection still open to it (a benchmark's step leaves no tables for autovacuum to work on in the next). */
export async function dropDatabase(url: string): Promise<void> {
  if (!cluster) return;
  const { admin } = await cluster;
  await admin.unsafe(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
}
