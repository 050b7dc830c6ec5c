import { z } from "zod";
import { type CaptureRecord, ImageRef } from "../../shared/contracts/sync";
import { type CaptureSettings, ExposureUsed, MeterReading } from "../../shared/contracts/settings";
import { settingsToSeedRequest } from "../../shared/exposure/compile";
import { jpegSize } from "../../shared/image/jpeg";
import { ImageMeasures } from "../../shared/contracts/tests";
import type { PlannedTick } from "../../shared/plan/ticks";
import type { CameraSetup } from "../plans/service";
import { FirstSystemCaptureReply, firstSystemCaptureRequest, firstSystemImagePaths } from "./first-system";

export interface Picture {
  jpeg: Uint8Array;
  thumbnail: Uint8Array;
}

/** What a live camera returned for one capture, in our record's terms. */
export type LiveShot = Pick<CaptureRecord, "exposure" | "image"> & {
  /** The main frame's pixel measures; from our agent this takes one more call, so the camera is not held for it. */
  measures: Promise<CaptureRecord["measures"]>;
  /** The camera's own id of the capture (our agents), so its own upload of it is the same record; null from the first system. */
  captureId: string | null;
  /** The picture the hub fetched itself (first system) with its thumbnail, made after the camera answered; stored at the hub. */
  picture: Promise<Picture | null> | null;
};

/** Our agent's /capture answer, the parts the hub records. */
const OurCaptureReply = z.object({ capture_id: z.string().min(1).max(64), exposure: ExposureUsed.nullable(), image: ImageRef.nullable(), measures: ImageMeasures.nullable().optional() });

/** The camera answered, refusing (an HTTP error status) or with no capture of ours: nothing to wait for. */
export class CameraRefused extends Error {}

/** A meter reading from either API: the first system's has no colour temperature. */
const LiveMeter = MeterReading.extend({ colour_temperature: MeterReading.shape.colour_temperature.default(null) });

/** The largest picture the hub takes from a first-system Pi (a 16 MP JPEG is well under it). */
const MAX_PICTURE_BYTES = 64 * 1024 * 1024;

/** A picture's thumbnail and measures, made in a worker (picture-worker.ts) so the hub's loop and API are not held up. */
function describePicture(jpeg: Uint8Array): Promise<{ thumbnail: Uint8Array; measures: ImageMeasures | null }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./picture-worker.ts", import.meta.url).href);
    worker.onmessage = (event: MessageEvent<{ thumbnail?: Uint8Array; measures?: ImageMeasures | null; error?: string }>) => {
      worker.terminate();
      if (event.data.thumbnail) resolve({ thumbnail: event.data.thumbnail, measures: event.data.measures ?? null });
      else reject(new Error(`its picture could not be decoded: ${event.data.error}`));
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(`its picture could not be decoded: ${event.message}`));
    };
    worker.postMessage(jpeg);
  });
}

const detailOf = (body: unknown) => {
  const b = body as { message?: unknown; detail?: unknown } | null;
  const d = b?.message ?? b?.detail;
  return d === undefined || d === null ? "no detail" : typeof d === "string" ? d : JSON.stringify(d);
};

/**
 * One live camera as the hub calls it, in the API its config names: ours (the
 * default) or the first system's Pi. Every call carries the camera's technician
 * token when it has one; the token never appears in an error.
 */
export class LiveCamera {
  readonly endpoint: string;
  private readonly firstSystem: boolean;

  constructor(private readonly setup: CameraSetup) {
    this.endpoint = `http://${setup.config.host}:${setup.config.port ?? 8080}`;
    this.firstSystem = setup.config.api === "first_system";
  }

  private async call(path: string, signal: AbortSignal, init: RequestInit = {}): Promise<unknown> {
    const token = this.setup.config.technician_token;
    const headers = { ...(init.body ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
    const res = await fetch(this.endpoint + path, { ...init, headers, signal });
    const body = await res.json().catch(() => null);
    if (res.status === 401 && !this.firstSystem) {
      const hint = token ? "the camera's technician_token is not its agent's SKYLAPSE_EDGE_TOKEN" : "set the camera's technician_token to its agent's SKYLAPSE_EDGE_TOKEN";
      throw new CameraRefused(`${path} answered 401 (${detailOf(body)}): ${hint}`);
    }
    if (!res.ok) throw new CameraRefused(`${path} answered ${res.status}: ${detailOf(body)}`);
    if (body === null) throw new Error(`${path} answered ${res.status} with a body that could not be read`);
    return body;
  }

  async meter(signal: AbortSignal): Promise<MeterReading> {
    return LiveMeter.parse(await this.call("/meter", signal));
  }

  /** Asks for one capture with explicit settings; for the first system, then fetches its picture. */
  async capture(settings: CaptureSettings, tick: PlannedTick, signal: AbortSignal): Promise<LiveShot> {
    if (this.firstSystem) return this.firstSystemCapture(settings, tick, signal);
    const body = { ...settingsToSeedRequest(settings), profile: tick.profile, schedule: tick.schedule, planned_at: new Date(tick.at).toISOString() };
    const answer = await this.call("/capture", signal, { method: "POST", body: JSON.stringify(body) });
    const parsed = OurCaptureReply.safeParse(answer);
    if (!parsed.success) {
      const hint = (answer as { image_path?: unknown }).image_path && !(answer as { capture_id?: unknown }).capture_id ? ': it answers like a first-system Pi, so set its "api" to "first_system"' : "";
      throw new CameraRefused(`/capture answered without a capture of ours${hint}`);
    }
    const shot = parsed.data;
    // Its answer has no pixel measures; its log's record of the capture has them.
    const measures =
      shot.measures !== undefined
        ? Promise.resolve(shot.measures)
        : this.call(`/captures/${encodeURIComponent(shot.capture_id)}`, signal).then((r) => (r as CaptureRecord).measures ?? null, () => null);
    return { captureId: shot.capture_id, exposure: shot.exposure, image: shot.image, measures, picture: null };
  }

  private async firstSystemCapture(settings: CaptureSettings, tick: PlannedTick, signal: AbortSignal): Promise<LiveShot> {
    const body = firstSystemCaptureRequest(settings, tick.profile);
    const reply = FirstSystemCaptureReply.parse(await this.call("/capture", signal, { method: "POST", body: JSON.stringify(body) }));
    if (reply.status !== "success" || !reply.image_path) throw new Error(`/capture answered ${reply.status}: ${reply.message ?? "no image_path"}`);
    const where = firstSystemImagePaths(reply.image_path);
    const jpeg = await this.fetchPicture(where.urls, signal);
    const size = jpegSize(jpeg);
    if (!size) throw new Error(`its picture ${reply.image_path} is not a JPEG`);
    const sha256 = new Bun.CryptoHasher("sha256").update(jpeg).digest("hex");
    // Decoded after the camera has answered: a picture that cannot be is kept on the Pi, its record stands.
    const described = describePicture(jpeg).catch((e) => {
      console.error(`hub: live: ${this.endpoint} ${reply.image_path}: ${(e as Error).message}`);
      return null;
    });
    return {
      captureId: null,
      exposure: null,
      // A bracket's image_path names its middle frame: the one the hub holds (the others stay on the Pi).
      image: { file: where.file, bytes: jpeg.length, sha256, ...size, frames: settings.bracket?.count ?? 1 },
      measures: described.then((d) => d?.measures ?? null),
      picture: described.then((d) => (d ? { jpeg, thumbnail: d.thumbnail } : null)),
    };
  }

  private async fetchPicture(urls: string[], signal: AbortSignal): Promise<Uint8Array> {
    let status = 0;
    for (const url of urls) {
      const res = await fetch(this.endpoint + url, { signal });
      status = res.status;
      if (res.status === 404) continue;
      if (!res.ok) break;
      if (Number(res.headers.get("content-length") ?? 0) > MAX_PICTURE_BYTES) throw new Error(`its picture ${url} is over ${MAX_PICTURE_BYTES} bytes`);
      return new Uint8Array(await res.arrayBuffer());
    }
    throw new Error(`captured, but its picture could not be fetched from ${urls.join(" or ")} (${status})`);
  }

  /** What our agent logged for a tick (the first system keeps no log): its record, or null. */
  async logged(tick: PlannedTick, signal: AbortSignal): Promise<CaptureRecord | null> {
    if (this.firstSystem) return null;
    const q = new URLSearchParams({ from: new Date(tick.at).toISOString(), to: new Date(tick.at + 1).toISOString(), profile: tick.profile, limit: "1" });
    const page = z.object({ captures: z.array(z.unknown()) }).parse(await this.call(`/captures?${q}`, signal));
    return (page.captures[0] as CaptureRecord | undefined) ?? null;
  }
}
