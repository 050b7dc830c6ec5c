/** The hub's systemd units: valid for each role and for the nightly backup, and hardened (systemd's own exposure rating). */
import { describe, expect, test } from "bun:test";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../harness/processes";

const ROOT = join(import.meta.dir, "..", "..");

describe("hub/deploy", () => {
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

  test("the nightly backup service and its timer pass systemd-analyze verify, the service rated at most 2", () => {
    const dir = tempDir("hub-backup-unit");
    for (const name of ["skylapse-hub-backup.service", "skylapse-hub-backup.timer"])
      writeFileSync(join(dir, name), readFileSync(join(ROOT, "hub/deploy", name), "utf8").replace("/usr/local/bin/bun", Bun.which("bun")!));
    const verify = Bun.spawnSync(["systemd-analyze", "verify", join(dir, "skylapse-hub-backup.service"), join(dir, "skylapse-hub-backup.timer")]);
    expect(verify.stderr.toString()).toBe("");
    expect(verify.exitCode).toBe(0);
    const security = Bun.spawnSync(["systemd-analyze", "security", "--offline=yes", join(dir, "skylapse-hub-backup.service")]).stdout.toString();
    expect(Number(security.match(/Overall exposure level for \S+: ([\d.]+)/)?.[1])).toBeLessThanOrEqual(2);
  });
});
