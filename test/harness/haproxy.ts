/** A real HAProxy on loopback in front of hub processes, and a self-signed certificate for TLS tests (openssl). */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, waitFor } from "./processes";

export interface SelfSigned {
  dir: string;
  cert: string;
  key: string;
  /** The certificate's PEM: a client's CA for it. */
  ca: string;
}

/** A self-signed certificate for 127.0.0.1 made by openssl. */
export function selfSigned(): SelfSigned {
  const dir = tempDir("tls");
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  const p = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "2", "-keyout", key, "-out", cert]);
  if (p.exitCode !== 0) throw new Error(`openssl: ${p.stderr.toString()}`);
  return { dir, cert, key, ca: readFileSync(cert, "utf8") };
}

export function freePort(): number {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

export interface Haproxy {
  url: string;
  /** HAProxy's log lines (server state changes). */
  output: () => string;
  stop: (hard?: boolean) => Promise<number>;
}

/**
 * HAProxy in front of `backends` (hub URLs): TLS terminated with `tls` when given,
 * X-Forwarded-For appended, each backend checked with GET /ready every `checkMs`
 * (one failed check takes it out, one good one puts it back).
 */
export async function startHaproxy(backends: string[], options: { tls?: SelfSigned; checkMs?: number } = {}): Promise<Haproxy> {
  const dir = tempDir("haproxy");
  const port = freePort();
  let bind = `127.0.0.1:${port}`;
  if (options.tls) {
    const pem = join(dir, "haproxy.pem");
    writeFileSync(pem, readFileSync(options.tls.cert, "utf8") + readFileSync(options.tls.key, "utf8"));
    bind += ` ssl crt ${pem}`;
  }
  const cfg = join(dir, "haproxy.cfg");
  writeFileSync(
    cfg,
    [
      "global",
      "  maxconn 500",
      "defaults",
      "  mode http",
      "  timeout connect 2s",
      "  timeout client 30s",
      "  timeout server 30s",
      "frontend skylapse",
      `  bind ${bind}`,
      "  option forwardfor",
      `  http-request set-header X-Forwarded-Proto ${options.tls ? "https" : "http"}`,
      "  default_backend hubs",
      "backend hubs",
      "  balance roundrobin",
      "  option httpchk GET /ready",
      "  http-check expect status 200",
      ...backends.map((b, i) => `  server hub${i + 1} ${new URL(b).host} check inter ${options.checkMs ?? 500}ms fall 1 rise 1`),
      "",
    ].join("\n"),
  );
  const proc = Bun.spawn(["haproxy", "-db", "-f", cfg], { stdout: "pipe", stderr: "pipe" });
  let output = "";
  void (async () => {
    for await (const chunk of proc.stderr) output += new TextDecoder().decode(chunk);
  })();
  const url = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;
  const init = options.tls ? ({ tls: { ca: options.tls.ca } } as RequestInit) : {};
  try {
    await waitFor("HAProxy to route to a hub", async () => (await fetch(`${url}/health`, init)).ok, 15_000, 100);
  } catch (e) {
    proc.kill(9);
    throw new Error(`${(e as Error).message}\n${output}`);
  }
  return { url, output: () => output, stop: async (hard = true) => (proc.kill(hard ? 9 : 15), proc.exited) };
}
