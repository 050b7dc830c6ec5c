/**
 * `skylapse timelapses ...` as operators run it: `bun hub/cli/main.ts ARGS` in
 * its own process, against a hub served from this test process (port 0) whose
 * render jobs run a real ffmpeg on real (tiny) thumbnails.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode } from "jpeg-js";
import { ManualClock } from "../../shared/clock";
import { ingestBatch } from "../../hub/agents/service";
import { applyConfig, parseConfig } from "../../hub/config/service";
import { captureImages } from "../../hub/db/schema";
import { imageKey } from "../../hub/storage";
import { captureRecord, sunriseGridConfig } from "../harness/fixtures";
import { firstContact, hubOn, testHubDb } from "../harness/in-process";
import { operatorCli } from "../harness/operator-cli";

const OPERATOR = "operator-token-for-cli-timelapses";
const config = sunriseGridConfig({ ridge: {}, valley: {} });
const FROM = "2026-11-24T13:30:00Z";
const TO = "2026-11-24T13:35:00Z";
/** Ridge has pictures at 12 of the 20 ticks. */
const PICTURED = 12;

let hub: Awaited<ReturnType<typeof hubOn>>;
let url: string;
let work: string;

function jpeg(shade: number): Uint8Array {
  const width = 64;
  const height = 36;
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([shade, shade, Math.min(255, shade + 40), 255], i * 4);
  return encode({ data, width, height }, 80).data;
}

/** Runs the CLI in its own process (async: the hub answering it lives in this one). */
const cli = (args: string[]) => operatorCli({ url, token: OPERATOR, home: work }, ["timelapses", ...args]);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "skylapse-cli-tl-"));
  // The camera is registered before the session it shoots, which is then rendered at 14:00.
  const clock = new ManualClock(Date.parse("2026-11-24T13:00:00Z"));
  const db = await testHubDb(work);
  await applyConfig(db, parseConfig(config), clock.now());
  clock.set(Date.parse("2026-11-24T14:00:00Z"));
  hub = await hubOn(db, clock, OPERATOR, work);
  const ticks = Array.from({ length: PICTURED }, (_, t) => t);
  await firstContact(hub.ctx, "ridge", Date.parse("2026-11-24T13:00:00Z"));
  await ingestBatch(db, "ridge", { log_id: "log-1", records: ticks.map((t) => captureRecord(t + 1, {}, t)) }, clock.now());
  for (const t of ticks) {
    const captureId = `rec-${t + 1}`;
    const bytes = jpeg(60 + t * 10);
    await hub.storage.put(imageKey("ridge", captureId, "thumbnail"), bytes);
    await db.insert(captureImages).values({ captureId, cameraId: "ridge", plannedAt: Date.parse(FROM) + t * 15_000, thumbnailBytes: bytes.length, thumbnailAt: clock.now() });
  }
  await hub.ctx.timelapses.start();
  hub.app.listen({ port: 0, hostname: "127.0.0.1" });
  url = `http://127.0.0.1:${hub.app.server!.port}`;
});

afterAll(async () => {
  await hub.ctx.timelapses.stop();
  await hub.app.stop();
  await hub.ctx.contacts.close();
});

describe("skylapse timelapses", () => {
  let id = "";

  test("render --wait: queued, followed to done with progress on stderr, then shown with its url", async () => {
    const { stdout, stderr, code } = await cli(["render", "--camera", "ridge", "--from", FROM, "--to", TO, "--source", "thumbnails", "--fps", "12", "--crf", "30", "--deflicker", "rolling", "--wait"]);
    expect(stderr).toMatch(/^timelapse tl_\S+: done 100% \(12\/12 frames\)$/m);
    expect(code).toBe(0);
    id = /^timelapse\s+(tl_\S+) — done$/m.exec(stdout)![1]!;
    expect(stdout).toMatch(/^progress\s+100% \(12\/12 frames\)$/m);
    // 20 planned ticks, 12 with a picture.
    expect(stdout).toMatch(/^missing\s+8 ticks without a picture$/m);
    expect(stdout).toMatch(/^cameras\s+ridge$/m);
    expect(stdout).toMatch(/^settings\s+12 fps, crf 30, deflicker rolling, from thumbnails$/m);
    expect(stdout).toMatch(/^size\s+64×36, \d+ bytes$/m);
    expect(stdout).toMatch(new RegExp(`^url\\s+${url}/api/timelapses/${id}/video$`, "m"));
    // Progress never goes on stdout.
    expect(stdout).not.toContain(": done 100%");
  }, 20_000);

  test("list: a table of renders; --camera and --status filter; --json is the hub's answer", async () => {
    const { stdout, code } = await cli(["list"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^id\s+status\s+progress\s+frames\s+missing\s+cameras\s+range\s+deflicker$/m);
    expect(stdout).toMatch(new RegExp(`^${id}\\s+done\\s+100%\\s+12\\s+8\\s+ridge\\s+2026-11-24 13:30:00Z → 2026-11-24 13:35:00Z\\s+rolling$`, "m"));
    expect((await cli(["list", "--camera", "valley"])).stdout.trim()).toBe("no timelapses");
    expect((await cli(["list", "--status", "failed"])).stdout.trim()).toBe("no timelapses");
    const json = JSON.parse((await cli(["list", "--camera", "ridge", "--status", "done", "--json"])).stdout);
    expect(json.timelapses.map((t: { id: string }) => t.id)).toEqual([id]);
  }, 20_000);

  test("show ID (or --id ID): labelled pairs; --json is the render", async () => {
    expect((await cli(["show", "--id", id])).stdout).toBe((await cli(["show", id])).stdout);
    const { stdout, code } = await cli(["show", id]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^range\s+2026-11-24 13:30:00Z → 2026-11-24 13:35:00Z$/m);
    expect(stdout).toMatch(/^origin\s+request$/m);
    expect(stdout).toContain(`/api/timelapses/${id}/poster`);
    const json = JSON.parse((await cli(["show", "--id", id, "--json"])).stdout);
    expect(json).toMatchObject({ id, status: "done", frames: 12, missing: 8, camera_ids: ["ridge"], fps: 12, crf: 30 });
  }, 20_000);

  test("download: the video to a file; an existing file is refused unless --force", async () => {
    const out = join(work, "ridge.mp4");
    const first = await cli(["download", "--id", id, "--out", out]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const bytes = readFileSync(out);
    expect(first.stdout.trim()).toBe(`wrote ${bytes.length} bytes to ${out}`);
    expect(bytes.subarray(4, 8).toString("latin1")).toBe("ftyp");
    expect(bytes.length).toBe(JSON.parse((await cli(["show", "--id", id, "--json"])).stdout).bytes);
    expect(existsSync(`${out}.part`)).toBe(false);

    const again = await cli(["download", "--id", id, "--out", out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${out} exists (--force overwrites it)`);
    writeFileSync(out, "old");
    const forced = await cli(["download", "--id", id, "--out", out, "--force", "--json"]);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toEqual({ id, out, bytes: bytes.length });
    expect(readFileSync(out).length).toBe(bytes.length);
  }, 20_000);

  test("a grid render of a camera without pictures fails: --wait exits 1 with the hub's reason", async () => {
    const { stdout, stderr, code } = await cli(["render", "--camera", "ridge,valley", "--from", FROM, "--to", TO, "--source", "thumbnails", "--wait", "--json"]);
    expect(code).toBe(1);
    const t = JSON.parse(stdout);
    expect(t).toMatchObject({ status: "failed", camera_ids: ["ridge", "valley"] });
    expect(stderr).toMatch(/^timelapse tl_\S+: failed$/m);
    expect(stderr).toContain(`skylapse: timelapse ${t.id} failed: camera valley has no pictures in the range`);
  }, 20_000);

  test("cancel: a queued render is cancelled; a finished one is refused (exit 1)", async () => {
    await hub.ctx.timelapses.stop();
    try {
      const queued = await cli(["render", "--camera", "ridge", "--from", FROM, "--to", TO, "--source", "thumbnails", "--fps", "5"]);
      expect(queued.code).toBe(0);
      const [, pending] = /^timelapse (tl_\S+) queued \(ridge, 2026-11-24 13:30:00Z → 2026-11-24 13:35:00Z\)$/m.exec(queued.stdout)!;
      const cancelled = await cli(["cancel", "--id", pending!]);
      expect(cancelled.code).toBe(0);
      expect(cancelled.stdout.trim()).toBe(`timelapse ${pending} cancelled`);
      expect((await hub.ctx.timelapses.get(pending!)).status).toBe("cancelled");
    } finally {
      await hub.ctx.timelapses.start();
    }
    const refused = await cli(["cancel", "--id", id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("only a queued or running render can be cancelled");
  }, 20_000);

  test("render --wait on a render cancelled meanwhile exits 1", async () => {
    await hub.ctx.timelapses.stop();
    try {
      const before = new Set((await hub.ctx.timelapses.list({ limit: 100 })).map((t) => t.id));
      const waiting = cli(["render", "--camera", "ridge", "--from", FROM, "--to", TO, "--source", "thumbnails", "--fps", "7", "--wait"]);
      let queued: string | undefined;
      for (let i = 0; i < 100 && !queued; i++) {
        await Bun.sleep(50);
        queued = (await hub.ctx.timelapses.list({ limit: 100 })).find((t) => !before.has(t.id))?.id;
      }
      expect(queued).toBeDefined();
      await hub.ctx.timelapses.cancel(queued!);
      const { stdout, stderr, code } = await waiting;
      expect(code).toBe(1);
      expect(stderr).toMatch(new RegExp(`^timelapse ${queued}: cancelled$`, "m"));
      expect(stderr).toContain(`skylapse: timelapse ${queued} cancelled`);
      expect(stdout).toMatch(/^timelapse\s+tl_\S+ — cancelled$/m);
    } finally {
      await hub.ctx.timelapses.start();
    }
  }, 20_000);

  test("delete: the render and its video are gone", async () => {
    const { stdout, code } = await cli(["delete", "--id", id]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`timelapse ${id} deleted`);
    const gone = await cli(["show", "--id", id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("(404)");
    const download = await cli(["download", "--id", id, "--out", join(work, "gone.mp4")]);
    expect(download.code).toBe(1);
    expect(existsSync(join(work, "gone.mp4"))).toBe(false);
  }, 20_000);

  test("usage errors exit 2 naming the problem, before asking the hub", async () => {
    const cases: [string[], string][] = [
      [["render", "--camera", "ridge", "--from", FROM], "timelapses render needs --camera, --from and --to"],
      [["render", "--camera", "ridge", "--from", "yesterday", "--to", TO], "--from: 'yesterday' is not a date"],
      [["render", "--camera", "ridge", "--from", TO, "--to", FROM], "--from must be before --to"],
      [["render", "--camera", "ridge", "--from", FROM, "--to", TO, "--fps", "0"], "--fps: '0' is not a whole number from 1 to 60"],
      [["render", "--camera", "ridge", "--from", FROM, "--to", TO, "--crf", "2.5"], "--crf: '2.5' is not a whole number from 0 to 51"],
      [["render", "--camera", "ridge", "--from", FROM, "--to", TO, "--deflicker", "strong"], "--deflicker: 'strong' is not one of none, rolling, ffmpeg"],
      [["render", "--camera", "ridge", "--from", FROM, "--to", TO, "--source", "raw"], "--source: 'raw' is not one of full, thumbnails"],
      [["render", "--camera", "ridge,ridge", "--from", FROM, "--to", TO], "--camera: a camera appears twice"],
      [["render", "--camera", "a,b,c,d,e,f,g,h,i,j", "--from", FROM, "--to", TO], "--camera: at most 9 cameras"],
      [["list", "--status", "finished"], "--status: 'finished' is not one of queued, running, done, failed, cancelled"],
      [["show"], "timelapses show needs an ID (`timelapses show ID`)"],
      [["cancel"], "timelapses cancel needs an ID"],
      [["delete"], "timelapses delete needs an ID"],
      [["show", "tl_a", "--id", "tl_b"], "timelapses show: ID 'tl_a' and --id 'tl_b' differ"],
      [["show", "tl_a", "tl_b"], "unexpected argument 'tl_b'"],
      [["list", "tl_a"], "timelapses list takes no ID"],
      [["download", "tl_x"], "timelapses download needs --out FILE"],
      [["rewind"], "unknown action 'rewind' (list, show, render, cancel, delete, download)"],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args)));
    for (const [i, r] of results.entries()) {
      expect({ args: cases[i]![0], code: r.code }).toEqual({ args: cases[i]![0], code: 2 });
      expect(r.stderr).toContain(cases[i]![1]);
    }
    // None of them queued anything (left: the failed grid and the two cancelled renders).
    expect((await hub.ctx.timelapses.list({ limit: 100 })).map((t) => `${t.camera_ids.join(",")} ${t.status}`).sort()).toEqual(["ridge cancelled", "ridge cancelled", "ridge,valley failed"]);
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: skylapse timelapses ACTION [ID] [flags]");
    expect(help.stdout).toContain("--deflicker none|rolling|ffmpeg");
  }, 30_000);
});
