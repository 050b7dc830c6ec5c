/**
 * Agent releases and updates: `releases keygen|sign|publish|list` (the signing key
 * stays on the operator's machine; the hub never sees it) and `agents assign|list|rollback`.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256 } from "../../../shared/canonical";
import { ReleaseManifest, SignedManifest } from "../../../shared/contracts/release";
import { type CommandSpec, UsageError } from "../../../shared/cli/args";
import { type CliContext, show } from "../../../shared/cli/run";
import { table, time } from "../../../shared/cli/table";
import { generateReleaseKeys, publicKeyOf, signManifest } from "../../../shared/release/signing";
import { RELEASE_FILES } from "../../../edge/deploy/release";
import type { AgentView, ReleaseView } from "../../releases/compute";

type Command = CommandSpec<CliContext>;
/** Where `releases sign` writes the signed manifest in a release folder. */
const SIGNED_FILE = "manifest.signed.json";
/** Upload chunk: well under the hub's body limit. */
const CHUNK_BYTES = 4 * 1024 * 1024;

function readFile(what: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`${what}: cannot read ${path}: ${(e as Error).message}`);
  }
}

function parseJson<T>(what: string, path: string, schema: { safeParse: (v: unknown) => { success: true; data: T } | { success: false; error: { message: string } } }): T {
  let value: unknown;
  try {
    value = JSON.parse(readFile(what, path));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${what}: ${path} is not JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${what}: ${path} is not a release manifest: ${parsed.error.message}`);
  return parsed.data;
}

const bytesText = (n: number | null | undefined) => (n === null || n === undefined ? "—" : n < 10_000 ? `${n} B` : n < 10_000_000 ? `${Math.round(n / 1024)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`);

const keygen: Command = {
  name: "releases-keygen",
  summary: "make a release signing key: the private key goes to FILE (keep it off the hub), the public key line is printed for SKYLAPSE_RELEASE_PUBKEY",
  args: ["FILE"],
  flags: {},
  async run(ctx, { args }) {
    const file = args.FILE!;
    if (existsSync(file)) throw new UsageError(`FILE: ${file} exists; not overwriting a signing key`);
    const { privatePem, publicKey } = generateReleaseKeys();
    writeFileSync(file, privatePem, { mode: 0o600 });
    writeFileSync(`${file}.pub`, `${publicKey}\n`);
    show(ctx, { private_key_file: file, public_key: publicKey }, (k) => `private key: ${k.private_key_file} (mode 600)\nSKYLAPSE_RELEASE_PUBKEY=${k.public_key}`);
  },
};

const sign: Command = {
  name: "releases-sign",
  summary: `sign the release in DIR (from \`bun run build:agent --release\`): checks its artifacts against manifest.json, writes ${SIGNED_FILE}`,
  args: ["DIR"],
  flags: { key: { type: "string", placeholder: "FILE", description: "the private key from releases keygen" } },
  async run(ctx, { args, flags }) {
    if (typeof flags.key !== "string") throw new UsageError("--key FILE is required");
    const dir = args.DIR!;
    const manifest = parseJson("DIR", join(dir, RELEASE_FILES.manifest), ReleaseManifest);
    for (const [what, artifact] of [["runtime", manifest.runtime], ["bundle", manifest.bundle]] as const) {
      const bytes = readFileSync(join(dir, RELEASE_FILES[what]));
      if (bytes.length !== artifact.bytes || sha256(bytes) !== artifact.sha256) throw new UsageError(`DIR: ${RELEASE_FILES[what]} does not match the manifest`);
    }
    const pem = readFile("--key", flags.key);
    const signed = signManifest(manifest, pem);
    writeFileSync(join(dir, SIGNED_FILE), `${JSON.stringify(signed, null, 2)}\n`);
    show(ctx, { version: manifest.version, arch: manifest.arch, public_key: publicKeyOf(pem), file: join(dir, SIGNED_FILE) }, (s) => `signed ${s.version} (${s.arch}) with key ${s.public_key}: ${s.file}`);
  },
};

/** Uploads one artifact from where the hub's copy stops (a cut upload resumes). */
async function upload(ctx: CliContext, sha: string, bytes: Uint8Array): Promise<number> {
  const path = `/api/releases/artifacts/${sha}`;
  let state = await ctx.api.get<{ bytes_received: number; complete: boolean }>(path);
  const already = state.bytes_received;
  while (!state.complete) {
    const offset = state.bytes_received;
    const chunk = bytes.subarray(offset, offset + CHUNK_BYTES);
    state = await ctx.api.request("PUT", `${path}?offset=${offset}&total=${bytes.length}`, chunk);
  }
  return bytes.length - already;
}

const publish: Command = {
  name: "releases-publish",
  summary: `upload the signed release in DIR (its artifacts, then ${SIGNED_FILE}) to the hub; an interrupted upload resumes`,
  args: ["DIR"],
  flags: {},
  async run(ctx, { args }) {
    const dir = args.DIR!;
    const signed = parseJson("DIR", join(dir, SIGNED_FILE), SignedManifest);
    let sent = 0;
    for (const what of ["runtime", "bundle"] as const) sent += await upload(ctx, signed.manifest[what].sha256, new Uint8Array(readFileSync(join(dir, RELEASE_FILES[what]))));
    const result = await ctx.api.post<{ version: string; arch: string; created: boolean }>("/api/releases", signed);
    show(ctx, { ...result, bytes_sent: sent }, (r) => `${r.created ? "published" : "already published:"} ${r.version} (${r.arch}), ${bytesText(r.bytes_sent)} uploaded`);
  },
};

const list: Command = {
  name: "releases-list",
  summary: "published releases: sizes per architecture, and the bytes each camera's update to them moved",
  args: [],
  flags: {},
  async run(ctx) {
    show(ctx, await ctx.api.get<ReleaseView[]>("/api/releases"), (views) =>
      views
        .map((v) =>
          [
            `${v.version}  published ${time(v.published_at)}`,
            table(null, v.arches.map((a) => [a.arch, `runtime ${bytesText(a.runtime_bytes)}`, `bundle ${bytesText(a.bundle_bytes)}`]), [], "  "),
            ...(v.updates.length
              ? [table(["  CAMERA", "FROM", "RESULT", "MOVED", "KIND", "AT"], v.updates.map((u) => [`  ${u.camera_id}`, u.from, u.result, bytesText(u.bytes_moved), u.full ? "full" : "code only", time(u.at)]))]
              : []),
          ].join("\n"),
        )
        .join("\n\n") || "no releases published",
    );
  },
};

function formatAgents(rows: AgentView[]): string {
  return table(
    ["CAMERA", "ASSIGNED", "RUNNING", "CONVERGED", "UPDATE", "LAST UPDATE"],
    rows.map((a) => [
      a.camera_id,
      a.assigned === null ? "—" : a.assigned === "latest" ? `latest (${a.assigned_version ?? "none"})` : a.assigned,
      a.running ?? "—",
      a.converged === null ? "—" : a.converged ? "yes" : "NO",
      a.phase === "downloading" ? `downloading ${bytesText(a.downloaded_bytes)}/${bytesText(a.total_bytes)}` : (a.phase ?? "—"),
      a.last_update ? `${a.last_update.version} ${a.last_update.result}, ${bytesText(a.last_update.bytes_moved)} ${a.last_update.full ? "full" : "code only"}` : "—",
    ]),
  );
}

const assign: Command = {
  name: "agents-assign",
  summary: "assign an agent release to a camera, or to a list at once (CAMERA as a,b,c; all or nothing)",
  args: ["CAMERA", "VERSION"],
  flags: {},
  async run(ctx, { args }) {
    const ids = args.CAMERA!.split(",").map((s) => s.trim());
    if (ids.some((id) => !id)) throw new UsageError(`CAMERA: '${args.CAMERA}' has an empty camera id`);
    show(ctx, await ctx.api.request<AgentView[]>("PUT", "/api/agents/release", { camera_ids: ids, target: args.VERSION! }), formatAgents);
  },
};

const agents: Command = {
  name: "agents-list",
  summary: "per camera the agent release assigned and the version running, and its last update",
  args: [],
  flags: {},
  async run(ctx) {
    show(ctx, await ctx.api.get<AgentView[]>("/api/agents"), formatAgents);
  },
};

const rollback: Command = {
  name: "agents-rollback",
  summary: "assign a camera the agent version it ran before",
  args: ["CAMERA"],
  flags: {},
  async run(ctx, { args }) {
    show(ctx, await ctx.api.post<AgentView[]>(`/api/agents/${encodeURIComponent(args.CAMERA!)}/rollback`), formatAgents);
  },
};

export const RELEASE_COMMANDS: Command[] = [keygen, sign, publish, list, assign, agents, rollback];
