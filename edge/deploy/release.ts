/**
 * A release's files: the Bun runtime and our bundled code, each gzip-compressed,
 * and the unsigned manifest naming their hashes and sizes (`skylapse releases sign`
 * signs it). The compressed runtime is cached by content in .build/runtimes, so
 * releases that share a runtime pack it once.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256 } from "../../shared/canonical";
import type { ReleaseArch, ReleaseArtifact, ReleaseManifest } from "../../shared/contracts/release";

export const RELEASE_FILES = { manifest: "manifest.json", runtime: "runtime.gz", bundle: "bundle.gz" } as const;

function pack(unpacked: Uint8Array<ArrayBuffer>, out: string): ReleaseArtifact {
  const packed = Bun.gzipSync(unpacked, { level: 9 });
  writeFileSync(out, packed);
  return { sha256: sha256(packed), bytes: packed.length, unpacked_sha256: sha256(unpacked), unpacked_bytes: unpacked.length };
}

function packRuntime(runtimePath: string, out: string, cacheDir: string): ReleaseArtifact {
  const unpacked = new Uint8Array(readFileSync(runtimePath));
  const id = sha256(unpacked);
  const cached = join(cacheDir, `${id}.gz`);
  const meta = `${cached}.json`;
  if (existsSync(cached) && existsSync(meta)) {
    copyFileSync(cached, out);
    return JSON.parse(readFileSync(meta, "utf8")) as ReleaseArtifact;
  }
  mkdirSync(cacheDir, { recursive: true });
  const artifact = pack(unpacked, cached);
  writeFileSync(meta, JSON.stringify(artifact));
  copyFileSync(cached, out);
  return artifact;
}

export interface PackOptions {
  version: string;
  arch: ReleaseArch;
  /** The Bun executable the agent runs on, and its version. */
  runtimePath: string;
  bunVersion: string;
  /** Our code: one JS file for `bun <file>`. */
  bundlePath: string;
  outdir: string;
  cacheDir: string;
  now: number;
}

/** Writes runtime.gz, bundle.gz and manifest.json (unsigned) into `outdir`. */
export function packRelease(o: PackOptions): ReleaseManifest {
  mkdirSync(o.outdir, { recursive: true });
  const runtime = packRuntime(o.runtimePath, join(o.outdir, RELEASE_FILES.runtime), o.cacheDir);
  const bundle = pack(new Uint8Array(readFileSync(o.bundlePath)), join(o.outdir, RELEASE_FILES.bundle));
  const manifest: ReleaseManifest = {
    version: o.version,
    arch: o.arch,
    runtime: { ...runtime, bun_version: o.bunVersion },
    bundle,
    created_at: new Date(o.now).toISOString(),
  };
  writeFileSync(join(o.outdir, RELEASE_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
