/**
 * HAProxy (Debian's 2.6) on loopback in front of hub replicas, as a throwaway process:
 * round robin, a health check per backend, and a request that cannot reach a backend
 * retried on another one; TLS terminated with a given certificate, X-Forwarded-For
 * appended. Each response names the backend that served it
 * (`x-served-by`), and `states()` reads HAProxy's own view of its backends.
 */
import type { Subprocess } from "bun";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./processes";
import { freePort } from "./ports";
import type { SelfSigned } from "./tls";

export interface HaproxyOptions {
  /** Backends as host:port or http://host:port. */
  backends: string[];
  /** The path a backend answers 200 on when it takes traffic. */
  check?: "/health" | "/ready";
  /** Milliseconds between health checks. */
  checkEveryMs?: number;
  /** Failed checks before a backend is taken out. */
  fall?: number;
  /** Terminate TLS with this certificate (the URL is then https). */
  tls?: SelfSigned;
}

export interface Haproxy {
  url: string;
  /** Backend name (b0, b1, …) → HAProxy's status for it (UP, DOWN, …). */
  states(): Promise<Record<string, string>>;
  /** Waits until HAProxy sees these backends (by index) UP and the others not. */
  waitUntilUp(indexes: number[], timeoutMs?: number): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

const hostPort = (b: string) => b.replace(/^https?:\/\//, "").replace(/\/$/, "");

function configText(o: Required<Omit<HaproxyOptions, "tls">>, bind: string, tls: boolean, statsPort: number): string {
  return `global
  maxconn 4000

defaults
  mode http
  option http-buffer-request
  timeout connect 2s
  timeout client 120s
  timeout server 120s
  timeout http-request 30s
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response 503

frontend hubs
  bind ${bind}
  option forwardfor
  http-request set-header X-Forwarded-Proto ${tls ? "https" : "http"}
  default_backend replicas

backend replicas
  balance roundrobin
  option httpchk
  http-check send meth GET uri ${o.check} ver HTTP/1.1 hdr host localhost
  http-check expect status 200
  default-server inter ${o.checkEveryMs} fastinter ${o.checkEveryMs} downinter ${o.checkEveryMs} fall ${o.fall} rise 1
  http-response set-header x-served-by %s
${o.backends.map((b, i) => `  server b${i} ${hostPort(b)} check`).join("\n")}

frontend stats
  bind 127.0.0.1:${statsPort}
  stats enable
  stats uri /stats
`;
}

export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  const o = { check: "/health" as const, checkEveryMs: 500, fall: 2, ...options };
  const dir = tempDir("haproxy");
  const [port, statsPort] = [await freePort(), await freePort()];
  let bind = `127.0.0.1:${port}`;
  if (o.tls) {
    const pem = join(dir, "haproxy.pem");
    writeFileSync(pem, readFileSync(o.tls.cert, "utf8") + readFileSync(o.tls.key, "utf8"));
    bind += ` ssl crt ${pem}`;
  }
  const config = join(dir, "haproxy.cfg");
  writeFileSync(config, configText(o, bind, Boolean(o.tls), statsPort));
  const check = Bun.spawnSync(["haproxy", "-c", "-q", "-f", config]);
  if (check.exitCode !== 0) throw new Error(`haproxy rejects its config: ${check.stderr.toString()}`);
  const proc: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(["setpriv", "--pdeathsig", "KILL", "--", "haproxy", "-db", "-f", config], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let log = "";
  const collect = async (s: ReadableStream<Uint8Array>) => {
    for await (const c of s) log += new TextDecoder().decode(c);
  };
  collect(proc.stdout);
  collect(proc.stderr);

  const states = async () => {
    const csv = await (await fetch(`http://127.0.0.1:${statsPort}/stats;csv`)).text();
    const [header, ...rows] = csv.trim().split("\n");
    const cols = header!.replace(/^# /, "").split(",");
    const [px, sv, status] = ["pxname", "svname", "status"].map((c) => cols.indexOf(c));
    const out: Record<string, string> = {};
    for (const row of rows) {
      const f = row.split(",");
      if (f[px!] === "replicas" && /^b\d+$/.test(f[sv!]!)) out[f[sv!]!] = f[status!]!;
    }
    return out;
  };
  const haproxy: Haproxy = {
    url: `${o.tls ? "https" : "http"}://127.0.0.1:${port}`,
    states,
    async waitUntilUp(indexes, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last: Record<string, string> = {};
      while (Date.now() < deadline) {
        if (proc.exitCode !== null) break;
        try {
          last = await states();
          if (o.backends.every((_, i) => (last[`b${i}`] === "UP") === indexes.includes(i))) return;
        } catch {}
        await Bun.sleep(100);
      }
      throw new Error(`haproxy backends not as expected (${JSON.stringify(last)}, wanted UP: ${indexes}):\n${log}`);
    },
    output: () => log,
    async stop() {
      if (proc.exitCode === null) proc.kill(9);
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return haproxy;
}
