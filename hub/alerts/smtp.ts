/**
 * A small SMTP client over Bun's TCP sockets: EHLO, AUTH PLAIN when the URL has a user,
 * MAIL FROM, RCPT TO, DATA with dot-stuffing, QUIT. smtps:// is TLS from the first
 * byte; STARTTLS is not spoken.
 */
import type { Socket } from "bun";

export interface SmtpSettings {
  host: string;
  port: number;
  tls: boolean;
  user: string | null;
  pass: string | null;
  from: string;
}

/** `smtp://user:pass@host:port?from=alerts@example.org` (smtps:// for TLS; port 25 / 465 by default). */
export function parseSmtpUrl(raw: string): SmtpSettings {
  const url = new URL(raw);
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") throw new Error(`SKYLAPSE_SMTP_URL: expected smtp:// or smtps://, got ${url.protocol}`);
  const tls = url.protocol === "smtps:";
  const from = url.searchParams.get("from");
  if (!from || !/^[^\s@<>]+@[^\s@<>]+$/.test(from)) throw new Error("SKYLAPSE_SMTP_URL: add ?from=ADDRESS (the sender)");
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port ? Number(url.port) : tls ? 465 : 25,
    tls,
    user: url.username ? decodeURIComponent(url.username) : null,
    pass: url.password ? decodeURIComponent(url.password) : null,
    from,
  };
}

export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
  /** Hub time (the Date header). */
  date: number;
  messageId: string;
}

/** An SMTP reply refused the message (4xx/5xx), or the connection failed. */
export class SmtpError extends Error {}

const encodeHeader = (v: string) => (/^[\x20-\x7e]*$/.test(v) ? v : `=?UTF-8?B?${Buffer.from(v).toString("base64")}?=`);

/** The message in wire form: CRLF line ends, lines starting with "." doubled. */
export function formatMessage(from: string, m: MailMessage): string {
  const headers = [
    `From: ${from}`,
    `To: ${m.to.join(", ")}`,
    `Subject: ${encodeHeader(m.subject)}`,
    `Date: ${new Date(m.date).toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: <${m.messageId}>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
  ];
  const body = m.text.replace(/\r?\n/g, "\r\n").replace(/^\./gm, "..");
  return `${headers.join("\r\n")}\r\n\r\n${body}${body.endsWith("\r\n") ? "" : "\r\n"}.\r\n`;
}

/** One connection sending one message; throws SmtpError on a refusal, a closed connection or the timeout. */
export async function sendMail(s: SmtpSettings, m: MailMessage, timeoutMs = 30_000): Promise<void> {
  let buffer = "";
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  let outbox = new Uint8Array(0);
  const flush = (sock: Socket) => {
    if (!outbox.length) return;
    const n = sock.write(outbox);
    outbox = outbox.subarray(Math.max(0, n));
  };
  const decoder = new TextDecoder();
  const socket = await Bun.connect({
    hostname: s.host,
    port: s.port,
    tls: s.tls,
    socket: {
      data(_sock, chunk) {
        buffer += decoder.decode(chunk, { stream: true });
        notify();
      },
      drain: flush,
      close() {
        failure ??= new SmtpError("the SMTP server closed the connection");
        notify();
      },
      error(_sock, e) {
        failure = new SmtpError(`SMTP connection: ${e.message}`);
        notify();
      },
    },
  }).catch((e: Error) => {
    throw new SmtpError(`cannot reach the SMTP server ${s.host}:${s.port}: ${e.message}`);
  });
  const deadline = Date.now() + timeoutMs;
  const timer = setTimeout(notify, timeoutMs);

  /** The next complete reply (its last line is "NNN text"). */
  async function reply(): Promise<{ code: number; text: string }> {
    for (;;) {
      const m = /^(?:\d{3}-[^\n]*\n)*(\d{3})(?: [^\n]*)?\r?\n/.exec(buffer);
      if (m) {
        buffer = buffer.slice(m[0].length);
        return { code: Number(m[1]), text: m[0].trim() };
      }
      if (failure) throw failure;
      if (Date.now() >= deadline) throw new SmtpError(`the SMTP server did not answer within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }
  async function command(line: string | null, expect: number[]): Promise<string> {
    if (line !== null) {
      const bytes = new TextEncoder().encode(line);
      const merged = new Uint8Array(outbox.length + bytes.length);
      merged.set(outbox);
      merged.set(bytes, outbox.length);
      outbox = merged;
      flush(socket);
    }
    const r = await reply();
    if (!expect.includes(r.code)) throw new SmtpError(`SMTP ${line === null ? "greeting" : line.split(/[ :\r]/)[0]}: ${r.text}`);
    return r.text;
  }

  try {
    await command(null, [220]);
    await command(`EHLO skylapse-hub\r\n`, [250]);
    if (s.user !== null) await command(`AUTH PLAIN ${Buffer.from(`\0${s.user}\0${s.pass ?? ""}`).toString("base64")}\r\n`, [235]);
    await command(`MAIL FROM:<${s.from}>\r\n`, [250]);
    for (const to of m.to) await command(`RCPT TO:<${to}>\r\n`, [250, 251]);
    await command("DATA\r\n", [354]);
    await command(formatMessage(s.from, m), [250]);
    await command("QUIT\r\n", [221]).catch(() => undefined);
  } finally {
    clearTimeout(timer);
    socket.end();
  }
}
