/**
 * systemd supervision: READY=1 once the agent runs, then WATCHDOG=1 every half
 * watchdog period — but only while the scheduler's heartbeat is fresh, so a hung
 * scheduler gets the service restarted. Messages go through `systemd-notify`
 * (the unit sets NotifyAccess=all for it).
 */
export function watchdogPeriodMs(env: Record<string, string | undefined>): number | null {
  if (!env.NOTIFY_SOCKET || !env.WATCHDOG_USEC) return null;
  const usec = Number(env.WATCHDOG_USEC);
  return Number.isFinite(usec) && usec > 0 ? usec / 1000 : null;
}

/** Pet the watchdog only when the scheduler proved alive within one watchdog period. */
export function schedulerHealthy(heartbeatAgeMs: number, periodMs: number): boolean {
  return heartbeatAgeMs < periodMs;
}

function notify(message: string): void {
  try {
    Bun.spawn(["systemd-notify", message], { stdout: "ignore", stderr: "ignore" });
  } catch {
    // Not under systemd (or no systemd-notify): nothing to tell.
  }
}

export function startWatchdog(env: Record<string, string | undefined>, heartbeatAgeMs: () => number): () => void {
  if (!env.NOTIFY_SOCKET) return () => {};
  notify("READY=1");
  const period = watchdogPeriodMs(env);
  if (period === null) return () => {};
  const timer = setInterval(() => {
    if (schedulerHealthy(heartbeatAgeMs(), period)) notify("WATCHDOG=1");
  }, period / 2);
  return () => clearInterval(timer);
}
