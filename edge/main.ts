import { mkdirSync } from "node:fs";
import { clockFromEnv, readEnv } from "../shared/env";
import { createAgent } from "./agent";
import { UNLIMITED_BY_SERVER } from "../shared/http";
import { localApi } from "./api";
import { shrinkAfterStart } from "./memory";
import { parseAgentEnv } from "./config";
import { LogRing, teeConsole } from "./diagnostics/log-ring";
import { startWatchdog } from "./watchdog";

async function main() {
  const env = readEnv(process.env);
  const settings = parseAgentEnv(env);
  const clock = clockFromEnv(env);
  // Recent log lines for remote diagnostics: everything the agent logs from here on.
  const logRing = new LogRing(() => clock.now());
  teeConsole(logRing);
  mkdirSync(settings.SKYLAPSE_DATA_DIR, { recursive: true });
  // An installed update restarts the agent: a clean stop, then systemd starts the launcher again.
  const agent = createAgent(settings, clock, { logRing, restart: () => void shutdown() });
  const api = localApi(agent).listen({ port: settings.SKYLAPSE_PORT, hostname: settings.SKYLAPSE_HOST, maxRequestBodySize: UNLIMITED_BY_SERVER });
  if (!settings.SKYLAPSE_EDGE_TOKEN) console.warn("edge: warning: SKYLAPSE_EDGE_TOKEN is unset, so the local API's writes are open to the network");
  await agent.start();
  shrinkAfterStart();
  const stopWatchdog = startWatchdog(process.env, () => agent.clock.monotonic() - agent.scheduler.heartbeat);
  console.log(
    `edge: ${settings.SKYLAPSE_CAMERA_ID ?? "(no camera id)"} on http://${settings.SKYLAPSE_HOST}:${api.server?.port}, ` +
      (settings.SKYLAPSE_HUB_URL ? `hub ${settings.SKYLAPSE_HUB_URL}` : "standalone (no hub)") +
      `, clock ${new Date(clock.now()).toISOString()} ×${clock.speed}`,
  );
  async function shutdown() {
    stopWatchdog();
    await api.stop();
    await agent.stop();
    process.exit(0);
  }
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

main().catch((e) => {
  console.error(`edge: ${(e as Error).message}`);
  process.exit(2);
});
