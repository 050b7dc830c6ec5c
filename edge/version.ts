/** The agent's version: a release build sets it (edge/deploy/build.ts) before the agent starts; a source checkout runs as this default. */
let version = "0.2.0";

export function agentVersion(): string {
  return version;
}

export function setAgentVersion(v: string): void {
  version = v;
}
