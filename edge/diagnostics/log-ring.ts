import { formatWithOptions } from "node:util";
import { type LogLine, MAX_LOG_LINE_CHARS } from "../../shared/contracts/diagnostics";

/** Lines kept by default: the last few hours of a quiet agent, minutes of a troubled one. */
const DEFAULT_LINES = 500;

/**
 * The agent's recent log lines in memory, the oldest dropped first, for remote
 * diagnostics. Each line is cut to MAX_LOG_LINE_CHARS, so the ring never holds
 * more than lines × that.
 */
export class LogRing {
  private readonly ring: LogLine[] = [];

  constructor(
    private readonly now: () => number,
    readonly capacity = DEFAULT_LINES,
  ) {}

  push(level: LogLine["level"], text: string): void {
    if (this.ring.length >= this.capacity) this.ring.shift();
    this.ring.push({ at: new Date(this.now()).toISOString(), level, text: text.length > MAX_LOG_LINE_CHARS ? `${text.slice(0, MAX_LOG_LINE_CHARS - 1)}…` : text });
  }

  lines(): LogLine[] {
    return [...this.ring];
  }
}

const LEVELS = { debug: "debug", log: "info", info: "info", warn: "warn", error: "error" } as const;

/**
 * The agent logs through console (stdout/stderr, to journald under systemd):
 * every call also goes into `ring`. Returns the undo.
 */
export function teeConsole(ring: LogRing): () => void {
  const originals = new Map<keyof typeof LEVELS, (...args: unknown[]) => void>();
  for (const method of Object.keys(LEVELS) as (keyof typeof LEVELS)[]) {
    const original = console[method].bind(console);
    originals.set(method, original);
    console[method] = (...args: unknown[]) => {
      original(...args);
      ring.push(LEVELS[method], formatWithOptions({ colors: false, depth: 4 }, ...args));
    };
  }
  return () => {
    for (const [method, original] of originals) console[method] = original;
  };
}
