/**
 * What a notification says, per channel format (pure): the generic webhook body
 * (schema_version 1, documented in hub/API.md), Slack-compatible and ntfy presets,
 * e-mail messages and the daily digest; and the body's signature.
 */
import { createHmac } from "node:crypto";
import type { WebhookFormat } from "./model";

export const WEBHOOK_SCHEMA_VERSION = 1;
export const SIGNATURE_HEADER = "X-Skylapse-Signature";

/** An alert as the API and the notifications show it. */
export interface AlertView {
  id: number;
  camera_id: string;
  kind: string;
  status: "pending" | "firing" | "resolved";
  summary: string;
  value: number | null;
  threshold: number | null;
  since: string;
  fired_at: string | null;
  resolved_at: string | null;
  acknowledged_at: string | null;
  notified_at: string | null;
}

export type NotificationEvent = "firing" | "resolved" | "test";

/** A queued request, stored as built so every retry sends the same bytes. */
export type DeliveryPayload =
  | { kind: "http"; url: string; headers: Record<string, string>; body: string }
  | { kind: "email"; to: string[]; subject: string; text: string };

export interface ChannelTarget {
  id: string;
  type: "webhook" | "email";
  format: WebhookFormat | null;
  url: string | null;
  emailTo: string[] | null;
}

/** `sha256=<hex HMAC-SHA256 of the body with the channel's secret>`. */
export const signature = (body: string, secret: string) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

const title = (event: NotificationEvent, alert: AlertView | null) =>
  event === "test" ? "Skylapse test notification" : `${event === "firing" ? "FIRING" : "RESOLVED"} ${alert!.camera_id}: ${alert!.kind.replace(/_/g, " ")}`;

function lines(event: NotificationEvent, alert: AlertView | null, hubTime: string): string[] {
  if (!alert) return [`A test notification from the Skylapse hub at ${hubTime}. This channel works.`];
  return [
    alert.summary,
    `camera: ${alert.camera_id}`,
    `alert: ${alert.kind} (#${alert.id})`,
    `condition since: ${alert.since}`,
    ...(alert.fired_at ? [`fired: ${alert.fired_at}`] : []),
    ...(event === "resolved" && alert.resolved_at ? [`resolved: ${alert.resolved_at}`] : []),
  ];
}

/** The generic JSON body. `event_id` is the same for every attempt of one notification: receivers dedupe on it. */
export function webhookBody(eventId: string, event: NotificationEvent, alert: AlertView | null, hubTime: string) {
  return { schema_version: WEBHOOK_SCHEMA_VERSION, event_id: eventId, event, hub_time: hubTime, alert };
}

/** The request a channel gets for one event. */
export function buildPayload(channel: ChannelTarget, eventId: string, event: NotificationEvent, alert: AlertView | null, hubTime: string): DeliveryPayload {
  if (channel.type === "email")
    return { kind: "email", to: channel.emailTo ?? [], subject: `[skylapse] ${title(event, alert)}`, text: `${lines(event, alert, hubTime).join("\n")}\n` };
  const common = { "X-Skylapse-Event": event, "X-Skylapse-Event-Id": eventId };
  const url = channel.url!;
  switch (channel.format ?? "generic") {
    case "slack": {
      const mark = event === "firing" ? ":red_circle:" : event === "resolved" ? ":large_green_circle:" : ":information_source:";
      const [first, ...rest] = lines(event, alert, hubTime);
      const text = `${mark} *${title(event, alert)}*\n${first}${rest.length ? `\n${rest.join("\n")}` : ""}`;
      return { kind: "http", url, headers: { "content-type": "application/json", ...common }, body: JSON.stringify({ text }) };
    }
    case "ntfy":
      return {
        kind: "http",
        url,
        headers: {
          "content-type": "text/plain; charset=utf-8",
          Title: title(event, alert),
          Tags: event === "firing" ? "warning" : event === "resolved" ? "white_check_mark" : "information_source",
          Priority: event === "firing" ? "4" : "3",
          ...common,
        },
        body: lines(event, alert, hubTime).join("\n"),
      };
    default:
      return { kind: "http", url, headers: { "content-type": "application/json", ...common }, body: JSON.stringify(webhookBody(eventId, event, alert, hubTime)) };
  }
}

/** The daily e-mail digest: what fired and resolved in the past day, and what is firing now. */
export function digestPayload(to: string[], day: string, fired: AlertView[], resolved: AlertView[], firingNow: AlertView[]): DeliveryPayload {
  const list = (xs: AlertView[]) => (xs.length ? xs.map((a) => `  - ${a.summary} (#${a.id}, ${a.kind})`) : ["  (none)"]);
  const text = [
    `Skylapse alerts, the 24 h up to ${day}:`,
    "",
    `Fired (${fired.length}):`,
    ...list(fired),
    "",
    `Resolved (${resolved.length}):`,
    ...list(resolved),
    "",
    `Firing now (${firingNow.length}):`,
    ...list(firingNow),
    "",
  ].join("\n");
  return { kind: "email", to, subject: `[skylapse] daily digest ${day.slice(0, 10)}: ${fired.length} fired, ${resolved.length} resolved, ${firingNow.length} firing`, text };
}
