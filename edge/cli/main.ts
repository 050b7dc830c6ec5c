#!/usr/bin/env bun
/**
 * `skylapse-agent` — the field technician's CLI, over SSH on the Pi: status, plan,
 * captures, meter, capture, sync, profile. Talks to the local agent at
 * SKYLAPSE_AGENT_URL (default http://127.0.0.1:8080) with SKYLAPSE_EDGE_TOKEN for writes.
 */
import { type CliIo, main, runCli } from "../../shared/cli/run";
import { COMMANDS } from "./commands";

export const TECHNICIAN_CLI = {
  name: "skylapse-agent",
  peer: "agent",
  urlVar: "SKYLAPSE_AGENT_URL",
  tokenVar: "SKYLAPSE_EDGE_TOKEN",
  defaultUrl: "http://127.0.0.1:8080",
  commands: COMMANDS,
};

export const runTechnicianCli = (argv: string[], io: CliIo) => runCli(TECHNICIAN_CLI, argv, io);

if (import.meta.main) await main(TECHNICIAN_CLI);
