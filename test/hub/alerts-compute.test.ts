import { describe, expect, test } from "bun:test";
import { alertInput, BUILT_IN_RULES, type CameraAlertInput, conditions, inMaintenance, isMuted, type OpenAlert, retryDelayMs, rulesFor, step } from "../../hub/alerts/compute";
import { healthFromObserved } from "../../hub/alerts/health";
import { AlertRules, type RuleSettings } from "../../hub/alerts/model";
import { buildPayload, signature } from "../../hub/alerts/payload";
import { formatMessage, parseSmtpUrl } from "../../hub/alerts/smtp";
import { computeFleet } from "../../hub/fleet/compute";

const T0 = Date.parse("2026-11-30T12:00:00Z");
const MIN = 60_000;

const healthy = (over: Partial<CameraAlertInput> = {}): CameraAlertInput => ({
  cameraId: "ridge",
  waiting: false,
  lastContactAt: T0,
  oldestPendingAt: null,
  diskPercent: 40,
  captureFailuresInARow: 0,
  exposureIssues: [],
  clockTrusted: true,
  notConverged: false,
  ...over,
});

const rule: RuleSettings = { enabled: true, threshold: 5, for_seconds: 120, clear_seconds: 300 };
const quiet = { maintenance: false, muted: false };

const active = (input: CameraAlertInput, now = T0, rules = BUILT_IN_RULES) =>
  conditions(input, rules, now)
    .filter((c) => c.active)
    .map((c) => c.kind);

describe("conditions", () => {
  test("a healthy camera trips nothing; a camera never heard from is not judged", () => {
    expect(active(healthy())).toEqual([]);
    expect(conditions(healthy({ waiting: true, lastContactAt: null }), BUILT_IN_RULES, T0)).toEqual([]);
  });

  test("each rule trips on its own input, with the threshold the rules give", () => {
    const rules = rulesFor(AlertRules.parse({ defaults: { offline: { threshold: 5 }, disk: { threshold: 70 }, temperature: { threshold: 65 }, capture_failures: { threshold: 2 } } }), "ridge");
    expect(active(healthy({ lastContactAt: T0 - 6 * MIN }), T0, rules)).toEqual(["offline"]);
    expect(active(healthy({ lastContactAt: T0 - 4 * MIN }), T0, rules)).toEqual([]);
    expect(active(healthy({ oldestPendingAt: T0 - 121 * MIN }), T0, rules)).toEqual(["behind"]);
    expect(active(healthy({ diskPercent: 71 }), T0, rules)).toEqual(["disk"]);
    expect(active(healthy({ captureFailuresInARow: 2 }), T0, rules)).toEqual(["capture_failures"]);
    expect(active(healthy({ exposureIssues: ["sky clipped 37 % for 40 frames"] }), T0, rules)).toEqual(["exposure"]);
    expect(active(healthy({ clockTrusted: false }), T0, rules)).toEqual(["clock_untrusted"]);
    expect(active(healthy({ notConverged: true }), T0, rules)).toEqual(["not_converged"]);
    expect(active(healthy({ socTempC: 66 }), T0, rules)).toEqual(["temperature"]);
    expect(active(healthy({ socTempC: 64 }), T0, rules)).toEqual([]);
    expect(active(healthy({ underVoltageNow: true }), T0, rules)).toEqual(["under_voltage"]);
    expect(active(healthy({ underVoltageNow: false, underVoltageSinceBoot: true }), T0, rules)).toEqual(["under_voltage"]);
    expect(active(healthy({ updateFailed: true, updateDetail: "1.4.0 rolled back" }), T0, rules)).toEqual(["update_failed"]);
    expect(conditions(healthy({ updateFailed: true, updateDetail: "1.4.0 rolled back" }), rules, T0).find((c) => c.kind === "update_failed")!.summary).toContain("1.4.0 rolled back");
  });

  test("a hub back after a long stop: cameras silent only while it was down open no offline alert until it has listened N minutes; an open one stays", () => {
    const silent = healthy({ lastContactAt: T0 - 60 * MIN, listeningSince: T0 - 2 * MIN });
    const offline = conditions(silent, BUILT_IN_RULES, T0).find((c) => c.kind === "offline")!;
    expect([offline.active, offline.canOpen]).toEqual([true, false]);
    expect(step(null, offline.active, BUILT_IN_RULES.offline, quiet, T0, offline.canOpen)).toBeNull();
    const firing: OpenAlert = { id: 1, status: "firing", since: T0 - 40 * MIN, clearSince: null, notifiedAt: T0 - 40 * MIN };
    expect(step(firing, offline.active, BUILT_IN_RULES.offline, quiet, T0, offline.canOpen)).toBeNull();
    const later = conditions(silent, BUILT_IN_RULES, T0 + 14 * MIN).find((c) => c.kind === "offline")!;
    expect(later.canOpen).toBe(true);
  });

  test("health and update fields absent (older agents): those rules stay quiet", () => {
    expect(active(healthy({ socTempC: null, underVoltageNow: null, underVoltageSinceBoot: null, updateFailed: null }))).toEqual([]);
  });

  test("defaults, then groups in order, then the camera's own; a disabled rule gives no verdict", () => {
    const doc = AlertRules.parse({
      defaults: { offline: { threshold: 30 }, disk: { enabled: false } },
      groups: [
        { name: "ridges", camera_ids: ["ridge", "crest"], rules: { offline: { threshold: 10, for_seconds: 60 } } },
        { name: "solar", camera_ids: ["ridge"], rules: { under_voltage: { since_boot: false } } },
      ],
      cameras: { ridge: { offline: { threshold: 3 } } },
    });
    expect(rulesFor(doc, "ridge").offline).toEqual({ enabled: true, threshold: 3, for_seconds: 60, clear_seconds: 120 });
    expect(rulesFor(doc, "crest").offline.threshold).toBe(10);
    expect(rulesFor(doc, "valley").offline.threshold).toBe(30);
    expect(rulesFor(doc, "valley").disk.enabled).toBe(false);
    expect(conditions(healthy({ diskPercent: 99 }), rulesFor(doc, "valley"), T0).some((c) => c.kind === "disk")).toBe(false);
    expect(active(healthy({ underVoltageSinceBoot: true }), T0, rulesFor(doc, "ridge"))).toEqual([]);
    expect(active(healthy({ underVoltageSinceBoot: true }), T0, rulesFor(doc, "crest"))).toEqual(["under_voltage"]);
  });

  test("the input comes from the fleet entry: contact, backlog, disk, clock, convergence, quality runs", () => {
    const fleet = computeFleet(
      [
        {
          id: "ridge",
          createdAt: T0 - 86_400_000,
          firstContactAt: T0 - 86_400_000,
          lastContactAt: T0 - 20 * MIN,
          observed: {
            backlog: 3,
            oldest_pending_at: new Date(T0 - 200 * MIN).toISOString(),
            disk: { used_bytes: 1, free_bytes: 1, total_bytes: 2, images_bytes: 1, budget_bytes: null, percent: 93, warning: true },
            clock: { now: new Date(T0).toISOString(), trusted: false, source: "untrusted", offset_ms: null, correction_ms: 0 },
            incidents: [],
          } as never,
        },
      ],
      60,
      T0,
    );
    const input = alertInput(fleet.cameras[0]!, healthFromObserved({ health: { soc_temp_c: 82.5, throttled: 0x50005 } }));
    expect(input).toMatchObject({ lastContactAt: T0 - 20 * MIN, oldestPendingAt: T0 - 200 * MIN, diskPercent: 93, clockTrusted: false, socTempC: 82.5, underVoltageNow: true, underVoltageSinceBoot: true });
    expect(active(input).sort()).toEqual(["behind", "clock_untrusted", "disk", "offline", "temperature", "under_voltage"]);
  });

  test("observed health in its several shapes; nothing reported is null", () => {
    expect(healthFromObserved(null)).toEqual({ socTempC: null, underVoltageNow: null, underVoltageSinceBoot: null, updateFailed: null, updateDetail: null });
    expect(healthFromObserved({ health: { throttled: 0x10000 } })).toMatchObject({ underVoltageNow: false, underVoltageSinceBoot: true });
    const outcome = (result: string, detail = "") => ({ version: "1.4.0", from: "1.3.0", result, bytes_moved: 1, full: false, at: "2026-06-01T00:00:00.000Z", detail });
    const update = (...history: unknown[]) => ({ update: { arch: "arm64", slot: "a", phase: "idle", target: null, downloaded_bytes: 0, total_bytes: 0, history } });
    expect(healthFromObserved(update(outcome("rolled_back", "no healthy poll within 300 s")))).toMatchObject({ updateFailed: true, updateDetail: "1.4.0 rolled back: no healthy poll within 300 s" });
    expect(healthFromObserved(update(outcome("refused", "signature refused"), outcome("installed")))).toMatchObject({ updateFailed: false });
    expect(healthFromObserved(update())).toMatchObject({ updateFailed: null });
    expect(healthFromObserved({ health: { throttled: 0, soc_temp_c: null } })).toMatchObject({ underVoltageNow: false, underVoltageSinceBoot: false, socTempC: null });
  });
});


/** Runs a sequence of verdicts, one per minute, through `step`, applying each step as the store would. */
function run(verdicts: boolean[], silences: (typeof quiet)[] = []) {
  let open: OpenAlert | null = null;
  const events: string[] = [];
  verdicts.forEach((v, i) => {
    const now = T0 + i * MIN;
    const s = step(open, v, rule, silences[i] ?? quiet, now);
    if (!s) return;
    switch (s.type) {
      case "open":
        open = { id: 1, status: "pending", since: now, clearSince: null, notifiedAt: null };
        break;
      case "restart":
        open!.since = now;
        break;
      case "drop":
        open = null;
        break;
      case "fire":
        open = { ...open!, status: "firing", notifiedAt: s.notify ? now : null };
        events.push(`fire${s.notify ? "" : " (silent)"}@${i}`);
        break;
      case "notify":
        open!.notifiedAt = now;
        events.push(`notify@${i}`);
        break;
      case "clearing":
        open!.clearSince = now;
        break;
      case "holding":
        open!.clearSince = null;
        break;
      case "resolve":
        events.push(`resolve${s.notify ? "" : " (silent)"}@${i}`);
        open = null;
        break;
    }
  });
  return events;
}

describe("hysteresis", () => {
  test("fires once the condition held for_seconds, resolves once clear for clear_seconds", () => {
    expect(run([true, true, true, true, false, false, false, false, false, false, false])).toEqual(["fire@2", "resolve@9"]);
  });

  test("a flapping condition fires once and resolves once", () => {
    const flapping = [true, true, true, false, true, false, true, false, false, true, false, false, false, false, false, false];
    expect(run(flapping)).toEqual(["fire@2", "resolve@15"]);
  });

  test("a blip shorter than the hold never fires", () => {
    expect(run([true, false, true, false, true, false])).toEqual([]);
  });

  test("muted: fires without a notification, and its resolution is silent too", () => {
    const muted = { maintenance: false, muted: true };
    expect(run([true, true, true, false, false, false, false, false, false, false], Array(10).fill(muted))).toEqual(["fire (silent)@2", "resolve (silent)@8"]);
  });

  test("a mute that ends while the alert still fires: notified then", () => {
    const muted = { maintenance: false, muted: true };
    expect(run([true, true, true, true, true, true], [muted, muted, muted, muted])).toEqual(["fire (silent)@2", "notify@4"]);
  });

  test("maintenance: nothing fires in the window; a condition still there after it fires after a fresh hold", () => {
    const m = { maintenance: true, muted: false };
    expect(run([true, true, true, true, true], Array(5).fill(m))).toEqual([]);
    expect(run([true, true, true, true, true, true, true, true], [m, m, m, m, m])).toEqual(["fire@7"]);
    expect(run([true, true, true, false, false], [m, m, m])).toEqual([]);
  });

  test("helpers: mutes by kind or '*', windows by time, backoff doubling with a cap", () => {
    const mutes = [{ cameraId: "ridge", kind: "offline", until: T0 + MIN }, { cameraId: "crest", kind: "*", until: T0 + MIN }];
    expect(isMuted(mutes, "ridge", "offline", T0)).toBe(true);
    expect(isMuted(mutes, "ridge", "disk", T0)).toBe(false);
    expect(isMuted(mutes, "crest", "disk", T0)).toBe(true);
    expect(isMuted(mutes, "ridge", "offline", T0 + MIN)).toBe(false);
    expect(inMaintenance([{ cameraId: "ridge", startsAt: T0, endsAt: T0 + MIN }], "ridge", T0 + MIN - 1)).toBe(true);
    expect(inMaintenance([{ cameraId: "ridge", startsAt: T0, endsAt: T0 + MIN }], "ridge", T0 + MIN)).toBe(false);
    expect([1, 2, 3, 4, 10].map((n) => retryDelayMs(n, 1000, 5000))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });
});

describe("notifications", () => {
  const alert = {
    id: 7,
    camera_id: "ridge",
    kind: "offline",
    status: "firing" as const,
    summary: "ridge: no contact for 17 min (limit 15 min)",
    value: 17,
    threshold: 15,
    since: "2026-11-30T12:00:00.000Z",
    fired_at: "2026-11-30T12:02:00.000Z",
    resolved_at: null,
    acknowledged_at: null,
    notified_at: "2026-11-30T12:02:00.000Z",
  };
  const channel = { id: "ops", type: "webhook" as const, format: "generic" as const, url: "http://127.0.0.1:1/hook", emailTo: null };

  test("generic webhook: schema_version 1 body; the signature is the body's HMAC-SHA256", () => {
    const p = buildPayload(channel, "alert:7:firing:ops", "firing", alert, "2026-11-30T12:02:00.000Z");
    if (p.kind !== "http") throw new Error("expected http");
    expect(JSON.parse(p.body)).toEqual({ schema_version: 1, event_id: "alert:7:firing:ops", event: "firing", hub_time: "2026-11-30T12:02:00.000Z", alert });
    const expected = new Bun.CryptoHasher("sha256", "s3cret-s3cret-s3cret").update(p.body).digest("hex");
    expect(signature(p.body, "s3cret-s3cret-s3cret")).toBe(`sha256=${expected}`);
  });

  test("slack and ntfy presets, e-mail", () => {
    const slack = buildPayload({ ...channel, format: "slack" }, "k", "resolved", { ...alert, status: "resolved", resolved_at: "2026-11-30T13:00:00.000Z" }, "x");
    expect(slack.kind === "http" && JSON.parse(slack.body).text).toContain("RESOLVED ridge: offline");
    const ntfy = buildPayload({ ...channel, format: "ntfy" }, "k", "firing", alert, "x");
    expect(ntfy.kind === "http" && ntfy.headers).toMatchObject({ Title: "FIRING ridge: offline", Priority: "4", Tags: "warning" });
    const mail = buildPayload({ id: "m", type: "email", format: null, url: null, emailTo: ["ops@example.org"] }, "k", "firing", alert, "x");
    expect(mail).toMatchObject({ kind: "email", to: ["ops@example.org"], subject: "[skylapse] FIRING ridge: offline" });
  });

  test("SMTP: the URL's parts; the message dot-stuffed with CRLF line ends", () => {
    expect(parseSmtpUrl("smtp://u%40x:p%20w@127.0.0.1:2525?from=alerts@example.org")).toEqual({ host: "127.0.0.1", port: 2525, tls: false, user: "u@x", pass: "p w", from: "alerts@example.org" });
    expect(() => parseSmtpUrl("smtp://127.0.0.1:25")).toThrow("from");
    const wire = formatMessage("a@b.c", { to: ["x@y.z"], subject: "Température", text: "one\n.two\n..three\n", date: T0, messageId: "m@skylapse" });
    expect(wire).toContain("\r\n\r\none\r\n..two\r\n...three\r\n.\r\n");
    expect(wire).toContain("Subject: =?UTF-8?B?");
    expect(wire.replace(/\r\n/g, "")).not.toContain("\n");
  });
});
