/** The hub's systemd unit: valid for each role, and hardened (systemd's own exposure rating). */
import { describe, expect, test } from "bun:test";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../harness/processes";

const ROOT = join(import.meta.dir, "..", "..");

describe("hub/deploy/skylapse-hub@.service", () => {
  test("passes systemd-analyze verify as each role's instance, with an exposure rating of at most 2 (of 10)", () => {
    const dir = tempDir("hub-unit");
    const unit = readFileSync(join(ROOT, "hub/deploy/skylapse-hub@.service"), "utf8").replace("/usr/local/bin/bun", Bun.which("bun")!);
    writeFileSync(join(dir, "skylapse-hub@.service"), unit);
    for (const role of ["all", "api", "worker"]) {
      const instance = join(dir, `skylapse-hub@${role}.service`);
      symlinkSync(join(dir, "skylapse-hub@.service"), instance);
      const verify = Bun.spawnSync(["systemd-analyze", "verify", instance]);
      expect(verify.stderr.toString()).toBe("");
      expect(verify.exitCode).toBe(0);
    }
    const security = Bun.spawnSync(["systemd-analyze", "security", "--offline=yes", join(dir, "skylapse-hub@all.service")]).stdout.toString();
    const exposure = Number(security.match(/Overall exposure level for \S+: ([\d.]+)/)?.[1]);
    expect(exposure).toBeLessThanOrEqual(2);
  });
});
