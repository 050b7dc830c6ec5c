#!/usr/bin/env bun
/**
 * `skylapse` — the operator CLI. `bun run skylapse -- report CAMERA [--from ISO] [--to ISO] [--json]`,
 * `bun run skylapse -- fleet [--json]`. The hub and token come from SKYLAPSE_HUB_URL and
 * SKYLAPSE_OPERATOR_TOKEN.
 */
import { type CliIo, main, runCli } from "../../shared/cli/run";
import { COMMANDS } from "./commands";

export const OPERATOR_CLI = {
  name: "skylapse",
  peer: "hub",
  urlVar: "SKYLAPSE_HUB_URL",
  tokenVar: "SKYLAPSE_OPERATOR_TOKEN",
  defaultUrl: "http://127.0.0.1:8082",
  commands: COMMANDS,
};

export const runOperatorCli = (argv: string[], io: CliIo) => runCli(OPERATOR_CLI, argv, io);

if (import.meta.main) await main(OPERATOR_CLI);
