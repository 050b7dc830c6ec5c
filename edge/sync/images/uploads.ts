import type { CaptureRecord } from "../../../shared/contracts/sync";
import type { HubReply, HubRequest, LinkBudget } from "../../hub-client";
import type { ImageSyncDeps, ImageSyncStatus } from "./index";

/** What the thumbnail and full-image jobs share with the loop that runs them. */
export interface UploadRun {
  deps: ImageSyncDeps;
  status: ImageSyncStatus;
  /** The link's bandwidth budget (the hub client charges it): each piece waits for it. */
  budget: LinkBudget;
  /** Aborts when the loop stops. */
  stopping: AbortSignal;
  running(): boolean;
  /** Records first: true (and they are asked for) when some wait to be sent. */
  yieldToRecords(): boolean;
  /** One failed attempt; `final` (the hub does not hold the record, or it can never take the file) sets it aside at once. */
  strike(captureId: string, why: string, final?: boolean): void;
  /** The hub holds this capture's thumbnail or verified full image. */
  mark(seq: number, what: "thumb" | "image"): void;
  /** One request to the hub, given up when the loop stops; an answer clears the last error. */
  send(what: string, path: string, req: HubRequest): Promise<HubReply>;
}

export type Capture = { seq: number; record: Omit<CaptureRecord, "seq"> };

export const capturePath = (record: Pick<CaptureRecord, "id">, what: "thumbnail" | "image") => `/agent/v1/captures/${encodeURIComponent(record.id)}/${what}`;
