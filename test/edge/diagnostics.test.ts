/** The agent's side of remote diagnostics: the log ring, secrets taken out, the bundle kept within its size. */
import { describe, expect, test } from "bun:test";
import { DiagnosticsBundle, MAX_DIAGNOSTICS_BYTES, MAX_LOG_LINE_CHARS, REDACTED } from "../../shared/contracts/diagnostics";
import { assembleBundle, type BundleParts } from "../../edge/diagnostics/bundle";
import { LogRing, teeConsole } from "../../edge/diagnostics/log-ring";
import { DiagnosticsResponder } from "../../edge/diagnostics/service";
import { HubClient } from "../../edge/hub-client";
import { redactConfig, redactUrls, scrub } from "../../edge/diagnostics/redact";
import { observedState } from "../harness/fixtures";

const T0 = Date.parse("2026-11-24T12:00:00Z");

describe("log ring", () => {
  test("keeps the newest lines up to its capacity, each cut to the longest line", () => {
    let now = T0;
    const ring = new LogRing(() => now, 3);
    for (let i = 1; i <= 5; i++) {
      now += 1000;
      ring.push("info", `line ${i}`);
    }
    ring.push("error", "x".repeat(MAX_LOG_LINE_CHARS + 500));
    const lines = ring.lines();
    expect(lines.map((l) => l.text.slice(0, 6))).toEqual(["line 4", "line 5", "xxxxxx"]);
    expect(lines[0]!.at).toBe("2026-11-24T12:00:04.000Z");
    expect(lines[2]!.text.length).toBe(MAX_LOG_LINE_CHARS);
    expect(lines[2]!.level).toBe("error");
  });

  test("the console tee records what the agent logs, with its level, and still prints it", () => {
    const ring = new LogRing(() => T0);
    const printed: unknown[][] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => printed.push(args);
    const undo = teeConsole(ring);
    try {
      console.warn("edge: disk_full:", { free: 3 });
    } finally {
      undo();
      console.warn = original;
    }
    expect(printed).toEqual([["edge: disk_full:", { free: 3 }]]);
    expect(ring.lines()).toEqual([{ at: new Date(T0).toISOString(), level: "warn", text: "edge: disk_full: { free: 3 }" }]);
  });
});

describe("secrets", () => {
  test("settings named like secrets are redacted; URLs lose their credentials; the rest stays", () => {
    const { config, secrets } = redactConfig({
      SKYLAPSE_AGENT_TOKEN: "agent-token-abcdef0123456789",
      SKYLAPSE_ENROLLMENT_CODE: "K7QX-22PM",
      SKYLAPSE_EDGE_TOKEN: "technician-0123456789abcdef",
      SKYLAPSE_RELEASE_PRIVATE_KEY_FILE: "/etc/k",
      SKYLAPSE_HUB_URL: "https://crew:hunter2-pass@hub.example:8082/?api_key=qwerty123&x=1",
      SKYLAPSE_SMTP_PASSWORD: "mail-pass",
      SKYLAPSE_CAMERA_ID: "ridge",
      SKYLAPSE_BATCH_SIZE: 200,
      SKYLAPSE_CLOCK_TRUSTED: false,
      SKYLAPSE_STORAGE_BUDGET_MB: undefined,
    });
    expect(config).toEqual({
      SKYLAPSE_AGENT_TOKEN: REDACTED,
      SKYLAPSE_BATCH_SIZE: 200,
      SKYLAPSE_CAMERA_ID: "ridge",
      SKYLAPSE_CLOCK_TRUSTED: false,
      SKYLAPSE_EDGE_TOKEN: REDACTED,
      SKYLAPSE_ENROLLMENT_CODE: REDACTED,
      SKYLAPSE_HUB_URL: `https://${REDACTED}@hub.example:8082/?api_key=${REDACTED}&x=1`,
      SKYLAPSE_RELEASE_PRIVATE_KEY_FILE: REDACTED,
      SKYLAPSE_SMTP_PASSWORD: REDACTED,
    });
    expect(secrets.sort()).toEqual(["K7QX-22PM", "agent-token-abcdef0123456789", "hunter2-pass", "mail-pass", "qwerty123", "technician-0123456789abcdef", "/etc/k"].sort());
  });

  test("log text: known secrets and URL credentials are scrubbed wherever they appear", () => {
    expect(redactUrls("hub http://u:p@10.0.0.1:8082, then https://h/x?token=abc&ok=1 and plain text")).toBe(
      `hub http://${REDACTED}@10.0.0.1:8082, then https://h/x?token=${REDACTED}&ok=1 and plain text`,
    );
    expect(scrub("enrolled with K7QX-22PM; token agent-token-abc123 kept", ["K7QX-22PM", "agent-token-abc123"])).toBe(`enrolled with ${REDACTED}; token ${REDACTED} kept`);
  });
});

function parts(overrides: Partial<BundleParts> = {}): BundleParts {
  return {
    request_id: "diag-1",
    collected_at: new Date(T0).toISOString(),
    versions: { agent: "0.2.0", bun: "1.4.5", platform: "linux", arch: "arm64", os_release: "Linux 6.6" },
    uptime_seconds: 12,
    observed: observedState(),
    hub: { last_poll_at: null, last_success_at: null, last_error: "poll: hub answered 401 for token agent-token-secret-1", failures: 1, uploaded: 0, bytes_sent: 10, bytes_received: 20 },
    image_sync: null,
    disk: { path: "/var/lib/skylapse", total_bytes: 100, used_bytes: 40, free_bytes: 60, images_bytes: 30, budget_bytes: null },
    settings: { SKYLAPSE_AGENT_TOKEN: "agent-token-secret-1", SKYLAPSE_CAMERA_ID: "ridge" },
    secrets: ["enrolled-token-secret-2"],
    log: [],
    ...overrides,
  };
}

describe("bundle", () => {
  test("valid against the wire contract, secrets gone from config, log and errors", () => {
    const log = [
      { at: new Date(T0).toISOString(), level: "info" as const, text: "edge: enrolled; token enrolled-token-secret-2" },
      { at: new Date(T0).toISOString(), level: "error" as const, text: "edge: hub http://a:b-secret-c@hub/ refused agent-token-secret-1" },
    ];
    const bundle = assembleBundle(parts({ log }));
    expect(DiagnosticsBundle.safeParse(bundle).success).toBe(true);
    const text = JSON.stringify(bundle);
    for (const secret of ["agent-token-secret-1", "enrolled-token-secret-2", "b-secret-c"]) expect(text).not.toContain(secret);
    expect(bundle.log.map((l) => l.text)).toEqual([`edge: enrolled; token ${REDACTED}`, `edge: hub http://${REDACTED}@hub/ refused ${REDACTED}`]);
    expect(bundle.log_dropped).toBe(0);
  });

  test("a log too big for the limit: the oldest lines go, the bundle stays within it", () => {
    const log = Array.from({ length: 900 }, (_, i) => ({ at: new Date(T0 + i).toISOString(), level: "info" as const, text: `${String(i).padStart(4, "0")} ${"x".repeat(1500)}` }));
    const bundle = assembleBundle(parts({ log }));
    const size = Buffer.byteLength(JSON.stringify(bundle));
    expect(size).toBeLessThanOrEqual(MAX_DIAGNOSTICS_BYTES);
    expect(size).toBeGreaterThan(MAX_DIAGNOSTICS_BYTES - 2_000);
    expect(bundle.log.at(-1)!.text.startsWith("0899")).toBe(true);
    expect(bundle.log_dropped).toBe(900 - bundle.log.length);
    expect(bundle.log_dropped).toBeGreaterThan(700);
    // A smaller limit holds the same way.
    const small = assembleBundle(parts({ log }), 20_000);
    expect(Buffer.byteLength(JSON.stringify(small))).toBeLessThanOrEqual(20_000);
    expect(DiagnosticsBundle.safeParse(small).success).toBe(true);
  });
});

describe("answering a request", () => {
  test("sent once; passing trouble (5xx) is tried again at the next poll that names it, a 401 or 422 never again", async () => {
    const answers: Record<string, number[]> = { "diag-ok": [200], "diag-busy": [503, 200], "diag-401": [401], "diag-422": [422] };
    const seen: string[] = [];
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        const id = new URL(req.url).pathname.split("/").pop()!;
        const body = await req.json();
        expect(body.request_id).toBe(id);
        seen.push(id);
        const status = answers[id]!.shift() ?? 500;
        return Response.json(status === 200 ? { request_id: id, received_at: new Date(T0).toISOString(), duplicate: false } : { error: "x", message: "no" }, { status });
      },
    });
    try {
      const lines: string[] = [];
      const responder = new DiagnosticsResponder({ hub: new HubClient({ baseUrl: `http://127.0.0.1:${server.port}`, timeoutMs: 5_000 }), collect: (id) => parts({ request_id: id }), log: (l) => lines.push(l) });
      // Each id named by two polls in a row.
      for (const id of ["diag-ok", "diag-busy", "diag-401", "diag-422"]) {
        await responder.answer(id);
        await responder.answer(id);
      }
      expect(seen).toEqual(["diag-ok", "diag-busy", "diag-busy", "diag-401", "diag-422"]);
      expect(lines.filter((l) => l.includes("not sent")).length).toBe(3);
    } finally {
      server.stop(true);
    }
  });
});
