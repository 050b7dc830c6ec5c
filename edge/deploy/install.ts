/**
 * A first install of a release into an install folder, on a workstation (then copy the
 * folder to the Pi) or on the Pi itself: `bun edge/deploy/install.ts --release DIR --into
 * /opt/skylapse`. It unpacks the runtime and the bundle into slot a, points `current` at it
 * and puts the launcher beside it. Later releases arrive over the air.
 */
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ReleaseManifest } from "../../shared/contracts/release";
import { Install } from "../update/install";
import { RELEASE_FILES } from "./release";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { release: { type: "string" }, into: { type: "string" } }, strict: true });
if (!values.release || !values.into) {
  console.error("install: usage: bun edge/deploy/install.ts --release DIR --into INSTALL_DIR");
  process.exit(2);
}
const manifest = ReleaseManifest.parse(JSON.parse(readFileSync(join(values.release, RELEASE_FILES.manifest), "utf8")));
const install = new Install(values.into);
if (!(await install.addRuntime(join(values.release, RELEASE_FILES.runtime), manifest.runtime.unpacked_sha256))) throw new Error("install: the runtime does not match its manifest");
if (!(await install.fillSlot("a", manifest, join(values.release, RELEASE_FILES.bundle)))) throw new Error("install: the bundle does not match its manifest");
install.makeCurrent("a");
copyFileSync(join(import.meta.dir, "skylapse-launcher.sh"), join(values.into, "launcher.sh"));
console.log(`install: ${manifest.version} (${manifest.arch}) in ${values.into}; ExecStart=${join(values.into, "launcher.sh")}`);
