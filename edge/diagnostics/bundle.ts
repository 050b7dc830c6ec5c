import { type DiagnosticsBundle, type LogLine, MAX_DIAGNOSTICS_BYTES, MAX_DIAGNOSTICS_LOG_LINES } from "../../shared/contracts/diagnostics";
import { redactConfig, scrub } from "./redact";

export type BundleParts = Omit<DiagnosticsBundle, "config" | "log" | "log_dropped"> & {
  /** The agent's settings as parsed, secrets included (they are taken out here). */
  settings: Record<string, unknown>;
  /** Secrets held outside the settings (a token from enrollment), scrubbed wherever they appear. */
  secrets: string[];
  log: LogLine[];
};

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/**
 * The bundle an agent uploads: its settings without secrets, its log lines and
 * errors scrubbed of them (and of URL credentials), and no bigger than
 * `maxBytes` as JSON: the oldest log lines go first until it fits.
 */
export function assembleBundle(parts: BundleParts, maxBytes = MAX_DIAGNOSTICS_BYTES): DiagnosticsBundle {
  const { settings, secrets: held, log, ...rest } = parts;
  const { config, secrets } = redactConfig(settings);
  const known = [...secrets, ...held].filter((s) => s.length >= 6);
  const clean = (text: string | null) => (text === null ? null : scrub(text, known));
  const bundle: DiagnosticsBundle = {
    ...rest,
    hub: { ...rest.hub, last_error: clean(rest.hub.last_error) },
    image_sync: rest.image_sync && { ...rest.image_sync, last_error: clean(rest.image_sync.last_error) },
    config,
    log: [],
    log_dropped: 0,
  };
  const lines = log.slice(-MAX_DIAGNOSTICS_LOG_LINES).map((line) => ({ ...line, text: scrub(line.text, known) }));
  // Each line costs its JSON and a comma; the newest are kept.
  const room = maxBytes - bytesOf(bundle) - String(log.length).length;
  let used = 0;
  let first = lines.length;
  while (first > 0 && used + bytesOf(lines[first - 1]) + 1 <= room) used += bytesOf(lines[--first]) + 1;
  bundle.log = lines.slice(first);
  bundle.log_dropped = log.length - bundle.log.length;
  return bundle;
}
