/**
 * GET /ready on a real hub: 200 while the database answers with this build's
 * migrations and the picture store takes a write; 503 naming the reason when
 * one fails (and 200 again once it is fixed); 503 "draining" from SIGTERM while
 * requests are still answered for SKYLAPSE_SHUTDOWN_DRAIN_SECONDS.
 */
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { SQL } from "bun";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { testBackend, testStorage } from "../harness/postgres";
import { hubDatabaseUrl, startHub, waitFor } from "../harness/processes";
import { DENVER } from "../harness/scenario";
import { stopAfterEach } from "../harness/tracked";

const config = { location: DENVER, cameras: { ridge: { schedules: [] } } };

const track = stopAfterEach();

const ready = async (url: string) => {
  const res = await fetch(`${url}/ready`);
  return { status: res.status, body: (await res.json()) as { status: string; reasons?: string[]; checks: Record<string, string> } };
};

/** One raw HTTP/1.0 request without a Host header, as HAProxy's default health check sends it: the status line. */
function bareCheck(url: string, path: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`GET ${path} HTTP/1.0\r\n\r\n`));
    let text = "";
    socket.on("data", (d) => (text += d.toString()));
    socket.on("end", () => resolve(text.split("\r\n")[0]!));
    socket.on("error", reject);
  });
}

async function expectBehind(url: string) {
  const behind = await ready(url);
  expect(behind.status).toBe(503);
  expect(behind.body.reasons).toEqual([expect.stringContaining("migrations: the database's newest migration")]);
}

describe("GET /ready", () => {
  test("200 when the database, its migrations and the picture store are fine; 503 naming what is not, until it is fixed", async () => {
    const hub = track(await startHub({ config }));
    expect(await ready(hub.url)).toEqual({ status: 200, body: { status: "ready", checks: { database: "ok", migrations: "ok", storage: "ok" } } });
    // A load balancer's bare check (no Host header: the request's URL has no origin) is answered, not a 500.
    expect(await bareCheck(hub.url, "/ready")).toBe("HTTP/1.1 200 OK");
    expect(await bareCheck(hub.url, "/api/fleet")).toBe("HTTP/1.1 401 Unauthorized");

    // A bucket has no folder to block: this fault is the filesystem store's.
    if (testStorage() === "fs") {
      // The picture store refuses writes: a file stands where the probe's folder goes.
      const blocker = join(hub.dataDir, "images", "probes");
      rmSync(blocker, { recursive: true, force: true });
      mkdirSync(join(hub.dataDir, "images"), { recursive: true });
      writeFileSync(blocker, "not a folder");
      const broken = await ready(hub.url);
      expect(broken.status).toBe(503);
      expect(broken.body.status).toBe("not_ready");
      expect(broken.body.checks).toMatchObject({ database: "ok", migrations: "ok" });
      expect(broken.body.reasons).toEqual([expect.stringMatching(/^storage: a write to the picture store failed: E/)]);
      expect((await fetch(`${hub.url}/health`)).status).toBe(200);
      rmSync(blocker);
      expect((await ready(hub.url)).status).toBe(200);
      expect(hub.output).toContain("hub: not ready: storage: a write to the picture store failed");
    }
    // The database lacks this build's newest migration (as a backup from an older version restored under it would).
    if (testBackend() === "sqlite") {
      const outside = new Database(join(hub.dataDir, "hub.sqlite"));
      const newest = outside.query("SELECT hash, created_at FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1").get() as { hash: string; created_at: number };
      outside.query("DELETE FROM __drizzle_migrations WHERE created_at = ?").run(newest.created_at);
      await expectBehind(hub.url);
      outside.query("INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)").run(newest.hash, newest.created_at);
      outside.close();
    } else {
      const outside = new SQL(hubDatabaseUrl(hub.dataDir)!, { max: 1 });
      const [newest] = await outside`SELECT id, hash, created_at FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1`;
      await outside`DELETE FROM drizzle.__drizzle_migrations WHERE id = ${newest.id}`;
      await expectBehind(hub.url);
      await outside`INSERT INTO drizzle.__drizzle_migrations (id, hash, created_at) VALUES (${newest.id}, ${newest.hash}, ${newest.created_at})`;
      await outside.close();
    }
    expect((await ready(hub.url)).status).toBe(200);
    expect(hub.output).toContain("hub: not ready: migrations: the database's newest migration");
    expect(hub.output).toContain("hub: ready");
  }, 60_000);

  test("SIGTERM: 503 draining at once, requests still answered for the drain, then a clean exit", async () => {
    const hub = track(await startHub({ config, env: { SKYLAPSE_SHUTDOWN_DRAIN_SECONDS: "3" } }));
    expect((await ready(hub.url)).status).toBe(200);
    const t0 = Date.now();
    hub.proc.kill(15);
    const draining = await waitFor("/ready to say draining", async () => {
      const r = await ready(hub.url);
      return r.status === 503 ? r : null;
    }, 2000, 50);
    expect(draining.body.reasons).toEqual(["draining: the hub is shutting down"]);
    expect((await hub.api("/api/cameras")).status).toBe(200);
    expect((await fetch(`${hub.url}/health`)).status).toBe(200);
    expect(await hub.proc.exited).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2500);
    expect(hub.output).toContain("hub: draining for 3 s before stopping");
  }, 60_000);
});
