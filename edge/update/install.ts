/**
 * An agent install on disk, as the launcher (edge/deploy/skylapse-launcher.sh) reads it:
 * DIR/current and DIR/previous link to slots/a or slots/b; a slot holds agent.js, bun (a
 * link into runtimes/SHA256/, shared by the slots) and release.json; downloads/ keeps
 * partial downloads; `trial` names a version on trial, `update-failed` the launcher's
 * report of one it rolled back.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { ReleaseManifest } from "../../shared/contracts/release";
import { durableWrite, fsyncDir } from "../../shared/durable-file";

export type Slot = "a" | "b";

/** Unpacks a gzip file into `dest` (mode `mode`), returning the unpacked bytes' sha256. */
export async function gunzipTo(src: string, dest: string, mode = 0o644): Promise<string> {
  // Loaded here, for the rare install: node:stream and node:zlib cost megabytes an agent keeps otherwise.
  const [{ Transform }, { pipeline }, { createGunzip }] = await Promise.all([import("node:stream"), import("node:stream/promises"), import("node:zlib")]);
  const hash = new Bun.CryptoHasher("sha256");
  const tee = new Transform({
    transform(chunk: Buffer, _enc: unknown, done: (error: null, chunk: Buffer) => void) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(createReadStream(src), createGunzip(), tee, createWriteStream(dest, { mode }));
  return hash.digest("hex");
}

export class Install {
  constructor(readonly dir: string) {}

  private path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /** The slot `current` points at, or null when this is no install. */
  currentSlot(): Slot | null {
    try {
      const target = readlinkSync(this.path("current"));
      return target.endsWith("a") ? "a" : target.endsWith("b") ? "b" : null;
    } catch {
      return null;
    }
  }

  hasRuntime(unpackedSha: string): boolean {
    return existsSync(this.path("runtimes", unpackedSha, "bun"));
  }

  /** Where a download of the artifact with this sha256 accumulates (its size is the resume offset). */
  partial(sha: string): string {
    mkdirSync(this.path("downloads"), { recursive: true });
    return this.path("downloads", `${sha}.part`);
  }

  /** Unpacks a downloaded runtime into runtimes/SHA/bun; false when its content is not what the manifest says. */
  async addRuntime(gz: string, unpackedSha: string): Promise<boolean> {
    const dir = this.path("runtimes", unpackedSha);
    mkdirSync(dir, { recursive: true });
    const temp = join(dir, "bun.tmp");
    if ((await gunzipTo(gz, temp, 0o755)) !== unpackedSha) {
      rmSync(temp, { force: true });
      return false;
    }
    renameSync(temp, join(dir, "bun"));
    fsyncDir(dir);
    return true;
  }

  /** Fills `slot` with a release (its runtime added already); false when the bundle's content is not what the manifest says. */
  async fillSlot(slot: Slot, manifest: ReleaseManifest, bundleGz: string): Promise<boolean> {
    const dir = this.path("slots", slot);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    if ((await gunzipTo(bundleGz, join(dir, "agent.js"))) !== manifest.bundle.unpacked_sha256) return false;
    symlinkSync(join("..", "..", "runtimes", manifest.runtime.unpacked_sha256, "bun"), join(dir, "bun"));
    durableWrite(join(dir, "release.json"), JSON.stringify(manifest));
    return true;
  }

  private swapLink(name: string, target: string): void {
    const temp = this.path(`${name}.tmp`);
    rmSync(temp, { force: true });
    symlinkSync(target, temp);
    renameSync(temp, this.path(name));
  }

  /** Puts `slot` on trial as `version`: the marker first, then the links swap (each a rename), so a crash between leaves the old slot current. */
  switchTo(slot: Slot, version: string): void {
    const old = this.currentSlot();
    durableWrite(this.path("trial"), version);
    rmSync(this.path("trial.started"), { force: true });
    if (old) this.swapLink("previous", join("slots", old));
    this.swapLink("current", join("slots", slot));
    fsyncDir(this.dir);
  }

  /** A first install: `slot` current, no trial (nothing to go back to). */
  makeCurrent(slot: Slot): void {
    this.swapLink("current", join("slots", slot));
    fsyncDir(this.dir);
  }

  /** The version on trial, or null. */
  trial(): string | null {
    try {
      return readFileSync(this.path("trial"), "utf8").trim();
    } catch {
      return null;
    }
  }

  /** The running version is healthy: the launcher stops watching it. */
  confirm(): void {
    rmSync(this.path("trial"), { force: true });
    fsyncDir(this.dir);
  }

  /** The launcher's report of an update it rolled back, consumed. */
  takeFailure(): { version: string; reason: string } | null {
    const file = this.path("update-failed");
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return null;
    }
    unlinkSync(file);
    const field = (name: string) => text.match(new RegExp(`^${name}=(.*)$`, "m"))?.[1] ?? "unknown";
    return { version: field("version"), reason: field("reason") };
  }

  /** Drops runtimes neither slot uses and downloads of other artifacts. */
  prune(keepDownloads: string[]): void {
    const used = new Set<string>();
    for (const slot of ["a", "b"]) {
      try {
        used.add(readlinkSync(this.path("slots", slot, "bun")).split("/").at(-2)!);
      } catch {
        // An empty slot.
      }
    }
    for (const [sub, keep] of [["runtimes", (n: string) => used.has(n)], ["downloads", (n: string) => keepDownloads.some((k) => n.startsWith(k))]] as const) {
      let names: string[] = [];
      try {
        names = readdirSync(this.path(sub));
      } catch {
        continue;
      }
      for (const name of names) if (!keep(name)) rmSync(this.path(sub, name), { recursive: true, force: true });
    }
  }
}
