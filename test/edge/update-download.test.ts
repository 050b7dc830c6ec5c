import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bytesOnDisk, DownloadError, resumeDownload } from "../../edge/update/download";
import { HubClient, LinkBudget } from "../../edge/hub-client";
import { DownloadGate } from "../../edge/update/gate";
import { downloadMayGo } from "../../edge/update/compute";
import { SystemClock } from "../../shared/clock";
import { tempDir } from "../harness/processes";

const artifact = new Uint8Array(700_000).map((_, i) => (i * 31) % 256);

describe("the download's share of the link", () => {
  test("records go first; with records waiting, a chunk goes after 3× the last chunk's time, and at least a second", () => {
    expect(downloadMayGo(false, 0, 5_000)).toBe(true);
    expect(downloadMayGo(true, 999, 0)).toBe(false);
    expect(downloadMayGo(true, 1_000, 0)).toBe(true);
    expect(downloadMayGo(true, 5_999, 2_000)).toBe(false);
    expect(downloadMayGo(true, 6_000, 2_000)).toBe(true);
  });
});

describe("resumable update downloads", () => {
  let served = 0;
  let up = true;
  // A hub stand-in that answers Range requests, and is unreachable (503) while `up` is false.
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      if (!up) return new Response("down", { status: 503 });
      const [, a, b] = req.headers.get("range")!.match(/bytes=(\d+)-(\d+)/)!;
      const body = artifact.subarray(Number(a), Number(b) + 1);
      served += body.length;
      return new Response(body, { status: 206, headers: { "content-range": `bytes ${a}-${b}/${artifact.length}` } });
    },
  });
  afterAll(() => server.stop(true));

  test("an outage mid-download leaves the bytes so far; the next attempt moves only the rest", async () => {
    const file = join(tempDir("download"), "artifact.part");
    const job = (onMoved: (bytes: number) => void) => ({
      hub: new HubClient({ baseUrl: `http://127.0.0.1:${server.port}`, token: () => "t", timeoutMs: 5000 }),
      path: "/a",
      file,
      bytes: artifact.length,
      chunkBytes: 100_000,
      cap: new LinkBudget(null),
      signal: new AbortController().signal,
      mayProceed: async () => {},
      onMoved,
    });
    // The link drops after three chunks.
    let fetched = 0;
    const first = resumeDownload(job((n) => {
      fetched += n;
      if (fetched >= 300_000) up = false;
    }));
    await expect(first).rejects.toBeInstanceOf(DownloadError);
    expect(bytesOnDisk(file)).toBe(300_000);
    up = true;
    served = 0;
    let moved = 0;
    await resumeDownload(job((n) => (moved += n)));
    expect(moved).toBe(artifact.length - 300_000);
    expect(served).toBe(artifact.length - 300_000);
    expect(new Uint8Array(readFileSync(file))).toEqual(artifact);
  });

  test("records always waiting (a tick faster than the poll) still leave the download its share of the link: it completes", async () => {
    const file = join(tempDir("download-starved"), "artifact.part");
    const stop = new AbortController();
    const gate = new DownloadGate({ clock: new SystemClock(), recordsWaiting: () => true, signal: stop.signal });
    const download = resumeDownload({
      hub: new HubClient({ baseUrl: `http://127.0.0.1:${server.port}`, token: () => "t", timeoutMs: 5000 }),
      path: "/a",
      file,
      bytes: artifact.length,
      chunkBytes: 100_000,
      cap: new LinkBudget(null),
      signal: stop.signal,
      mayProceed: () => gate.mayProceed(),
      onMoved: () => {},
    });
    // Seven chunks; bounded well above their guaranteed pace, far below "never".
    const done = await Promise.race([download.then(() => true), Bun.sleep(30_000).then(() => false)]);
    stop.abort();
    await download.catch(() => undefined);
    expect({ done, onDisk: bytesOnDisk(file) }).toEqual({ done: true, onDisk: artifact.length });
    expect(new Uint8Array(readFileSync(file))).toEqual(artifact);
  }, 60_000);
});
