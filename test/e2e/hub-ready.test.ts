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
import { testStorage } from "../harness/postgres";
import { hubDatabaseUrl, startHub, type StartedHub, waitFor } from "../harness/processes";
import { DENVER } from "../harness/scenario";
import { HUB_VERSION } from "../../hub/version";
import { stopAfterEach } from "../harness/tracked";

const config = { location: DENVER, cameras: { ridge: { schedules: [] } } };

const track = stopAfterEach();

const ready = async (url: string) => {
  const res = await fetch(`${url}/ready`);
  return { status: res.status, body: (await res.json()) as { status: string; version?: string; reasons?: string[]; checks: Record<string, string> } };
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

type Migration = { hash: string; created_at: number | string };

/** drizzle's record of the hub's migrations, edited from outside the hub: its own SQLite file's table, or the `drizzle` schema's on PostgreSQL. */
function migrationsTable(hub: StartedHub) {
  const url = hubDatabaseUrl(hub.dataDir);
  if (url) {
    const pg = new SQL(url, { max: 1 });
    return {
      newest: async () => ((await pg`SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1`) as Migration[])[0]!,
      remove: async (m: Migration) => void (await pg`DELETE FROM drizzle.__drizzle_migrations WHERE created_at = ${m.created_at}`),
      insert: async (m: Migration) => void (await pg`INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES (${m.hash}, ${m.created_at})`),
      close: () => pg.close(),
    };
  }
  const sqlite = new Database(join(hub.dataDir, "hub.sqlite"));
  return {
    newest: async () => sqlite.query("SELECT hash, created_at FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1").get() as Migration,
    remove: async (m: Migration) => void sqlite.query("DELETE FROM __drizzle_migrations WHERE created_at = ?").run(m.created_at),
    insert: async (m: Migration) => void sqlite.query("INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)").run(m.hash, m.created_at),
    close: async () => sqlite.close(),
  };
}

describe("GET /ready", () => {
  test("200 when the database, its migrations and the picture store are fine; 503 naming what is not, until it is fixed", async () => {
    const hub = track(await startHub({ config }));
    expect(await ready(hub.url)).toEqual({ status: 200, body: { status: "ready", version: HUB_VERSION, checks: { database: "ok", migrations: "ok", storage: "ok" } } });
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
    const outside = migrationsTable(hub);
    const newest = await outside.newest();
    await outside.remove(newest);
    const behind = await ready(hub.url);
    expect(behind.status).toBe(503);
    expect(behind.body.reasons).toEqual([expect.stringContaining("migrations: the database's newest migration")]);
    await outside.insert(newest);
    await outside.close();
    expect((await ready(hub.url)).status).toBe(200);
    expect(hub.output).toContain("hub: not ready: migrations: the database's newest migration");
    expect(hub.output).toContain("hub: ready");
  }, 60_000);

  test("a database a newer major version migrated: the hub refuses to start, saying why", async () => {
    const hub = track(await startHub({ config }));
    expect((await ready(hub.url)).status).toBe(200);
    await hub.stop();
    const newer = `${Number(HUB_VERSION.split(".")[0]) + 1}.0.0`;
    const url = hubDatabaseUrl(hub.dataDir);
    if (url) {
      const pg = new SQL(url, { max: 1 });
      await pg`INSERT INTO hub_versions (version, first_started_at, last_started_at) VALUES (${newer}, 0, 0)`;
      await pg.close();
    } else {
      const sqlite = new Database(join(hub.dataDir, "hub.sqlite"));
      sqlite.query("INSERT INTO hub_versions (version, first_started_at, last_started_at) VALUES (?, 0, 0)").run(newer);
      sqlite.close();
    }
    const refused = await startHub({ config, dataDir: hub.dataDir }).catch((e: Error) => e.message);
    expect(refused).toContain(`hub: hub ${HUB_VERSION} cannot start on this database: the database was migrated by hub ${newer}, a newer major version`);
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
