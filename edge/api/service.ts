import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { SeedBracketRequest, SeedCaptureRequest, SeedDeployRequest } from "../../shared/contracts/seed-api";
import type { ImageSyncProgress } from "../../shared/contracts/sync";
import { seedBaseToOverride, snapshotFromSeedDeploy } from "../../shared/exposure/compile";
import { formatSeedShutter, suggestIso } from "../../shared/exposure/seed-codes";
import { HttpError, notFound } from "../../shared/http";
import { thumbnailOfFile } from "../../shared/image/thumbnail";
import { plannedTicks } from "../../shared/plan/ticks";
import type { Agent } from "../agent";
import { capture, type CaptureResult, type CaptureTarget, imageFileFor, type SettingsPlan } from "../capture/service";
import { ImageTaken } from "../store/images";
import type { CaptureFilter } from "../capture/log";
import { BRACKET_DEFAULTS, CAPTURE_DEFAULTS, explicitSettings, imageUrl, inExposureOrder, settingsUsed, warnIgnored } from "./seed";

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export function operationalMode(agent: Agent): "deployed_profile" | "live_orchestration" {
  return agent.profiles.active() ? "deployed_profile" : "live_orchestration";
}

function deployedProfile(agent: Agent) {
  const active = agent.profiles.active();
  if (!active) return null;
  return {
    profile_id: active.snapshot.profile_id,
    version: active.snapshot.version,
    checksum: active.snapshot.checksum,
    deployed_at: active.deployed_at,
    source: active.source,
    reason: active.reason,
  };
}

export async function status(agent: Agent) {
  const observed = agent.observe();
  const next = agent.nextCapture();
  const sync = agent.sync?.status;
  return {
    status: "online",
    camera_id: agent.env.SKYLAPSE_CAMERA_ID ?? null,
    /** The camera's IANA zone (the hub's, else UTC), for readers that show its local times. */
    timezone: agent.profiles.timezone(),
    camera_model: agent.driver.model,
    camera_ready: await agent.driver.ready(),
    operational_mode: operationalMode(agent),
    deployed_profile: deployedProfile(agent),
    hub_assignment: agent.profiles.hubAssignment(),
    disk: observed.disk,
    last_capture_at: observed.last_capture_at,
    next_capture: next ? { at: iso(next.at), schedule: next.schedule, profile: next.profile } : null,
    captures: agent.log.counts(),
    backlog: { count: observed.backlog, oldest_planned_at: observed.oldest_pending_at },
    image_sync: imageSyncStatus(agent, observed.images),
    hub: sync
      ? {
          url: agent.env.SKYLAPSE_HUB_URL,
          reachable: sync.failures === 0 && sync.lastSuccessAt !== null,
          last_sync_at: iso(sync.lastSuccessAt),
          last_error: sync.lastError,
          uploaded: sync.uploaded,
        }
      : null,
    clock: observed.clock,
    plan_extrapolated: agent.desired.extrapolating(agent.clock.now()),
    incidents: observed.incidents,
    health: observed.health ?? null,
    agent: { version: observed.agent_version, update: observed.update ?? null },
    warnings: [
      ...(observed.disk?.warning ? [`storage ${observed.disk.percent}% used`] : []),
      ...(observed.clock.trusted ? [] : ["clock not trusted yet: safety captures only, times corrected later"]),
    ],
    tick_jitter_ms: jitterSummary(agent.scheduler.stats.jitter),
  };
}

/** Image sync at a glance: the policy, what still waits, what went since this start (null without a hub). */
function imageSyncStatus(agent: Agent, progress: ImageSyncProgress | undefined) {
  const running = agent.imageSync?.status;
  if (!running || !progress) return null;
  return {
    policy: agent.desired.state?.image_sync ?? "all",
    ...progress,
    sent_since_start: { thumbnails: running.thumbnails, images: running.images, bytes: running.bytes },
    last_error: running.lastError,
  };
}

function percentile(sorted: number[], p: number): number | null {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : null;
}

/** How late recent ticks fired, in clock ms: p50, p99 and how many ticks that covers. */
function jitterSummary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), n: sorted.length };
}

export async function requireReady(agent: Agent) {
  if (!(await agent.driver.ready())) throw new HttpError(503, "camera_not_ready", "Camera not ready");
}

export async function meter(agent: Agent) {
  await requireReady(agent);
  const m = await agent.driver.meter(agent.clock.now());
  return {
    lux: m.lux,
    exposure_time_us: m.exposure_time_us,
    analogue_gain: m.analogue_gain,
    colour_temperature: m.colour_temperature,
    suggested_iso: suggestIso(m.analogue_gain),
    suggested_shutter: formatSeedShutter(m.exposure_time_us),
  };
}

export function captured(agent: Agent, result: CaptureResult, message: string) {
  const r = result.record;
  if (r.outcome !== "captured") throw new HttpError(r.reason_code === "disk_full" ? 507 : 503, r.reason_code ?? "capture_failed", r.reason ?? "capture failed");
  return {
    status: "success",
    image_path: agent.images.pathOf(result.files[0]!),
    message,
    capture_id: r.id,
    seq: result.seq,
    image_url: imageUrl(r.profile_id, result.files[0]!),
    settings_used: settingsUsed(r.settings!),
    settings: r.settings,
    exposure: r.exposure,
    meter: r.meter,
    image: r.image,
  };
}

/**
 * A capture asked for on the local API. One for a tick the log already holds (its
 * production record, or the file it would write) is refused with 409 before the
 * camera is touched or a byte is written: a logged frame is never replaced.
 */
export async function takeCapture(agent: Agent, target: CaptureTarget, plan: SettingsPlan): Promise<CaptureResult> {
  const taken = () =>
    new HttpError(409, "conflict", `a capture for ${new Date(target.at).toISOString()} and profile ${target.profile}${target.test_id ? ` (test ${target.test_id})` : ""} is already logged; its frame is kept`);
  const production = !target.test_role || target.test_role === "baseline";
  if ((production && agent.log.has(target.at, target.profile)) || agent.images.holds(imageFileFor(target, agent.captureDeps.desired.timezone()))) throw taken();
  try {
    return await capture(agent.captureDeps, target, plan);
  } catch (e) {
    // Another request for the same tick committed while this one was at the camera (same file, or the same production tick).
    if (e instanceof ImageTaken || (production && agent.log.has(target.at, target.profile))) throw taken();
    throw e;
  }
}

/** How far a live-orchestrated capture's tick may sit from the agent's clock. */
const PLANNED_AT_SLACK_MS = 10 * 60_000;

/**
 * A capture by hand without a schedule_type is filed under the schedule whose
 * window is open now (its overrides apply), or as `manual` outside every window.
 */
function openSchedule(agent: Agent, at: number): string {
  const open = agent.profiles.windows(at).find((w) => Date.parse(w.start) <= at && at < Date.parse(w.end));
  return open?.schedule ?? "manual";
}

/** POST /capture in the seed's three modes: explicit settings, the deployed profile, or it with a one-capture override. */
export async function manualCapture(agent: Agent, req: SeedCaptureRequest) {
  warnIgnored(agent, "POST /capture", req.ignored);
  await requireReady(agent);
  const now = agent.clock.now();
  const at = req.planned_at ? Date.parse(req.planned_at) : now;
  if (Math.abs(at - now) > PLANNED_AT_SLACK_MS)
    throw new HttpError(422, "invalid_request", `body.planned_at: must be within 10 minutes of the agent's clock (${new Date(now).toISOString()})`);
  if (!req.use_deployed_profile) {
    const settings = explicitSettings(req, CAPTURE_DEFAULTS);
    const target = { at, schedule: req.schedule ?? "manual", profile: req.profile ?? "default", interval_seconds: 0 };
    return captured(agent, await takeCapture(agent, target, { explicit: settings }), "captured with explicit settings");
  }
  const active = agent.profiles.active();
  if (!active) throw new HttpError(400, "no_profile", "No profile deployed: deploy one with POST /profile/deploy or assign one at the hub");
  const { ev_compensation, ...override } = req.override ?? {};
  const plan: SettingsPlan = {
    snapshot: active.snapshot,
    override: req.override ? seedBaseToOverride({ ...override, ev_compensation, bracket_exposures: override.bracket_ev }) : undefined,
  };
  const target = {
    at,
    schedule: req.schedule_type ?? openSchedule(agent, at),
    profile: active.snapshot.profile_id,
    interval_seconds: 0,
    test_id: req.test_id ?? (req.override ? "override" : null),
    test_role: req.override || req.test_id ? ("variant" as const) : null,
  };
  const mode = req.override ? `deployed profile ${active.snapshot.profile_id} with a one-capture override` : `deployed profile ${active.snapshot.profile_id}`;
  return captured(agent, await takeCapture(agent, target, plan), `captured with the ${mode}`);
}

/** POST /capture-bracket: one capture of 2 to 9 frames, named back in the order of their EV offsets. */
export async function bracketCapture(agent: Agent, req: SeedBracketRequest) {
  warnIgnored(agent, "POST /capture-bracket", req.ignored);
  await requireReady(agent);
  const { bracket_exposures, ...rest } = req;
  // The first system's bracket_exposures, else ours: bracket_count (3 by default) with bracket_ev or its default offsets.
  const settings = bracket_exposures
    ? { ...explicitSettings({ ...rest, bracket_count: undefined, bracket_ev: undefined }, BRACKET_DEFAULTS), bracket: { count: bracket_exposures.length, ev: bracket_exposures } }
    : explicitSettings({ ...rest, bracket_count: rest.bracket_count ?? 3 }, BRACKET_DEFAULTS);
  const evs = settings.bracket!.ev;
  const target = { at: agent.clock.now(), schedule: req.schedule ?? "manual", profile: req.profile ?? "bracket", interval_seconds: 0 };
  const result = await takeCapture(agent, target, { explicit: settings });
  const files = inExposureOrder(evs, result.files);
  return {
    ...captured(agent, result, `Captured ${evs.length} bracket exposures`),
    filenames: files.map((f) => basename(f)),
    bracket_count: evs.length,
    image_paths: files.map((f) => agent.images.pathOf(f)),
  };
}

export function deploy(agent: Agent, req: SeedDeployRequest) {
  const snapshot = snapshotFromSeedDeploy(req);
  agent.profiles.deployLocal(snapshot, req.deployed_at ?? iso(agent.clock.now())!);
  agent.scheduler.replan();
  return { status: "deployed", profile_id: snapshot.profile_id, version: snapshot.version, checksum: snapshot.checksum, operational_mode: "deployed_profile" };
}

export function currentProfile(agent: Agent) {
  const active = agent.profiles.active();
  if (!active) return { status: "no_profile", operational_mode: "live_orchestration", message: "No profile deployed; the agent is in live orchestration mode" };
  return { status: "deployed", operational_mode: "deployed_profile", ...deployedProfile(agent), snapshot: active.snapshot };
}

export function clearProfile(agent: Agent) {
  const had = agent.profiles.clearLocal();
  agent.scheduler.replan();
  const mode = operationalMode(agent);
  const assignment = agent.profiles.hubAssignment();
  const message = !had
    ? "No profile was deployed by hand"
    : mode === "deployed_profile"
      ? `Hand-deployed profile cleared; the hub's assignment ${assignment?.profile_id} ${assignment?.version} is active`
      : "Profile cleared; the agent is in live orchestration mode";
  return { status: "cleared", operational_mode: mode, message };
}

export function plan(agent: Agent) {
  const now = agent.clock.now();
  const state = agent.desired.state;
  const windows = agent.profiles.windows(now);
  const next = agent.nextCapture();
  return {
    timezone: agent.profiles.timezone(),
    from: state?.plan.from ?? null,
    to: state?.plan.to ?? null,
    extrapolated: windows.some((w) => w.extrapolated),
    clock_trusted: agent.clock.trusted,
    next_capture: next ? { at: iso(next.at), schedule: next.schedule, profile: next.profile } : null,
    windows: windows
      .filter((w) => Date.parse(w.end) > now)
      .map((w) => ({ ...w, ticks: plannedTicks([w], Math.max(now, Date.parse(w.start)), Date.parse(w.end)).length })),
  };
}

export function listCaptures(agent: Agent, q: Omit<CaptureFilter, "from" | "to"> & { from?: string; to?: string }) {
  const filter: CaptureFilter = { ...q, from: q.from ? Date.parse(q.from) : undefined, to: q.to ? Date.parse(q.to) : undefined };
  const captures = agent.log.list({ ...filter, limit: q.limit + 1 });
  const page = captures.slice(0, q.limit);
  return { captures: page, next: captures.length > q.limit ? page[page.length - 1]!.seq : null };
}

export function captureById(agent: Agent, id: string) {
  const record = agent.log.byId(id);
  if (!record) throw notFound(`capture ${id}`);
  return record;
}

function imageFile(agent: Agent, id: string): string {
  const record = captureById(agent, id);
  if (!record.image) throw notFound(`an image for capture ${id} (${record.outcome})`);
  if (record.purged) throw new HttpError(410, "purged", `the image of capture ${id} was deleted to keep within storage limits`);
  return agent.images.pathOf(record.image.file);
}

export function image(agent: Agent, id: string): Blob {
  return Bun.file(imageFile(agent, id));
}

/** A small JPEG of the capture (the image sync's thumbnail), made once and kept beside the data. */
export async function thumbnail(agent: Agent, id: string): Promise<Uint8Array> {
  const source = imageFile(agent, id);
  const cached = join(agent.env.SKYLAPSE_DATA_DIR, "thumbs", `${id}.jpg`);
  if (existsSync(cached)) return readFileSync(cached);
  const jpeg = await thumbnailOfFile(source);
  mkdirSync(dirname(cached), { recursive: true });
  writeFileSync(cached, jpeg);
  return jpeg;
}

/** The latest captured image, of one profile or of any. */
export function latest(agent: Agent, profile?: string) {
  const [record] = agent.log.list({ profile, outcome: "captured", limit: 1 });
  if (!record?.image || record.purged) throw notFound(profile ? `an image for profile ${profile}` : "an image");
  return record;
}

export function latestInfo(agent: Agent, profile: string) {
  const r = latest(agent, profile);
  return {
    capture_id: r.id,
    image_path: agent.images.pathOf(r.image!.file),
    profile: r.profile_id,
    schedule: r.schedule,
    captured_at: r.captured_at,
    settings_used: r.settings && settingsUsed(r.settings),
    settings: r.settings,
    exposure: r.exposure,
  };
}

export function syncNow(agent: Agent) {
  if (!agent.sync) throw new HttpError(409, "standalone", "this agent has no hub (SKYLAPSE_HUB_URL is unset)");
  agent.sync.syncNow();
  return { status: "sync_started" };
}

