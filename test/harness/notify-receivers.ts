/**
 * Real receivers of alert notifications on loopback: an SMTP server (Debian's
 * python3-aiosmtpd, each message written to a Maildir) and an HTTP webhook receiver
 * that checks each request's X-Skylapse-Signature.
 */
import type { Subprocess } from "bun";
import { createHmac, timingSafeEqual } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, waitFor } from "./processes";

export interface SmtpServer {
  url: (from: string) => string;
  /** Messages received so far (headers parsed, body as text). */
  messages: () => { subject: string; to: string; text: string }[];
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

const AUTH_SERVER = join(import.meta.dir, "..", "fixtures", "smtp-auth", "server.py");

/** aiosmtpd on loopback; with `auth`, one that requires AUTH with that user and password (test/fixtures/smtp-auth). */
export async function startSmtpServer(auth?: { user: string; pass: string }): Promise<SmtpServer> {
  const dir = tempDir("maildir");
  const port = await freePort();
  const command = auth
    ? ["/usr/bin/python3", AUTH_SERVER, "127.0.0.1", String(port), auth.user, auth.pass, join(dir, "box")]
    : ["/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", `127.0.0.1:${port}`, "-c", "aiosmtpd.handlers.Mailbox", join(dir, "box")];
  const proc: Subprocess = Bun.spawn(command, { stdout: "ignore", stderr: "pipe" });
  await waitFor(
    "aiosmtpd to listen",
    async () => {
      const sock = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).catch(() => null);
      sock?.end();
      return sock !== null;
    },
    15_000,
    100,
  );
  const messages = () => {
    const box = join(dir, "box", "new");
    if (!existsSync(box)) return [];
    return readdirSync(box)
      .sort()
      .map((f) => {
        const raw = readFileSync(join(box, f), "utf8");
        const [head, ...body] = raw.split(/\r?\n\r?\n/);
        const header = (name: string) => new RegExp(`^${name}: (.*)$`, "mi").exec(head!)?.[1]?.trim() ?? "";
        return { subject: header("Subject"), to: header("To"), text: body.join("\n\n") };
      });
  };
  return {
    url: (from) => `smtp://127.0.0.1:${port}?from=${from}`,
    messages,
    stop: async () => {
      proc.kill(9);
      await proc.exited;
    },
  };
}

export interface WebhookRequest {
  body: string;
  json: any;
  headers: Record<string, string>;
  /** The signature header matches the body's HMAC-SHA256 with the secret. */
  signed: boolean;
}

export interface WebhookReceiver {
  url: string;
  requests: WebhookRequest[];
  /** Requests answered 2xx. */
  accepted: () => WebhookRequest[];
  stop: () => void;
}

/** `status(n)` answers the n-th request (1-based); 200 by default. */
export function startWebhookReceiver(secret: string, status: (n: number) => number = () => 200, port = 0): WebhookReceiver {
  const requests: WebhookRequest[] = [];
  const answered: number[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port,
    async fetch(req) {
      const body = await req.text();
      const expected = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
      const got = req.headers.get("x-skylapse-signature") ?? "";
      const signed = got.length === expected.length && timingSafeEqual(Buffer.from(got), Buffer.from(expected));
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        // a preset's text body
      }
      requests.push({ body, json, headers: Object.fromEntries(req.headers), signed });
      const code = signed ? status(requests.length) : 401;
      answered.push(code);
      return new Response(null, { status: code });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/hook`,
    requests,
    accepted: () => requests.filter((_, i) => answered[i]! >= 200 && answered[i]! < 300),
    stop: () => server.stop(true),
  };
}
