/**
 * The programs outside npm that the demo and the test suite run: checked once
 * up front, so a fresh machine hears what is missing in one line instead of a
 * run that fails at the end. `bun test/prerequisites.ts [demo|test]`.
 */
const TOOLS = {
  ffmpeg: { found: () => Bun.which(process.env.SKYLAPSE_FFMPEG || "ffmpeg") !== null, packages: ["ffmpeg"], for: "timelapse renders" },
  chromium: { found: () => Bun.file("/usr/bin/chromium").size > 0, packages: ["chromium", "fonts-dejavu-core"], for: "the dashboard's browser tests" },
  postgresql: { found: () => new Bun.Glob("/usr/lib/postgresql/*/bin/initdb").scanSync({ absolute: true }).next().done === false, packages: ["postgresql"], for: "the hub on PostgreSQL" },
  ceph: { found: () => ["radosgw", "radosgw-admin", "ceph-mon", "ceph-osd", "monmaptool", "curl"].every((c) => Bun.which(c) !== null), packages: ["radosgw", "ceph-mon", "ceph-osd", "curl"], for: "the hub on S3 (a real radosgw)" },
  haproxy: { found: () => Bun.which("haproxy") !== null, packages: ["haproxy"], for: "hub replicas behind a load balancer" },
  aiosmtpd: { found: () => Bun.spawnSync(["/usr/bin/python3", "-c", "import aiosmtpd"], { stderr: "ignore" }).exitCode === 0, packages: ["python3-aiosmtpd"], for: "a real SMTP server for mail alerts" },
  openssl: { found: () => Bun.which("openssl") !== null, packages: ["openssl"], for: "the hub's TLS tests (a self-signed certificate)" },
} as const;

type Tool = keyof typeof TOOLS;
const NEEDS: Record<string, Tool[]> = { demo: ["ffmpeg"], test: ["ffmpeg", "chromium", "postgresql", "ceph", "haproxy", "aiosmtpd", "openssl"] };

/** The tools `purpose` needs that this machine lacks. */
export function missingTools(purpose: "demo" | "test"): Tool[] {
  return NEEDS[purpose]!.filter((t) => !TOOLS[t].found());
}

/** One line naming what is missing and the exact command that installs it (Debian/Ubuntu), or null. */
export function missingMessage(purpose: "demo" | "test"): string | null {
  const missing = missingTools(purpose);
  if (!missing.length) return null;
  const packages = missing.flatMap((t) => TOOLS[t].packages);
  const what = missing.map((t) => `${t} (${TOOLS[t].for})`).join(", ");
  const sudo = process.getuid?.() === 0 ? "" : "sudo ";
  return `skylapse: ${purpose} needs ${what}: run \`${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${packages.join(" ")}\` and try again`;
}

if (import.meta.main) {
  const purpose = process.argv[2] === "demo" ? "demo" : "test";
  const message = missingMessage(purpose);
  if (message) {
    console.error(message);
    process.exit(1);
  }
}
