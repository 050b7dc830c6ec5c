/**
 * `skylapse-hub backup DIR` while a real hub ingests a real agent's records and
 * pictures, then `skylapse-hub restore DIR` into a new data dir and a hub started
 * on it: the same records, every picture the snapshot knows byte-identical.
 * Restore refuses a running hub's data dir, a data dir holding data, and a
 * damaged backup.
 */
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { testBackend } from "../harness/postgres";
import { realMsUntil, sharedClock, startAgent, startHub, type StartedHub, tempDir } from "../harness/processes";
import { DENVER, hubCaptures } from "../harness/scenario";
import { stopAfterEach } from "../harness/tracked";

const ROOT = join(import.meta.dir, "..", "..");
const config = {
  location: DENVER,
  schedules: { morning: { start_time: "07:00", end_time: "07:06", interval_seconds: 10 } },
  cameras: { ridge: { deployed_profile: "f", schedules: ["morning"] }, valley: { deployed_profile: "f", schedules: ["morning"] } },
  profiles: { f: { base: { metering: "matrix" } } },
  sync: { poll_interval_seconds: 10, plan_days: 1 },
};
const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00Z`);

const track = stopAfterEach();

/** `bun hub/main.ts COMMAND DIR` on the data dir: its exit status and output. */
async function hubCommand(dataDir: string, ...args: string[]) {
  return hubCommandWith({}, dataDir, ...args);
}

async function hubCommandWith(env: Record<string, string>, dataDir: string, ...args: string[]) {
  const p = Bun.spawn(["bun", join(ROOT, "hub/main.ts"), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", SKYLAPSE_DATA_DIR: dataDir, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stdout, stderr] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code, stdout, stderr };
}

const bytesOf = async (hub: StartedHub, path: string) => {
  const res = await hub.api(path);
  return res.status === 200 ? new Uint8Array(await res.arrayBuffer()) : res.status;
};

describe("backup and restore of a SQLite deployment", () => {
  // The backup copies hub.sqlite: a PostgreSQL deployment's database is pg_dump's (the command refuses, below).
  test.skipIf(testBackend() === "postgres")("backed up while a real hub ingests, restored into a new data dir: a hub on it holds the same records and pictures", async () => {
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 20, 2500);
    const hub = track(await startHub({ config, clock }));
    track(await startAgent({ cameraId: "ridge", hub, clock, seed: 1 }));
    track(await startAgent({ cameraId: "valley", hub, clock, seed: 2 }));
    await Bun.sleep(realMsUntil(clock, T("14:03")));
    const before = (await hubCaptures(hub, "ridge", 0, 4e12)).length;
    expect(before).toBeGreaterThan(5);

    // Mid-session: records and picture chunks arrive while the backup runs.
    const backupDir = join(tempDir("backup"), "2026-11-24");
    const made = await hubCommand(hub.dataDir, "backup", backupDir);
    expect(made.stderr).toBe("");
    expect(made.code).toBe(0);
    expect(made.stdout).toContain(`skylapse-hub: backed up ${hub.dataDir} into ${backupDir}`);
    const manifest = JSON.parse(readFileSync(join(backupDir, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ format: "skylapse-hub-backup", version: 1, source: hub.dataDir, database: { path: "hub.sqlite" } });
    expect(manifest.files.some((f: { path: string }) => f.path.startsWith("images/ridge/thumbnails/"))).toBe(true);
    expect(manifest.files.some((f: { path: string }) => f.path.startsWith("images/probes"))).toBe(false);
    for (const f of manifest.files.slice(0, 20)) expect(new Bun.CryptoHasher("sha256").update(readFileSync(join(backupDir, f.path))).digest("hex")).toBe(f.sha256);

    // What the snapshot holds: read straight from the backup's database.
    const snapshot = new Database(join(backupDir, "hub.sqlite"), { readonly: true });
    const snapCaptures = (snapshot.query("SELECT id FROM captures WHERE camera_id = 'ridge' ORDER BY id").values() as string[][]).map((r) => r[0]!);
    const snapImages = snapshot.query("SELECT capture_id AS id, camera_id AS camera, thumbnail_at AS thumb, image_complete_at AS full FROM capture_images").all() as { id: string; camera: string; thumb: number | null; full: number | null }[];
    expect(snapshot.query("PRAGMA integrity_check").values()).toEqual([["ok"]]);
    snapshot.close();
    expect(snapCaptures.length).toBeGreaterThanOrEqual(before);

    // Restore refuses the running hub's data dir (nothing is touched), and a damaged backup.
    const onRunning = await hubCommand(hub.dataDir, "restore", backupDir);
    expect(onRunning.code).toBe(1);
    expect(onRunning.stderr).toContain(`refusing to restore into ${hub.dataDir}: a hub is running on it`);
    const damaged = join(tempDir("damaged"), "copy");
    cpSync(backupDir, damaged, { recursive: true });
    const victim = manifest.files.find((f: { path: string }) => f.path.includes("/thumbnails/")).path;
    const bytes = readFileSync(join(damaged, victim));
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(join(damaged, victim), bytes);
    const fromDamaged = await hubCommand(tempDir("restored-damaged"), "restore", damaged);
    expect(fromDamaged.code).toBe(1);
    expect(fromDamaged.stderr).toContain(`is damaged (1 file(s)): ${victim}: sha256`);

    const restoredDir = join(tempDir("restored"), "hub");
    const restored = await hubCommand(restoredDir, "restore", backupDir);
    expect(restored.stderr).toBe("");
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain("every sha256 checked");
    // Once restored the data dir holds data: a second restore into it is refused.
    const again = await hubCommand(restoredDir, "restore", backupDir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("it already holds a hub's data (hub.sqlite)");

    const copy = track(await startHub({ config, dataDir: restoredDir, operatorToken: hub.operatorToken }));
    expect((await fetch(`${copy.url}/ready`)).status).toBe(200);
    // The same records as the snapshot, each identical to the original hub's.
    const originals = new Map((await hubCaptures(hub, "ridge", 0, 4e12)).map((c) => [c.id, c]));
    const copied = await hubCaptures(copy, "ridge", 0, 4e12);
    expect(copied.map((c) => c.id).sort()).toEqual(snapCaptures);
    for (const c of copied) expect(c).toEqual(originals.get(c.id));
    // Every picture the snapshot knows is there, byte for byte the original's.
    let pictures = 0;
    for (const image of snapImages) {
      const base = `/api/cameras/${image.camera}/captures/${image.id}`;
      if (image.thumb !== null) {
        expect(await bytesOf(copy, `${base}/thumbnail`)).toEqual(await bytesOf(hub, `${base}/thumbnail`));
        pictures++;
      }
      if (image.full !== null) {
        expect(await bytesOf(copy, `${base}/image`)).toEqual(await bytesOf(hub, `${base}/image`));
        pictures++;
      }
    }
    expect(pictures).toBeGreaterThan(10);
    console.log(`backup mid-session: ${snapCaptures.length} ridge records, ${manifest.files.length} files, ${pictures} pictures checked against the original hub`);
  }, 120_000);

  test("on a PostgreSQL deployment (SKYLAPSE_DATABASE_URL set) backup and restore refuse, pointing to pg_dump, and touch nothing", async () => {
    const dataDir = tempDir("pg-deployment");
    const target = join(tempDir("backup"), "pg");
    for (const command of ["backup", "restore"]) {
      const r = await hubCommandWith({ SKYLAPSE_DATABASE_URL: "postgres://skylapse@127.0.0.1:5432/skylapse" }, dataDir, command, target);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`skylapse-hub: ${command}: SKYLAPSE_DATABASE_URL is set: this backup copies a SQLite deployment`);
      expect(r.stderr).toContain("pg_dump");
      expect(existsSync(target)).toBe(false);
    }
  });
});
